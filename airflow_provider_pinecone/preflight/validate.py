"""``validate_import_source``: list the source once, read every footer in parallel, apply the rules.

The order of work is chosen so that cheap checks come first and each costs as little as possible:
URI rules (no request), index rules (no storage request), one listing, then one ranged request per
Parquet file for its footer (a second only when the footer is larger than the 64 KiB tail), and,
only when asked, a bounded sample of rows.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from airflow_provider_pinecone.client.models import IndexModel
from airflow_provider_pinecone.client.validation import validate_error_mode
from airflow_provider_pinecone.preflight.arguments import check_counts
from airflow_provider_pinecone.preflight.index_rules import (
    accepts,
    dimension_problem,
    index_problems,
    index_type_of,
    namespace_problems,
    vector_type_problem,
)
from airflow_provider_pinecone.preflight.layout import classify_listing, importable_namespace, uri_problems
from airflow_provider_pinecone.preflight.problems import Problem, ProblemLog, Severity, error
from airflow_provider_pinecone.preflight.records import RecordChecks, RecordSample, read_sample, sample_records
from airflow_provider_pinecone.preflight.remote_file import UnreadableParquet, open_parquet, read_footer
from airflow_provider_pinecone.preflight.report import ImportSourceReport, NamespaceSummary
from airflow_provider_pinecone.preflight.schema import (
    INDEX_TYPES,
    IndexType,
    fixed_dimension,
    infer_index_type,
    schema_problems,
    well_typed_columns,
)
from airflow_provider_pinecone.storage import (
    DEFAULT_MAX_CONNECTIONS,
    ImportLocation,
    InvalidImportUri,
    ObjectStore,
    StorageAccessDenied,
    StorageNotFound,
    StorageOptions,
    StoredObject,
    open_object_store,
    parse_import_uri,
    without_secrets,
)

# Sampled rows are read through a stream of this many bytes per request, so a sample of 100 rows
# does not fetch a whole 128 MB row group.
SAMPLE_READ_BYTES = 256 * 1024
UNREADABLE_FOOTER = "Parquet footer could not be parsed. Are you sure this is valid parquet?"


@dataclass
class _FileResult:
    namespace: str
    rows: int
    problems: list[Problem]
    sample: RecordSample | None = None


def validate_import_source(
    uri: str,
    *,
    index: IndexModel | Mapping[str, Any] | None = None,
    existing_namespaces: Mapping[str, int] | Iterable[str] | None = None,
    index_type: str | None = None,
    error_mode: str = "continue",
    sample_rows: int = 0,
    storage: StorageOptions | None = None,
    store: ObjectStore | None = None,
    max_workers: int = DEFAULT_MAX_CONNECTIONS,
    **storage_options: Any,
) -> ImportSourceReport:
    """Check an import source the way Pinecone will, without starting an import.

    :param uri: The import directory, as given to ``start_import``.
    :param index: The target index (an ``IndexModel``, or ``describe_index``'s JSON): enables the
        cloud, serverless, readiness, vector-type and dimension checks.
    :param existing_namespaces: The index's namespaces (names, or names to vector counts as in
        ``describe_index_stats``): an import into an existing namespace fails.
    :param index_type: ``dense``, ``sparse`` or ``hybrid``. Taken from ``index`` when given; with
        neither, inferred from the first file's columns and every file held to it.
    :param error_mode: The import's ``error_mode``; with ``abort``, duplicate vectors are errors.
    :param sample_rows: Rows to read from the start of each file for the record checks (0: none).
    :param storage: How to reach the storage: the connection of each cloud, an endpoint override and
        the pool size (:class:`~airflow_provider_pinecone.storage.StorageOptions`; default: the SDKs'
        own configuration, with a pool of ``max_workers`` connections).
    :param store: An already built :class:`~airflow_provider_pinecone.storage.ObjectStore` (then
        ``storage`` is not used, and the store is not closed).
    :param max_workers: Files read in parallel.
    :param storage_options: Fields of ``StorageOptions`` given one by one (``aws_conn_id=...``,
        ``endpoint_url=...``), overriding those of ``storage``.
    :return: The report. Problems in the data never raise; only misuse of this function does
        (``ValueError``), or storage that cannot be reached at all (``StorageError``).
    """
    started = time.monotonic()
    error_mode, index_type, index_model = check_arguments(error_mode, index_type, index, sample_rows, max_workers)
    storage = dataclasses.replace(storage or StorageOptions(max_connections=max_workers), **storage_options)
    # Never echo a query string or user-info: on Azure a query string is a SAS token.
    report = ImportSourceReport(uri=without_secrets(str(uri)), error_mode=error_mode, index_type=index_type)
    log = ProblemLog()
    try:
        location = parse_import_uri(uri)
    except InvalidImportUri as exc:
        log.add(error("uri.invalid", str(exc)))
        return _finish(report, log, started, None)
    log.extend(uri_problems(location))
    if log.counts:
        return _finish(report, log, started, None)
    if index_model is not None:
        log.extend(index_problems(location, index_model))
        index_kind = index_type_of(index_model)
        if index_type is not None and not accepts(index_kind, index_type):  # type: ignore[arg-type]
            log.add(vector_type_problem(index_model, index_kind, index_type, location.uri))  # type: ignore[arg-type]
        report.index_type = index_type = index_kind
    own_store = store is None
    if store is None:
        store = open_object_store(location, storage)
    try:
        checker = _SourceChecker(store, location, index_model, index_type, sample_rows, error_mode, max_workers)
        checker.run(report, log, existing_namespaces)
        report.index_type = checker.index_type
    finally:
        if own_store:
            store.close()
    return _finish(report, log, started, store)


def check_arguments(
    error_mode: str, index_type: str | None, index: Any, sample_rows: int, max_workers: int
) -> tuple[str, str | None, IndexModel | None]:
    """Raise ``ValueError`` for misuse; return the normalised error mode, index type and index."""
    mode = validate_error_mode(error_mode)  # a ValueError, as every misuse here
    if index_type is not None and index_type not in INDEX_TYPES:
        raise ValueError(
            f"index_type must be one of {', '.join(INDEX_TYPES)} (or None to infer it), not {index_type!r}."
        )
    check_counts(sample_rows, max_workers)
    if index is None or isinstance(index, IndexModel):
        return mode, index_type, index
    if isinstance(index, Mapping):
        return mode, index_type, IndexModel.from_api(dict(index))
    raise ValueError(f"index must be an IndexModel or describe_index's JSON, not {type(index).__name__}.")


def _finish(
    report: ImportSourceReport, log: ProblemLog, started: float, store: ObjectStore | None
) -> ImportSourceReport:
    report.errors = log.of(Severity.ERROR)
    report.warnings = log.of(Severity.WARNING)
    report.omitted = log.omitted()
    if store is not None:
        report.requests = store.counter.requests
        report.bytes_read = store.counter.bytes_read
    report.elapsed_s = time.monotonic() - started
    return report


class _SourceChecker:
    """One run of the listing, footer and record rules over one store."""

    def __init__(
        self,
        store: ObjectStore,
        location: ImportLocation,
        index: IndexModel | None,
        index_type: str | None,
        sample_rows: int,
        error_mode: str,
        max_workers: int,
    ) -> None:
        self.store = store
        self.location = location
        self.index = index
        self.index_type: IndexType | None = index_type  # type: ignore[assignment]
        self.sample_rows = sample_rows
        self.error_mode = error_mode
        self.max_workers = max_workers

    def run(
        self,
        report: ImportSourceReport,
        log: ProblemLog,
        existing_namespaces: Mapping[str, int] | Iterable[str] | None,
    ) -> None:
        # Without a row sample, footers are read while the listing is still coming in (results are
        # small then); with one, the listing comes first, so that samples are checked as they arrive.
        overlapped = _OverlappedReads(self) if not self.sample_rows else None
        try:
            self._run(report, log, existing_namespaces, overlapped)
        finally:
            if overlapped is not None:
                overlapped.close()

    def _run(
        self,
        report: ImportSourceReport,
        log: ProblemLog,
        existing_namespaces: Mapping[str, int] | Iterable[str] | None,
        overlapped: _OverlappedReads | None,
    ) -> None:
        listing: Iterable[StoredObject] = self.store.list_objects()
        try:
            layout = classify_listing(self.location, overlapped.feed(listing) if overlapped else listing)
        except StorageNotFound as exc:
            log.add(
                error("storage.not_found", f"{exc} Check the bucket name and prefix in the URI.", self.location.uri)
            )
            return
        except StorageAccessDenied as exc:
            log.add(error("storage.access_denied", str(exc), self.location.uri))
            return
        if layout.objects_listed == 0:
            log.add(
                error(
                    "storage.not_found",
                    f"Nothing is stored under {self.location.uri}: check the bucket name and prefix, and "
                    "that the files were uploaded.",
                    self.location.uri,
                )
            )
            return
        log.extend(layout.problems)
        if existing_namespaces is not None:
            existing = _as_counts(existing_namespaces)
            log.extend(namespace_problems(self.location, layout.namespaces, existing))
        report.namespaces = {
            name: NamespaceSummary(files=len(ns.files), bytes=ns.bytes) for name, ns in layout.namespaces.items()
        }
        records: RecordChecks | None = None
        files = layout.parquet_files
        for result in overlapped.results(files) if overlapped else self._check_files(files):
            report.namespaces[result.namespace].rows += result.rows
            log.extend(result.problems)
            if result.sample is not None:
                # Results come in key order, so each sample is checked (and dropped) as it arrives.
                records = records or RecordChecks(index_dimension=self._index_dimension(), error_mode=self.error_mode)
                log.extend(records.check(result.sample))
                report.sampled_rows += result.sample.rows

    def _index_dimension(self) -> int | None:
        return self.index.dimension if self.index is not None and self.index_type != "sparse" else None

    def _check_files(self, files: list[tuple[str, StoredObject]]) -> Iterator[_FileResult]:
        """Results in key order; the first file is read alone when it decides the index type."""
        pending = iter(files)
        if self.index_type is None:
            for namespace, obj in pending:
                result = self._check_file(namespace, obj)
                yield result
                if self.index_type is not None:  # set by the first file with vector columns
                    break
        # A sliding window of futures keeps memory bounded at any number of files.
        pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="preflight")
        try:
            window: deque[Future[_FileResult]] = deque()
            for namespace, obj in pending:
                window.append(pool.submit(self._check_file, namespace, obj))
                if len(window) >= self.max_workers * 4:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            # On an error, files not yet started are dropped rather than read for nothing.
            pool.shutdown(wait=True, cancel_futures=True)

    def _check_file(self, namespace: str, obj: StoredObject) -> _FileResult:
        url = self.location.url_of(obj.key)
        parquet: pq.ParquetFile | None = None
        try:
            if self.sample_rows:
                parquet = open_parquet(self.store, obj, buffer_size=SAMPLE_READ_BYTES, pre_buffer=False)
                schema, rows = parquet.schema_arrow, parquet.metadata.num_rows
            else:  # the footer alone: a 16 KiB tail parsed in memory
                footer = read_footer(self.store, obj)
                schema, rows = footer.schema.to_arrow_schema(), footer.num_rows
        except StorageNotFound as exc:
            return _FileResult(namespace, 0, [error("storage.not_found", str(exc), url)])
        except StorageAccessDenied as exc:
            return _FileResult(namespace, 0, [error("storage.access_denied", str(exc), url)])
        except UnreadableParquet:
            return _FileResult(namespace, 0, [error("parquet.unreadable_footer", f"{UNREADABLE_FOOTER} ({url})", url)])

        kind = infer_index_type(schema.names)
        if self.index_type is None:
            # No index and no index_type: the first file decides, and every other is held to it.
            self.index_type = kind
            if kind is None:
                return _FileResult(namespace, rows, schema_problems(schema, "dense", url))
        expected: IndexType = self.index_type
        if self.index is not None and kind is not None and not accepts(expected, kind):
            return _FileResult(namespace, rows, [vector_type_problem(self.index, expected, kind, url)])
        problems = schema_problems(schema, expected, url)
        dimension = fixed_dimension(schema)
        wrong_fixed_dimension = bool(
            self.index is not None and self.index.dimension and dimension and dimension != self.index.dimension
        )
        if wrong_fixed_dimension:
            problems.append(dimension_problem(url, dimension, self.index.dimension))
        sample = None
        if parquet is not None and rows:
            sample, sample_problems = self._sample(parquet, schema, expected, url, namespace)
            problems.extend(sample_problems)
            if sample is not None and wrong_fixed_dimension:
                sample.dimensions.clear()  # already reported once, from the footer
        return _FileResult(namespace, rows, problems, sample)

    def _sample(
        self, parquet: pq.ParquetFile, schema: pa.Schema, expected: IndexType, url: str, namespace: str
    ) -> tuple[RecordSample | None, list[Problem]]:
        columns = well_typed_columns(schema)
        if not columns:
            return None, []
        try:
            table = read_sample(parquet, columns, self.sample_rows)
            return sample_records(table, expected, url, namespace), []
        except (pa.ArrowException, OSError, ValueError) as exc:  # ValueError includes invalid UTF-8 text
            return None, [
                error(
                    "parquet.unreadable_data", f"The rows of {url} could not be decoded ({exc}); rewrite the file.", url
                )
            ]


class _OverlappedReads:
    """Footer reads started as the listing yields each importable file, before it has finished.

    Results are kept (by key) until the listing is classified, then handed out in key order. The
    reads in flight are bounded; when the pool falls behind, the listing waits for it.
    """

    def __init__(self, checker: _SourceChecker) -> None:
        self._checker = checker
        self._pool = ThreadPoolExecutor(checker.max_workers, thread_name_prefix="preflight")
        self._window: deque[tuple[str, Future[_FileResult]]] = deque()
        self._done: dict[str, _FileResult] = {}
        # A listing page (1,000 keys) ahead at most, so the pool stays busy while the next page loads.
        self._limit = checker.max_workers * 8

    def feed(self, objects: Iterable[StoredObject]) -> Iterator[StoredObject]:
        """Pass the listing through, starting a read for each importable file in it."""
        checker = self._checker
        for obj in objects:
            yield obj
            namespace = importable_namespace(checker.location, obj)
            if namespace is None:
                continue
            if checker.index_type is None:  # the first file with vector columns decides, read alone
                self._done[obj.key] = checker._check_file(namespace, obj)
                continue
            self._window.append((obj.key, self._pool.submit(checker._check_file, namespace, obj)))
            if len(self._window) > self._limit:
                key, future = self._window.popleft()
                self._done[key] = future.result()

    def results(self, files: list[tuple[str, StoredObject]]) -> Iterator[_FileResult]:
        """The result of every file of the classified listing, in its order."""
        for namespace, obj in files:
            while obj.key not in self._done and self._window:
                key, future = self._window.popleft()
                self._done[key] = future.result()
            result = self._done.pop(obj.key, None)
            yield result if result is not None else self._checker._check_file(namespace, obj)

    def close(self) -> None:
        # On an error, reads not yet started are dropped rather than made for nothing.
        self._pool.shutdown(wait=True, cancel_futures=True)


def _as_counts(namespaces: Mapping[str, int] | Iterable[str]) -> dict[str, int]:
    if isinstance(namespaces, Mapping):
        return {str(name): int(count) for name, count in namespaces.items()}
    return {str(name): 1 for name in namespaces}
