"""An operator that deletes a Pinecone namespace, typically before importing the same files again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_pinecone.client.validation import validate_namespace
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.task_failures import mistakes_fail_fast
from airflow_provider_pinecone.tasks import PineconeIndexTaskMixin


class DeleteNamespaceOperator(PineconeIndexTaskMixin, BaseOperator):
    """Delete a namespace of a Pinecone index, and every record in it.

    Pinecone refuses to import into a namespace that already exists, so a DAG that imports the same
    files again (a full reload) deletes the namespace first::

        delete = DeleteNamespaceOperator(task_id="delete_namespace", namespace="products")
        load = StartImportOperator(task_id="start_import", uri="s3://bucket/products/")
        delete >> load

    **Deleting is irreversible**: the records are gone for every reader of the index at once.

    A namespace that does not exist is not an error by default (``missing_ok=True``): the task logs
    that there was nothing to delete and succeeds, so a first run, or a retry after a lost answer,
    passes. With ``missing_ok=False`` the task fails instead. A mistake (a bad namespace or
    connection, HTTP 400/401/403) fails the task without retries; transient trouble (429, 5xx,
    timeouts) is retried by the client and then by Airflow.

    The task returns ``{"namespace": <name>, "deleted": <whether it existed>}``.

    :param namespace: the namespace to delete; ``""`` or ``"__default__"`` for the default
        namespace (templated).
    :param missing_ok: succeed when the namespace does not exist; ``False`` fails the task then.
    :param pinecone_conn_id: the Pinecone connection.
    :param index_name: overrides the connection's index name (templated).
    :param index_host: overrides the connection's index host (templated).
    """

    template_fields: Sequence[str] = ("namespace", "index_name", "index_host")
    ui_color = "#fbe3e1"

    def __init__(
        self,
        *,
        namespace: str,
        missing_ok: bool = True,
        pinecone_conn_id: str = PineconeHook.default_conn_name,
        index_name: str | None = None,
        index_host: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.namespace = namespace
        self.missing_ok = missing_ok
        self._set_target(pinecone_conn_id, index_name, index_host)

    def execute(self, context: Context) -> dict[str, Any]:
        with mistakes_fail_fast():
            namespace = validate_namespace(self.namespace)
            deleted = self.hook.delete_namespace(namespace, missing_ok=self.missing_ok)
        if deleted:
            self.log.info("Deleted Pinecone namespace %r and all its records.", namespace)
        else:
            self.log.info("Pinecone namespace %r does not exist; there was nothing to delete.", namespace)
        return {"namespace": namespace, "deleted": deleted}
