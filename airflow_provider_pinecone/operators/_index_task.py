"""What every Pinecone task shares: which connection and index it talks to, and its hook."""

from __future__ import annotations

from functools import cached_property

from airflow_provider_pinecone.hooks.pinecone import PineconeHook


class PineconeIndexTaskMixin:
    """Holds ``pinecone_conn_id``, ``index_name`` and ``index_host`` and builds the hook from them.

    ``index_name`` and ``index_host`` are templated by the tasks that use this mixin, so the hook is
    built lazily, after rendering.
    """

    pinecone_conn_id: str
    index_name: str | None
    index_host: str | None

    def _set_target(self, pinecone_conn_id: str, index_name: str | None, index_host: str | None) -> None:
        self.pinecone_conn_id = pinecone_conn_id
        self.index_name = index_name
        self.index_host = index_host

    @cached_property
    def hook(self) -> PineconeHook:
        """The hook for this task's connection and index."""
        return PineconeHook(self.pinecone_conn_id, index_name=self.index_name, index_host=self.index_host)
