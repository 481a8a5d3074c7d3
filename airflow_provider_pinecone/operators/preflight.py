"""The pre-flight task: check an import source in seconds, before a 10-minute import fails on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException
from airflow.sdk import BaseOperator, Context

from airflow_provider_pinecone.client.models import IndexModel
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.links import PineconeTabLink
from airflow_provider_pinecone.preflight.arguments import check_counts
from airflow_provider_pinecone.storage import (
    DEFAULT_MAX_CONNECTIONS,
    without_secrets,
)
from airflow_provider_pinecone.task_failures import storage_task_errors
from airflow_provider_pinecone.tasks import StorageTaskMixin
from airflow_provider_pinecone.xcom_keys import XCOM_PREFLIGHT_REPORT

if TYPE_CHECKING:
    from airflow_provider_pinecone.preflight.report import ImportSourceReport


class ValidateImportSourceOperator(StorageTaskMixin, BaseOperator):
    """Check a bulk-import source the way Pinecone will, and fail fast if the import would fail.

    The task lists the import directory once and reads every Parquet file's footer (one ranged
    request per file), so it checks the layout, the import limits and every file's columns and
    types; with ``sample_rows`` it also checks that many records per file (ids, vectors, metadata,
    duplicates). Given a Pinecone connection it also checks the target index: serverless, ready, on a
    cloud that can import from this storage, of the files' vector type and dimension, and without
    the namespaces the import would create.

    The report is pushed to XCom as the task's return value (a dict; see
    :class:`~airflow_provider_pinecone.preflight.ImportSourceReport`). Its ``total_rows`` is the
    number of records a clean import reports, for a later check. The task fails, without retrying,
    with a summary of every error (and of every warning with ``fail_on_warnings``).

    :param uri: the import directory, as given to ``StartImportOperator`` (templated).
    :param pinecone_conn_id: a Pinecone connection, to check the source against its index. ``None``
        (and no ``index_name``) checks the source alone.
    :param index_name: the index to check against; defaults to the connection's. Given without
        ``pinecone_conn_id``, the ``pinecone_default`` connection is used (templated).
    :param index_type: ``dense``, ``sparse`` or ``hybrid``, when there is no index to take it from;
        ``None`` infers it from the first file.
    :param error_mode: the import's error mode; with ``abort``, duplicate vectors are errors (templated).
    :param sample_rows: records to check at the start of each file; ``0`` checks footers only.
    :param fail_on_warnings: fail the task on warnings too (files that would be ignored, skipped
        duplicates, integrated-embedding indexes).
    :param aws_conn_id: Airflow connection for ``s3://`` sources; default: boto3's own configuration.
    :param gcp_conn_id: Airflow connection for ``gs://`` sources; default: Google's application
        default credentials.
    :param azure_conn_id: Airflow connection (``wasb``) for Azure sources; default:
        ``AZURE_STORAGE_CONNECTION_STRING`` or anonymous access.
    :param endpoint_url: storage endpoint override, for S3-compatible stores and local emulators.
    :param max_workers: files read in parallel.
    """

    template_fields: Sequence[str] = ("uri", "index_name", "error_mode")
    operator_extra_links = (PineconeTabLink(),)
    ui_color = "#fff4d6"

    def __init__(
        self,
        *,
        uri: str,
        pinecone_conn_id: str | None = None,
        index_name: str | None = None,
        index_type: str | None = None,
        error_mode: str = "continue",
        sample_rows: int = 0,
        fail_on_warnings: bool = False,
        aws_conn_id: str | None = None,
        gcp_conn_id: str | None = None,
        azure_conn_id: str | None = None,
        endpoint_url: str | None = None,
        max_workers: int = DEFAULT_MAX_CONNECTIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.uri = uri
        self.pinecone_conn_id = pinecone_conn_id
        self.index_name = index_name
        self.index_type = index_type
        self.error_mode = error_mode
        self.sample_rows = sample_rows
        self.fail_on_warnings = fail_on_warnings
        self._set_storage(aws_conn_id, gcp_conn_id, azure_conn_id, endpoint_url)
        self.max_workers = self.max_connections = max_workers
        # Arguments that are not templated are checked now, so a typo fails the DAG file's import.
        check_counts(sample_rows, max_workers)
        self._report: ImportSourceReport | None = None

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: each namespace folder of the source as an input, with its rows, bytes and files.

        No outputs: pre-flight writes nothing (the import's task reports the namespaces it creates).
        ``None`` without the OpenLineage provider.
        """
        from airflow_provider_pinecone.lineage import operator_lineage
        from airflow_provider_pinecone.uris import parse_import_uri

        if self._report is None or not self._report.namespaces:
            return operator_lineage([self.uri], None, {})
        location = parse_import_uri(without_secrets(self.uri))
        statistics = {
            location.folder_url(name): {"rowCount": ns.rows, "size": ns.bytes, "fileCount": ns.files}
            for name, ns in self._report.namespaces.items()
        }
        return operator_lineage(list(statistics), None, {}, input_statistics=statistics)

    def execute(self, context: Context) -> dict[str, Any]:
        with storage_task_errors(self.task_id, self.uri):
            report = self._validate()
        self._report = report
        self.log.info("%s", report.format_table())
        if report.errors:
            failure = report.error_summary()
        elif self.fail_on_warnings and report.warnings:
            failure = report.summary(report.warnings, "warnings") + "\n(fail_on_warnings is set)"
        else:
            return report.to_dict()
        # A failed task has no return value: the whole report goes under its own key.
        context["ti"].xcom_push(key=XCOM_PREFLIGHT_REPORT, value=report.to_dict())
        raise AirflowFailException(f"{failure}\nThe full report is in XCom, key {XCOM_PREFLIGHT_REPORT!r}.")

    def _validate(self) -> ImportSourceReport:
        # Imported here: pyarrow need not load each time a DAG file using this operator is parsed.
        from airflow_provider_pinecone.preflight.validate import check_arguments, validate_import_source

        # Before any network call: a typo in an argument needs no round trip to be found.
        check_arguments(self.error_mode, self.index_type, None, self.sample_rows, self.max_workers)
        index, existing = self._index_and_namespaces()
        return validate_import_source(
            self.uri,
            index=index,
            existing_namespaces=existing,
            index_type=self.index_type,
            error_mode=self.error_mode,
            sample_rows=self.sample_rows,
            storage=self.storage_options,
            max_workers=self.max_workers,
        )

    def _index_and_namespaces(self) -> tuple[IndexModel | None, dict[str, int] | None]:
        # An index name alone means: that index, through the default Pinecone connection.
        conn_id = self.pinecone_conn_id or (PineconeHook.default_conn_name if self.index_name else None)
        if conn_id is None:
            return None, None
        hook = PineconeHook(conn_id, index_name=self.index_name)
        index = hook.describe_index()
        self.log.info("Checking against index %r (%s, %s).", index.name, index.vector_type, index.cloud)
        return index, hook.describe_index_stats().namespaces
