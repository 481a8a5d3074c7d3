"""Real imports: list the URI, check the files as Pinecone does, and load the records.

A :class:`RealImport` runs in a daemon thread per import. It reads storage through
``airflow_provider_pinecone.storage`` with the SDKs' default configuration (so
``AWS_ENDPOINT_URL_S3``, ``STORAGE_EMULATOR_HOST`` and ``AZURE_STORAGE_CONNECTION_STRING``
point it at local servers), decides failures with pre-flight's rules, and words them as the
import guide documents (:mod:`.import_errors`).

Phases, as on Pinecone: ``Pending`` while listing and reading every footer (so layout,
namespace and schema errors fail the import before any record is written), ``InProgress``
while files are loaded namespace by namespace (``percentComplete`` = rows processed / rows in
the footers, ``recordsImported`` = rows written), ``InProgress`` at 100 % for the indexing
delay, then ``Completed``. Records written before a failure or a cancel stay in the index.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE, IndexModel
from airflow_provider_pinecone.preflight.index_rules import accepts, index_problems, index_type_of, namespace_problems
from airflow_provider_pinecone.preflight.layout import Layout, classify_listing, uri_problems
from airflow_provider_pinecone.preflight.limits import MAX_ID_CHARS, MAX_METADATA_BYTES
from airflow_provider_pinecone.preflight.problems import Severity
from airflow_provider_pinecone.preflight.records import RecordSample, sample_records
from airflow_provider_pinecone.preflight.remote_file import UnreadableParquet, open_parquet
from airflow_provider_pinecone.preflight.schema import IndexType, infer_index_type
from airflow_provider_pinecone.storage import (
    ImportLocation,
    InvalidImportUri,
    ObjectStore,
    StorageError,
    StoredObject,
    open_object_store,
    parse_import_uri,
)
from airflow_provider_pinecone.testing.emulator import import_errors as errors
from airflow_provider_pinecone.testing.emulator.progress import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    PENDING,
    ImportBehaviour,
    ProgressSnapshot,
)
from airflow_provider_pinecone.testing.emulator.state import ImportRequest, IndexConfig, IndexRecord
from airflow_provider_pinecone.testing.emulator.store import VectorRecord, VectorStore
from airflow_provider_pinecone.testing.emulator.vectors import dimension_mismatch
from airflow_provider_pinecone.testing.emulator.versions import V2025_10, index_model

log = logging.getLogger(__name__)

BATCH_ROWS = 100
DEFAULT_ERROR_MODE = "continue"  # Pinecone's default when errorMode is omitted
# Reasons for row findings whose pre-flight detail is not worded as Pinecone words it.
_REASONS = {
    "record.id_too_long": lambda detail: f"id exceeds the maximum length of {MAX_ID_CHARS} characters ({detail})",
    "record.metadata_too_large": lambda detail: (
        f"Metadata size exceeds the limit of {MAX_METADATA_BYTES} bytes ({detail})"
    ),
    "record.sparse_length_mismatch": lambda detail: f"sparse values: {detail}",
}


class _Stopped(Exception):
    """The import was cancelled (or the emulator reset) while it ran."""


@dataclasses.dataclass
class _FilePlan:
    namespace: str
    obj: StoredObject
    rows: int
    mismatched: bool  # written for another vector type: every row is invalid


def _as_index_model(config: IndexConfig) -> IndexModel:
    # Pre-flight's index rules take the client's IndexModel; build it from the wire model.
    return IndexModel.from_api(index_model(IndexRecord(config, host=""), V2025_10))


@dataclasses.dataclass
class _RowFindings(RecordSample):
    """A pre-flight sample that also keeps each bad row's first (code, detail): the emulator rejects
    records one by one, where pre-flight only counts them per rule."""

    first_finding_of_row: dict[int, tuple[str, str]] = dataclasses.field(default_factory=dict)

    def found(self, code: str, row: int, detail: str = "") -> None:
        super().found(code, row, detail)
        self.first_finding_of_row.setdefault(row, (code, detail))


class RealImport:
    """One import of Parquet files into ``store``; implements :class:`~.progress.ImportProgress`."""

    def __init__(
        self,
        index: IndexConfig,
        request: ImportRequest,
        behaviour: ImportBehaviour,
        store: VectorStore,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._index = index
        # Pre-flight's index rules take the client's IndexModel; build it once per import.
        self._index_model = _as_index_model(index)
        self._kind = index_type_of(self._index_model)
        self._request = request
        self._behaviour = behaviour
        self._store = store
        self._clock = clock
        self._started = clock()
        self._error_mode = request.error_mode or DEFAULT_ERROR_MODE
        # _lock guards the snapshot and every write to the store, so after stop() returns
        # nothing more is written.
        self._lock = threading.Lock()
        self._snapshot = ProgressSnapshot(PENDING, 0.0, 0)
        self._halted = False
        self._stop_event = threading.Event()
        self._total_rows = 0
        self._processed_rows = 0
        self._thread = threading.Thread(target=self._run, name=f"pinecone-emulator-import-{index.name}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------- ImportProgress protocol
    def at(self, elapsed: float) -> ProgressSnapshot:
        """The import's current state (``elapsed`` is not needed: the thread advances it)."""
        with self._lock:
            return self._snapshot

    def stop(self) -> None:
        """Stop the import; records already written stay."""
        self._stop_event.set()
        with self._lock:
            self._halted = True

    # ------------------------------------------------------------------------- the thread
    def _run(self) -> None:
        try:
            location = self._location()
            with open_object_store(location) as store:
                plan = self._plan(location, store)
                self._update(status=IN_PROGRESS)
                self._load(location, store, plan)
            self._update(status=IN_PROGRESS, percent=100.0)
            if self._stop_event.wait(self._behaviour.indexing_delay):
                return
            self._finish(COMPLETED)
        except _Stopped:
            return
        except errors.ImportFailure as failure:
            self._finish(FAILED, failure.message)
        except StorageError as exc:
            self._finish(FAILED, f"{errors.USER_ERROR}Unable to read the import source {self._request.uri}: {exc}")
        except Exception as exc:  # an emulator bug, or storage failing in an unexpected way
            log.exception("Import into %s failed unexpectedly", self._index.name)
            # Only the type: the text may quote storage URLs or settings; the log has the whole story.
            self._finish(FAILED, f"Internal emulator error ({type(exc).__name__}); see the emulator's log.")

    def _location(self) -> ImportLocation:
        try:
            location = parse_import_uri(self._request.uri)
        except InvalidImportUri as exc:
            raise errors.user_error(str(exc)) from None
        for problem in uri_problems(location):
            if problem.code == "uri.is_file":
                raise errors.uri_is_file(location.prefix.rstrip("/"))
            raise errors.user_error(problem.message)
        for problem in index_problems(location, self._index_model):
            if problem.severity is Severity.ERROR:  # e.g. S3 into an index on GCP or Azure
                raise errors.user_error(problem.message)
        return location

    def _plan(self, location: ImportLocation, store: ObjectStore) -> list[_FilePlan]:
        """List, check the layout and the namespaces, and read every footer."""
        layout = classify_listing(location, store.list_objects())
        self._check_layout(location, layout)
        # Every namespace that exists, empty ones too (created, or emptied by deleteAll): Pinecone
        # refuses to import into any of them; only DELETE /namespaces/{namespace} makes room.
        existing = self._store.namespaces(self._index.name)
        for namespace in layout.namespaces:  # in listing order: the first conflict is the error
            if namespace_problems(location, [namespace], existing):
                if namespace == DEFAULT_NAMESPACE:
                    raise errors.default_namespace_not_empty()
                raise errors.namespace_exists(namespace)
        kind = self._kind
        plan = []
        for namespace, obj in layout.parquet_files:
            self._check_stopped()
            try:
                parquet = open_parquet(store, obj)
            except UnreadableParquet:
                raise errors.unreadable_footer() from None
            schema, rows = parquet.schema_arrow, parquet.metadata.num_rows
            file_kind = infer_index_type(schema.names)
            mismatched = file_kind is not None and not accepts(kind, file_kind)
            if not mismatched:
                failure = errors.schema_error(schema, kind)
                if failure is not None:
                    raise failure
            plan.append(_FilePlan(namespace, obj, rows, mismatched))
        # Namespaces load in the order of their first file (key order).
        plan.sort(key=lambda f: (f.namespace, f.obj.key))
        self._total_rows = sum(f.rows for f in plan)
        return plan

    @staticmethod
    def _check_layout(location: ImportLocation, layout: Layout) -> None:
        for problem in layout.problems:
            if problem.severity is not Severity.ERROR:
                continue  # stray files and deep nesting are ignored by the import
            if problem.code == "layout.no_namespace":
                raise errors.no_namespace((problem.path or "")[len(location.url_of("")) :])
            if problem.code in ("layout.no_parquet_files", "layout.empty_namespace"):
                raise errors.no_parquet_files(location.uri)
            if problem.code.startswith("limits."):
                raise errors.user_error(f"Exceeds system limit. {problem.message}")
            raise errors.user_error(problem.message)

    def _load(self, location: ImportLocation, store: ObjectStore, plan: list[_FilePlan]) -> None:
        kind = self._kind
        imported: dict[str, int] = {}
        seen_vectors: dict[str, set[Any]] = {}
        for position, file in enumerate(plan):
            self._check_stopped()
            imported.setdefault(file.namespace, 0)
            seen = seen_vectors.setdefault(file.namespace, set())
            imported[file.namespace] += self._load_file(location, store, file, kind, seen)
            if self._stop_event.wait(self._behaviour.file_delay):
                raise _Stopped
            last_of_namespace = position + 1 == len(plan) or plan[position + 1].namespace != file.namespace
            if last_of_namespace and imported[file.namespace] == 0:
                raise errors.all_rows_skipped(file.namespace)

    def _load_file(
        self, location: ImportLocation, store: ObjectStore, file: _FilePlan, kind: IndexType, seen: set[Any]
    ) -> int:
        """Load one file's valid rows; returns how many were written."""
        label = "/" + location.relative(file.obj.key)
        table = pq.read_table(pa.BufferReader(store.read_range(file.obj.key, 0, file.obj.size)))
        invalid = self._invalid_rows(table, kind, location.url_of(file.obj.key), file)
        absent = [None] * table.num_rows  # once per file, for optional columns the file lacks
        columns = {name: absent for name in ("values", "sparse_values", "metadata")}
        columns.update({name: table.column(name).to_pylist() for name in table.column_names})
        written, batch = 0, []
        for row in range(table.num_rows):
            reason = invalid.get(row)
            record = None
            if reason is None:
                record = self._record(columns, row)
                key = (record.values.tobytes() if record.values is not None else None, record.sparse)
                if key not in seen:
                    seen.add(key)
                    batch.append(record)
                elif self._error_mode == "abort":
                    reason = "duplicate vector: its values are identical to an earlier record's"
                # else: a duplicate in continue mode is skipped silently, as documented
            if reason is not None and self._error_mode == "abort":
                written += self._write(file.namespace, batch, len(batch))
                raise errors.record_error(label, row, reason)
            if (row + 1) % BATCH_ROWS == 0:
                written += self._write(file.namespace, batch, BATCH_ROWS)
                batch = []
        written += self._write(file.namespace, batch, table.num_rows % BATCH_ROWS)
        return written

    def _invalid_rows(self, table: pa.Table, kind: IndexType, url: str, file: _FilePlan) -> dict[int, str]:
        """Row -> reason for every invalid row, by pre-flight's record rules plus the dimension."""
        if file.mismatched:
            reason = errors.vector_type_reason(kind)
            return dict.fromkeys(range(table.num_rows), reason)
        sample = sample_records(table, kind, url, file.namespace, sample_type=_RowFindings)
        invalid = {
            row: _REASONS.get(code, lambda d: d)(detail) for row, (code, detail) in sample.first_finding_of_row.items()
        }
        dimension = self._index.dimension
        if dimension is not None and "values" in table.column_names:
            lengths = pc.list_value_length(table.column("values")).to_pylist()
            for row, length in enumerate(lengths):
                if length and length != dimension and row not in invalid:
                    invalid[row] = dimension_mismatch(length, dimension)
        return invalid

    @staticmethod
    def _record(columns: dict[str, list[Any]], row: int) -> VectorRecord:
        metadata = columns["metadata"][row]
        sparse = columns["sparse_values"][row]
        return VectorRecord.create(
            id=columns["id"][row],
            values=columns["values"][row],
            sparse_values=sparse if sparse and sparse.get("indices") else None,
            metadata=json.loads(metadata) if metadata is not None else None,
        )

    # ---------------------------------------------------------------------------- helpers
    def _write(self, namespace: str, batch: list[VectorRecord], rows: int) -> int:
        """Write one batch and count ``rows`` as processed; paced by ``record_delay``."""
        with self._lock:
            if self._halted:
                raise _Stopped
            written = self._store.upsert(self._index.name, namespace, batch)
            self._processed_rows += rows
            percent = 100.0 if not self._total_rows else self._processed_rows / self._total_rows * 100.0
            self._snapshot = dataclasses.replace(
                self._snapshot,
                status=IN_PROGRESS,
                percent_complete=round(min(percent, 100.0), 2),
                records_imported=self._snapshot.records_imported + written,
            )
        if rows and self._behaviour.record_delay and self._stop_event.wait(self._behaviour.record_delay * rows):
            raise _Stopped
        return written

    def _check_stopped(self) -> None:
        if self._stop_event.is_set():
            raise _Stopped

    def _update(self, *, status: str, percent: float | None = None) -> None:
        with self._lock:
            if self._halted:
                raise _Stopped
            changes: dict[str, Any] = {"status": status}
            if percent is not None:
                changes["percent_complete"] = percent
            self._snapshot = dataclasses.replace(self._snapshot, **changes)

    def _finish(self, status: str, error: str | None = None) -> None:
        with self._lock:
            if self._halted:
                return
            self._snapshot = dataclasses.replace(
                self._snapshot, status=status, finished_after=self._clock() - self._started, error=error
            )
