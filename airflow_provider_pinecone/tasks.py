"""What every Pinecone task (operator or sensor) shares: its connection and index, its hook, and how it
defers to :class:`~airflow_provider_pinecone.triggers.imports.ImportTrigger`.

Public so that the operators and the sensor can share it without one importing the other's private
module; a custom task of a user's can mix it in the same way::

    class MyImportTask(PineconeIndexTaskMixin, BaseOperator):
        template_fields = ("index_name", "index_host")

        def __init__(self, *, pinecone_conn_id="pinecone_default", index_name=None, index_host=None, **kwargs):
            super().__init__(**kwargs)
            self._set_target(pinecone_conn_id, index_name, index_host)
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, NoReturn

from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.storage.base import DEFAULT_MAX_CONNECTIONS
from airflow_provider_pinecone.storage.options import StorageOptions
from airflow_provider_pinecone.triggers.imports import ImportTrigger


class PineconeIndexTaskMixin:
    """Holds ``pinecone_conn_id``, ``index_name`` and ``index_host`` and builds the hook from them.

    ``index_name`` and ``index_host`` are templated by the tasks that use this mixin, so the hook is
    built lazily, after rendering. Mix it in before ``BaseOperator`` (or ``BaseSensorOperator``),
    whose ``defer`` :meth:`_defer_until_import_ends` calls.
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

    def _defer_until_import_ends(
        self,
        import_id: str,
        *,
        poll_interval: float,
        deadline: float | None,
        cancel_on_kill: bool = False,
        kwargs: dict[str, Any] | None = None,
    ) -> NoReturn:
        """Hand the wait to an :class:`ImportTrigger` and resume in ``execute_complete``.

        :param deadline: absolute epoch seconds after which the trigger fires ``timeout``.
        :param cancel_on_kill: whether the trigger's ``on_kill`` may cancel the import when a user
            stops the task (for the task that owns the import, not for one that only watches it).
        :param kwargs: passed on to ``execute_complete``.
        """
        self.defer(  # type: ignore[attr-defined]
            trigger=ImportTrigger(
                import_id=import_id,
                pinecone_conn_id=self.pinecone_conn_id,
                index_name=self.index_name,
                # Resolved already: the trigger need not ask the control plane again.
                index_host=self.hook.resolve_index_host(),
                poll_interval=poll_interval,
                deadline=deadline,
                cancel_on_kill=cancel_on_kill,
            ),
            method_name="execute_complete",
            kwargs=kwargs,
        )
        raise AssertionError("defer() returned")  # pragma: no cover - defer always raises TaskDeferred


class StorageTaskMixin:
    """Holds the storage arguments of a task that reads object storage (pre-flight, upsert).

    :param aws_conn_id: Airflow connection for ``s3://`` URIs; ``None``: boto3's own configuration.
    :param gcp_conn_id: Airflow connection for ``gs://`` URIs.
    :param azure_conn_id: Airflow connection (``wasb``) for Azure Blob Storage URIs.
    :param endpoint_url: a storage endpoint, for S3-compatible stores and local emulators.
    """

    aws_conn_id: str | None
    gcp_conn_id: str | None
    azure_conn_id: str | None
    endpoint_url: str | None
    #: The storage client's connection pool size; a task reading files in parallel raises it.
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def _set_storage(
        self, aws_conn_id: str | None, gcp_conn_id: str | None, azure_conn_id: str | None, endpoint_url: str | None
    ) -> None:
        self.aws_conn_id, self.gcp_conn_id = aws_conn_id, gcp_conn_id
        self.azure_conn_id, self.endpoint_url = azure_conn_id, endpoint_url

    @property
    def storage_options(self) -> StorageOptions:
        """How the task reaches the storage, from its (possibly templated-over) attributes."""
        return StorageOptions(
            aws_conn_id=self.aws_conn_id, gcp_conn_id=self.gcp_conn_id, azure_conn_id=self.azure_conn_id,
            endpoint_url=self.endpoint_url, max_connections=self.max_connections,
        )  # fmt: skip
