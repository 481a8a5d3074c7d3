"""Upsert Parquet files or records into existing namespaces: the path for everything bulk import cannot do.

Bulk import writes only into namespaces that do not exist yet, needs a Standard or Enterprise plan
and takes at least 10 minutes. ``UpsertOperator`` loads the same Parquet layout (or records from an
upstream task) with upsert: into any namespace, on any plan, as fast as Pinecone's per-namespace rate
limits allow. ``PlanUpsertPartitionsOperator`` spreads one large load over many mapped tasks, and
``ImportOrUpsertOperator`` picks bulk import or upsert per run.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from airflow.providers.standard.operators.branch import BaseBranchOperator
from airflow.sdk import BaseOperator, Context

from airflow_provider_pinecone.assets import declare_outlets, emit_load_events
from airflow_provider_pinecone.client.limits import UPSERT_BYTES_PER_SECOND, UPSERT_REQUESTS_PER_SECOND
from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.client.throttle import NamespaceThrottle
from airflow_provider_pinecone.client.validation import validate_error_mode
from airflow_provider_pinecone.lineage import operator_lineage
from airflow_provider_pinecone.links import PineconeTabLink
from airflow_provider_pinecone.storage import without_secrets
from airflow_provider_pinecone.task_failures import storage_task_errors
from airflow_provider_pinecone.task_params import check_seconds
from airflow_provider_pinecone.tasks import PineconeIndexTaskMixin, StorageTaskMixin

if TYPE_CHECKING:
    from airflow_provider_pinecone.client.models import IndexStats
    from airflow_provider_pinecone.preflight.schema import IndexType
    from airflow_provider_pinecone.upsert.checks import RowChecker
    from airflow_provider_pinecone.upsert.run import LoadSource
    from airflow_provider_pinecone.upsert.sources import SourceFile

#: The longest ``verify_timeout``: Pinecone makes upserts visible in seconds, not hours.
MAX_VERIFY_SECONDS = 3600.0
#: Requests in flight at once, at most (Pinecone's per-namespace rate limit is 100 requests/s).
MAX_CONCURRENCY = 64


def _list_files(task: Any) -> list[SourceFile]:
    """The Parquet files under ``task.uri``, failing the task at once on a mistake in the URI."""
    from airflow_provider_pinecone.upsert.sources import list_source_files

    return list_source_files(task.uri, namespace=task.namespace, storage=task.storage_options)


class UpsertOperator(PineconeIndexTaskMixin, StorageTaskMixin, BaseOperator):
    """Upsert records into a Pinecone index, from Parquet files in object storage or from a list.

    Give exactly one source:

    * ``uri``: a directory in the bulk-import layout (one sub-directory per namespace,
      ``__default__`` for the default namespace); with ``namespace``, one namespace directory; or
      one ``.parquet`` file (into ``namespace``, default the default namespace). Files are read
      through the same storage connections as pre-flight, row group by row group, so memory stays
      bounded whatever their size.
    * ``records``: a list of dicts with ``id``, ``values``, ``sparse_values`` and ``metadata``, for
      example an upstream task's output (``records=embed.output``), into ``namespace``.
    * ``partition``: one item of :class:`PlanUpsertPartitionsOperator`'s output, for
      ``UpsertOperator.partial(...).expand(partition=plan.output)``.

    Every record is checked with pre-flight's record rules (id, dimension, NaN and infinity, sparse
    lengths, metadata a JSON object under 40 KB). With ``error_mode="continue"`` a bad record is
    skipped and counted by reason; with ``"abort"`` the task fails at the first, naming it.

    Requests are sent ``max_concurrency`` at a time, each at most 1,000 records and 2 MB, within
    Pinecone's per-namespace limits (100 requests and 50 MB per second); a 429 slows the load down
    (honouring ``Retry-After``) instead of failing it. A retried task resumes after the last row
    group Pinecone fully acknowledged (Airflow 3.3+; before, it starts over): upsert overwrites by
    id, so nothing is lost or doubled either way.

    Returns a summary dict: ``upserted`` per namespace, ``skipped`` per reason, a sample of skipped
    ids, ``requests``, ``throttled_retries``, ``seconds``, ``records_per_second`` and ``verified``.

    On success it emits one asset event per namespace written (``pinecone://<index>/<namespace>``,
    through the outlet alias ``pinecone:<dag_id>.<task_id>``; see :mod:`airflow_provider_pinecone.assets`),
    with the namespace's records, the load's totals and the source URI in ``extra``;
    ``get_openlineage_facets_on_complete`` reports the same.

    :param uri: the Parquet source (templated).
    :param records: records to upsert (templated); a JSON string of a list is accepted too.
    :param partition: one partition from :class:`PlanUpsertPartitionsOperator`.
    :param namespace: the target namespace of ``records``, a single file or a namespace directory
        (templated). ``None`` or ``""`` means the default namespace.
    :param error_mode: ``continue`` (skip bad records) or ``abort`` (templated).
    :param max_concurrency: upsert requests in flight at once, 1 to 64.
    :param max_requests_per_second: the per-namespace request rate to stay under (Pinecone: 100).
    :param max_bytes_per_second: the per-namespace byte rate to stay under (Pinecone: 50 MB).
    :param verify: after the load, wait until ``describe_index_stats`` shows at least the loaded
        records in every namespace (Pinecone is eventually consistent).
    :param verify_timeout: how long to wait for that, in seconds.
    :param pinecone_conn_id: the Pinecone connection.
    :param index_name: overrides the connection's index name (templated).
    :param index_host: overrides the connection's index host (templated).
    :param aws_conn_id: Airflow connection for ``s3://`` sources.
    :param gcp_conn_id: Airflow connection for ``gs://`` sources.
    :param azure_conn_id: Airflow connection (``wasb``) for Azure sources.
    :param endpoint_url: storage endpoint override, for S3-compatible stores and local emulators.
    """

    template_fields: Sequence[str] = ("uri", "records", "namespace", "error_mode", "index_name", "index_host")
    operator_extra_links = (PineconeTabLink(),)
    ui_color = "#e3f2e1"

    def __init__(
        self,
        *,
        uri: str | None = None,
        records: list[dict[str, Any]] | str | None = None,
        partition: dict[str, Any] | None = None,
        namespace: str | None = None,
        error_mode: str = "continue",
        max_concurrency: int = 8,
        max_requests_per_second: float = UPSERT_REQUESTS_PER_SECOND,
        max_bytes_per_second: float = UPSERT_BYTES_PER_SECOND,
        verify: bool = False,
        verify_timeout: float = 300.0,
        pinecone_conn_id: str = "pinecone_default",
        index_name: str | None = None,
        index_host: str | None = None,
        aws_conn_id: str | None = None,
        gcp_conn_id: str | None = None,
        azure_conn_id: str | None = None,
        endpoint_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.uri, self.records, self.partition, self.namespace = uri, records, partition, namespace
        self.error_mode = error_mode
        # Checked now, so a typo fails the DAG file's import rather than a run.
        if not isinstance(max_concurrency, int) or not 1 <= max_concurrency <= MAX_CONCURRENCY:
            raise ValueError(
                f"max_concurrency must be an integer from 1 to {MAX_CONCURRENCY}, got {max_concurrency!r}."
            )
        for name, rate in (("max_requests_per_second", max_requests_per_second),
                           ("max_bytes_per_second", max_bytes_per_second)):  # fmt: skip
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate) or rate <= 0:
                raise ValueError(f"{name} must be a positive number, got {rate!r}.")
        self.max_concurrency = max_concurrency
        self.max_requests_per_second = max_requests_per_second
        self.max_bytes_per_second = max_bytes_per_second
        self.verify = verify
        self.verify_timeout = check_seconds("verify_timeout", verify_timeout, maximum=MAX_VERIFY_SECONDS)
        self._set_target(pinecone_conn_id, index_name, index_host)
        self._set_storage(aws_conn_id, gcp_conn_id, azure_conn_id, endpoint_url)
        declare_outlets(self)
        self._sources: list[str] = []  # storage read, for lineage
        self._written: dict[str, int] = {}  # namespace -> records upserted

    def execute(self, context: Context) -> dict[str, Any]:
        with storage_task_errors(self.task_id, self.uri):
            return self._execute(context)

    def _execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_pinecone.upsert.progress import LoadProgress
        from airflow_provider_pinecone.upsert.resume import UpsertLedger, source_key
        from airflow_provider_pinecone.upsert.run import UpsertRun

        self.error_mode = validate_error_mode(self.error_mode)
        source = self._source()
        stats = self.hook.describe_index_stats()
        ledger = UpsertLedger(context, source_key(**self._fingerprint(source)))
        point = ledger.read()
        if point.row_groups_done:
            self.log.info("Resuming the load: %d row group(s) were upserted by an earlier try.", point.row_groups_done)
        run = UpsertRun(
            self.hook,
            checker=self._checker(stats),
            ledger=ledger,
            progress=LoadProgress(self.log, source.total_bytes, records_before=sum(point.totals.upserted.values())),
            storage=self.storage_options,
            max_concurrency=self.max_concurrency,
            sender_options={"throttle": NamespaceThrottle(self.max_requests_per_second, self.max_bytes_per_second)},
            tally_ids=self.verify,
        )
        summary = run.run(source, point)
        self.log.info("%s", run.progress.line())
        if self.verify:
            summary.verified = self._verify(run, stats.namespaces)
        result = summary.to_dict()
        self._log_summary(result)
        if result["skipped_total"] and not result["upserted_total"]:
            # Every record broken the same way is a mistake (a wrong dimension, say), not a load.
            raise AirflowFailException(
                f"All {result['skipped_total']:,} records were skipped ({_reasons(result)}), so nothing was "
                "upserted; fix the records (the log names some of them) or the target index."
            )
        self._announce(context, result)
        return result

    def _announce(self, context: Context, result: dict[str, Any]) -> None:
        """Tell Airflow what the load wrote: one asset event (and hook lineage output) per namespace."""
        self._written = {ns: n for ns, n in result["upserted"].items() if n}
        index = self.hook.asset_index_name()
        load = {key: result[key] for key in ("upserted_total", "skipped", "skipped_total", "requests",
                                             "throttled_retries", "seconds", "verified")}  # fmt: skip
        source = {"source_uri": ", ".join(self._sources)} if self._sources else {"source": "records"}
        extras = {
            ns: {"index": index, "namespace": ns, "records": n, "load": load, **source}
            for ns, n in self._written.items()
        }
        uris = emit_load_events(self, context, index, extras)
        self.hook.report_written(self._written, sources=self._sources)
        self.log.info("Asset events: %s.", ", ".join(uris) or "none")

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the Parquet source as input, the namespaces written with their records as outputs.

        ``None`` without the OpenLineage provider.
        """
        index = self.hook.asset_index_name() if self._written else None
        return operator_lineage(self._sources, index, self._written)

    # ---- the source ----------------------------------------------------------------------------

    def _source(self) -> LoadSource:
        from airflow_provider_pinecone.upsert.encoding import records_to_table
        from airflow_provider_pinecone.upsert.partitions import files_of
        from airflow_provider_pinecone.upsert.run import LoadSource

        given = [name for name in ("uri", "records", "partition") if getattr(self, name) not in (None, "")]
        if len(given) != 1:
            raise ValueError(
                "Give exactly one source: uri (Parquet in object storage), records (a list of dicts) or "
                f"partition (from PlanUpsertPartitionsOperator); got {', '.join(given) or 'none'}."
            )
        namespace = self.namespace or ""
        if self.records not in (None, ""):
            return LoadSource(records=records_to_table(_as_record_list(self.records)), namespace=namespace)
        files = files_of(self.partition) if self.partition is not None else _list_files(self)
        # A partition's files, by namespace folder; a whole source, by the URI given.
        folders = {without_secrets(f.url).rsplit("/", 1)[0] for f in files} if self.partition is not None else ()
        self._sources = sorted(folders) if folders else [without_secrets(str(self.uri))]
        size = sum(f.size for f in files)
        namespaces = sorted({f.namespace for f in files})
        self.log.info("Upserting %d Parquet file(s), %s bytes, into namespace(s) %s.", len(files), f"{size:,}",
                      ", ".join(repr(ns) for ns in namespaces))  # fmt: skip
        return LoadSource(files=files)

    def _fingerprint(self, source: LoadSource) -> dict[str, Any]:
        """What identifies the load for resuming: the same files (and sizes), or the same records."""
        if source.records is not None:
            return {"records": source.records.num_rows, "namespace": source.namespace}
        return {"files": [(f.url, f.size, f.namespace) for f in source.files]}

    def _checker(self, stats: IndexStats) -> RowChecker:
        from airflow_provider_pinecone.upsert.checks import RowChecker

        # Sparse values beside dense ones (hybrid records) need a dense index with the dotproduct metric.
        index_type: IndexType = "sparse" if stats.vector_type == "sparse" else "dense"
        if index_type == "dense" and stats.metric == "dotproduct":
            index_type = "hybrid"
        return RowChecker(index_type, stats.dimension, self.error_mode)

    # ---- the end -------------------------------------------------------------------------------

    def _verify(self, run: Any, before: dict[str, int]) -> bool:
        from airflow_provider_pinecone.upsert.run import expected_counts, wait_for_counts

        expected = expected_counts(before, run.ids.distinct())
        wanted = ", ".join(f"{n:,} records in {ns or DEFAULT_NAMESPACE!r}" for ns, n in expected.items())
        self.log.info("Waiting up to %.0f s for describe_index_stats to show %s.", self.verify_timeout, wanted)
        short = wait_for_counts(lambda: self.hook.describe_index_stats().namespaces, expected, self.verify_timeout)
        if short:
            detail = "; ".join(
                f"namespace {ns or DEFAULT_NAMESPACE!r} shows {now:,} of {want:,}" for ns, (now, want) in short.items()
            )
            raise AirflowException(
                f"The upserted records are not all visible after {self.verify_timeout:.0f} s: {detail}. Pinecone is "
                "eventually consistent; raise verify_timeout, or check that no other process deletes from "
                "these namespaces."
            )
        if not run.ids.complete:
            self.log.warning("The load had more ids than verify tracks; only the counts before the load were checked.")
        return True

    def _log_summary(self, result: dict[str, Any]) -> None:
        self.log.info(
            "Upserted %s records in %d request(s) (%d throttled and sent again) in %.1f s, %s records/s.",
            f"{result['upserted_total']:,}", result["requests"], result["throttled_retries"], result["seconds"],
            f"{result['records_per_second']:,.0f}",
        )  # fmt: skip
        if result["skipped_total"]:
            reasons = _reasons(result)
            sample = ", ".join(f"{s.get('id')!r} ({s.get('reason')})" for s in result["skipped_ids_sample"])
            self.log.warning(
                "Skipped %s bad record(s): %s. For example: %s.", f"{result['skipped_total']:,}", reasons, sample
            )


def _reasons(result: dict[str, Any]) -> str:
    return ", ".join(f"{n:,} {reason}" for reason, n in result["skipped"].items())


def _as_record_list(records: Any) -> list[Any]:
    """``records`` as a list: a list as it is, or a list rendered to text by a template."""
    if isinstance(records, list | tuple):
        return list(records)
    if isinstance(records, str):
        for parse in (json.loads, ast.literal_eval):  # JSON, or the repr a Jinja template renders
            try:
                parsed = parse(records)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(parsed, list):
                return parsed
    raise ValueError(
        f"records must be a list of dicts, got {type(records).__name__}. Pass an upstream task's output "
        "directly (records=embed.output), or set render_template_as_native_obj=True on the DAG."
    )


class PlanUpsertPartitionsOperator(StorageTaskMixin, BaseOperator):
    """List an upsert source and split it into balanced partitions, one per mapped ``UpsertOperator``.

    Returns a list of partitions (plain dicts of whole Parquet files with their namespaces, of
    nearly equal total size), for dynamic task mapping::

        plan = PlanUpsertPartitionsOperator(task_id="plan", uri=URI, partitions=8)
        UpsertOperator.partial(task_id="upsert").expand(partition=plan.output)

    On CeleryExecutor or KubernetesExecutor the mapped tasks run on many workers at once. A source
    with fewer files than ``partitions`` gives one partition per file.

    :param uri: the Parquet source, as for ``UpsertOperator`` (templated).
    :param partitions: how many partitions to make at most, 1 to 1,024.
    :param namespace: for a namespace directory or a single file (templated).
    """

    template_fields: Sequence[str] = ("uri", "namespace")
    ui_color = "#e3f2e1"

    def __init__(
        self,
        *,
        uri: str,
        partitions: int,
        namespace: str | None = None,
        aws_conn_id: str | None = None,
        gcp_conn_id: str | None = None,
        azure_conn_id: str | None = None,
        endpoint_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        from airflow_provider_pinecone.upsert.partitions import MAX_PARTITIONS

        if isinstance(partitions, bool) or not isinstance(partitions, int) or not 1 <= partitions <= MAX_PARTITIONS:
            raise ValueError(f"partitions must be an integer from 1 to {MAX_PARTITIONS}, got {partitions!r}.")
        self.uri, self.partitions, self.namespace = uri, partitions, namespace
        self._set_storage(aws_conn_id, gcp_conn_id, azure_conn_id, endpoint_url)

    def execute(self, context: Context) -> list[dict[str, Any]]:
        from airflow_provider_pinecone.upsert.partitions import balance

        with storage_task_errors(self.task_id, self.uri):
            files = _list_files(self)
        plan = balance(files, self.partitions)
        self.log.info("Split %d file(s) of %s into %d partition(s) of %s bytes.", len(files), without_secrets(self.uri),
                      len(plan), " / ".join(f"{p['bytes']:,}" for p in plan))  # fmt: skip
        return plan


class ImportOrUpsertOperator(PineconeIndexTaskMixin, StorageTaskMixin, BaseBranchOperator):
    """Follow ``import_task_id`` when bulk import can load the source, ``upsert_task_id`` otherwise.

    Bulk import writes only into namespaces that do not exist yet. This task lists the source's
    namespace folders, asks the index which namespaces exist, and branches: every target namespace
    new means import (the fastest and cheapest way to load a lot); any of them existing means
    upsert. The decision and its reason are logged and pushed to XCom as the return value.

    :param uri: the import directory (templated).
    :param import_task_id: the task (or task ids) to follow for a bulk import.
    :param upsert_task_id: the task (or task ids) to follow for an upsert.
    :param min_import_bytes: below this many source bytes, upsert even into new namespaces: an import
        takes at least 10 minutes, and a small load upserts in seconds. ``0`` (default) never does.
    """

    template_fields: Sequence[str] = ("uri", "index_name", "index_host")

    def __init__(
        self,
        *,
        uri: str,
        import_task_id: str | list[str],
        upsert_task_id: str | list[str],
        min_import_bytes: int = 0,
        pinecone_conn_id: str = "pinecone_default",
        index_name: str | None = None,
        index_host: str | None = None,
        aws_conn_id: str | None = None,
        gcp_conn_id: str | None = None,
        azure_conn_id: str | None = None,
        endpoint_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.uri, self.namespace = uri, None
        self.import_task_id, self.upsert_task_id = import_task_id, upsert_task_id
        self.min_import_bytes = min_import_bytes
        self._set_target(pinecone_conn_id, index_name, index_host)
        self._set_storage(aws_conn_id, gcp_conn_id, azure_conn_id, endpoint_url)

    def choose_branch(self, context: Context) -> str | list[str]:
        with storage_task_errors(self.task_id, self.uri):
            files = _list_files(self)
            existing = set(self.hook.describe_index_stats().namespaces)
        targets = sorted({f.namespace for f in files})
        size = sum(f.size for f in files)
        already = [ns for ns in targets if ns in existing or (ns == DEFAULT_NAMESPACE and "" in existing)]
        if already:
            choice, why = self.upsert_task_id, f"namespace(s) {', '.join(map(repr, already))} already exist"
        elif size < self.min_import_bytes:
            choice, why = self.upsert_task_id, f"the source is {size:,} bytes, under min_import_bytes"
        else:
            choice, why = self.import_task_id, f"every target namespace ({', '.join(map(repr, targets))}) is new"
        self.log.info("Loading %s by %s: %s.", without_secrets(self.uri),
                      "upsert" if choice == self.upsert_task_id else "bulk import", why)  # fmt: skip
        context["ti"].xcom_push(key="load_method", value="upsert" if choice == self.upsert_task_id else "import")
        return choice
