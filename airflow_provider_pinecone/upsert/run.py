"""One load, from source to acknowledged upserts: read and check in a thread, send on an event loop.

Data flows one way::

    source files / records  ->  row groups (reading)  ->  good rows (checks)  ->  JSON fragments
    (encoding)  ->  request bodies (client.upsert.UpsertBatcher)  ->  AsyncUpsertSender  ->  Pinecone

Reading Parquet and encoding JSON are CPU and blocking I/O, so they run in one thread that stays a
bounded number of requests ahead of the sender (back-pressure through a small queue); the sender
keeps ``max_concurrency`` requests in flight on the event loop. Every answered request is counted
against its row group (:class:`~.resume.Checkpoints`), so the task can resume after the last
committed row group.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.client.upsert import UpsertBatch, UpsertBatcher, wire_namespace
from airflow_provider_pinecone.storage import ObjectStore, StorageOptions
from airflow_provider_pinecone.upsert.checks import RowChecker
from airflow_provider_pinecone.upsert.encoding import iter_encoded
from airflow_provider_pinecone.upsert.progress import LoadProgress
from airflow_provider_pinecone.upsert.reading import iter_row_groups
from airflow_provider_pinecone.upsert.resume import Checkpoints, ResumePoint, RowGroupTag, UpsertLedger
from airflow_provider_pinecone.upsert.sources import SourceFile, open_source_store
from airflow_provider_pinecone.upsert.summary import MAX_SKIPPED_IDS, LoadTotals, UpsertSummary

log = logging.getLogger(__name__)

#: The pseudo file of a ``records=`` load, for checkpoints.
RECORDS_SOURCE = "records"
#: Distinct ids remembered per load for ``verify`` (8 bytes each): past this, counts are checked loosely.
MAX_VERIFY_IDS = 10_000_000


@dataclass
class LoadSource:
    """What to load: Parquet files, or records already in memory (as an Arrow table)."""

    files: list[SourceFile] = field(default_factory=list)
    records: pa.Table | None = None
    namespace: str = ""

    @property
    def total_bytes(self) -> int:
        """Source bytes to read: the files' sizes (0 for in-memory records)."""
        return sum(f.size for f in self.files)


@dataclass
class _RowGroupRead:
    tag: RowGroupTag
    totals: LoadTotals
    source_bytes: int


@dataclass
class _DoneEarlier:
    """Source bytes an earlier try already loaded (for the percent done)."""

    source_bytes: int


@dataclass
class _ReadFailed:
    error: BaseException


_END = object()


class IdTally:
    """Distinct ids per namespace, for ``verify``: 64-bit hashes, up to :data:`MAX_VERIFY_IDS` in all."""

    def __init__(self, limit: int = MAX_VERIFY_IDS) -> None:
        self._chunks: dict[str, list[np.ndarray]] = defaultdict(list)
        self._size = 0
        self._limit = limit
        self.complete = True

    def add(self, namespace: str, ids: list[str]) -> None:
        if self._size + len(ids) > self._limit:
            self.complete = False
            return
        self._chunks[namespace].append(np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids)))
        self._size += len(ids)

    def distinct(self) -> dict[str, int]:
        """Distinct ids per namespace (a lower bound once the limit was hit)."""
        return {ns: int(np.unique(np.concatenate(chunks)).size) for ns, chunks in self._chunks.items() if chunks}


class UpsertRun:
    """Loads one :class:`LoadSource` into the index behind ``hook``.

    :param hook: a :class:`~airflow_provider_pinecone.hooks.pinecone.PineconeHook`.
    :param checker: the record rules, set up for the index.
    :param ledger: where the position is kept between tries.
    :param progress: the progress logger.
    :param storage: how to reach object storage.
    :param max_concurrency: upsert requests in flight at once.
    :param sender_options: further arguments for the hook's ``aupsert_sender`` (its ``throttle``).
    :param tally_ids: remember distinct ids for a later count check.
    """

    def __init__(
        self,
        hook: Any,
        *,
        checker: RowChecker,
        ledger: UpsertLedger,
        progress: LoadProgress,
        storage: StorageOptions | None = None,
        max_concurrency: int = 8,
        sender_options: dict[str, Any] | None = None,
        tally_ids: bool = False,
    ) -> None:
        self.hook = hook
        self.checker = checker
        self.ledger = ledger
        self.progress = progress
        self.storage = storage or StorageOptions()
        self.max_concurrency = max_concurrency
        self.sender_options = sender_options or {}
        self.ids = IdTally() if tally_ids else None

    def run(self, source: LoadSource, point: ResumePoint) -> UpsertSummary:
        """Load ``source`` from ``point`` on; the summary covers earlier tries' committed work too."""
        started = time.monotonic()
        resumed = point.row_groups_done
        checkpoints = Checkpoints(point)
        try:
            stats = asyncio.run(self._send(source, checkpoints))
        finally:
            # Also when the send failed: the next try resumes from what was acknowledged.
            checkpoints.commit()
            self.ledger.save(checkpoints.point, force=True)
        return UpsertSummary(
            totals=checkpoints.point.totals,
            requests=stats.requests,
            throttled_retries=stats.throttled_retries,
            seconds=time.monotonic() - started,
            records_this_try=sum(stats.upserted.values()),
            resumed_row_groups=resumed,
        )

    async def _send(self, source: LoadSource, checkpoints: Checkpoints) -> Any:
        items: queue.Queue[Any] = queue.Queue(maxsize=2 * self.max_concurrency + 2)
        stop = threading.Event()
        reader = threading.Thread(
            target=self._read_into, args=(source, checkpoints.point, items, stop), name="pinecone-upsert-reader"
        )
        reader.start()

        def on_sent(batch: UpsertBatch, upserted: int) -> None:
            checkpoints.acknowledged(batch.tag)
            self.progress.update(records=upserted)
            self._commit(checkpoints)

        try:
            async with self.hook.session():
                sender = await self.hook.aupsert_sender(
                    max_concurrency=self.max_concurrency, on_sent=on_sent, **self.sender_options
                )
                return await sender.send_all(self._batches(items, checkpoints))
        finally:
            stop.set()
            _drain(items)
            # Wakes a getter still blocked in the executor (the sender stopped early); the reader
            # puts at most one more item after `stop`, and the queue has room for both.
            items.put_nowait(_END)
            await asyncio.to_thread(reader.join)

    def _commit(self, checkpoints: Checkpoints) -> None:
        committed, source_bytes = checkpoints.commit()
        if committed:
            self.progress.update(bytes_done=source_bytes)
            self.ledger.save(checkpoints.point)

    async def _batches(self, items: queue.Queue[Any], checkpoints: Checkpoints) -> AsyncIterator[UpsertBatch]:
        while True:
            item = items.get_nowait() if not items.empty() else await asyncio.to_thread(items.get)
            if item is _END:
                return
            if isinstance(item, _ReadFailed):
                raise item.error
            if isinstance(item, _DoneEarlier):
                self.progress.resumed(item.source_bytes)
                continue
            if isinstance(item, _RowGroupRead):
                checkpoints.read(item.tag, item.totals, item.source_bytes)
                self._commit(checkpoints)
                continue
            checkpoints.sent(item.tag)
            yield item

    # ---- the reading thread ------------------------------------------------------------------

    def _read_into(
        self, source: LoadSource, point: ResumePoint, items: queue.Queue[Any], stop: threading.Event
    ) -> None:
        def put(item: Any) -> None:
            while not stop.is_set():
                try:
                    items.put(item, timeout=0.2)
                    return
                except queue.Full:
                    continue
            raise _Stopped

        try:
            for item in self._read(source, point):
                put(item)
            put(_END)
        except _Stopped:
            return
        except BaseException as exc:  # handed to the event loop, which raises it in the task
            try:
                put(_ReadFailed(exc))
            except _Stopped:
                return

    def _read(self, source: LoadSource, point: ResumePoint) -> Iterator[Any]:
        if source.records is not None:
            tag = RowGroupTag(RECORDS_SOURCE, 0)
            if point.next_row_group.get(RECORDS_SOURCE, 0) == 0:
                yield from self._row_group(source.records, tag, wire_namespace(source.namespace), "records", last=True)
            return
        if not source.files:
            return
        with open_source_store(source.files[0].url, self.storage) as store:
            for file in source.files:
                yield from self._file(store, file, point.next_row_group.get(file.url, 0))

    def _file(self, store: ObjectStore, file: SourceFile, start: int) -> Iterator[Any]:
        pending = LoadTotals()
        batcher = UpsertBatcher(file.namespace)  # one per row group: its slices fill the same bodies
        first = True
        for chunk in iter_row_groups(store, file, start_row_group=start):
            if first and start:
                yield _DoneEarlier(start * (file.size // max(chunk.row_groups, 1)))
            first = False
            tag = RowGroupTag(file.url, chunk.row_group)
            yield from self._row_group(
                chunk.table,
                tag,
                file.namespace,
                file.url,
                last=False,
                totals=pending,
                first_row=chunk.first_row,
                batcher=batcher,
                flush=chunk.last_in_row_group,
            )
            if chunk.last_in_row_group:
                yield _RowGroupRead(tag, pending, file.size // max(chunk.row_groups, 1))
                pending = LoadTotals()
        if first and start:  # every row group was loaded by an earlier try
            yield _DoneEarlier(file.size)

    def _row_group(
        self,
        table: pa.Table,
        tag: RowGroupTag,
        namespace: str,
        where: str,
        *,
        last: bool,
        totals: LoadTotals | None = None,
        first_row: int = 0,
        batcher: UpsertBatcher | None = None,
        flush: bool = True,
    ) -> Iterator[Any]:
        """Check, encode and batch one slice of a row group; a batch never spans two row groups.

        ``batcher`` carries a partly filled body over to the row group's next slice (small slices
        then make no more requests than whole row groups); ``flush`` sends it at the row group's end.
        """
        totals = totals if totals is not None else LoadTotals()
        batcher = batcher if batcher is not None else UpsertBatcher(namespace)
        checked = self.checker.check(table, where, first_row=first_row)
        totals.skipped.update(checked.skipped)
        room = max(0, MAX_SKIPPED_IDS - len(totals.skipped_ids))
        totals.skipped_ids.extend(
            {"id": r.id or "", "reason": r.reason, "where": f"{r.where} row {r.row}"}
            for r in checked.skipped_records[:room]
        )
        good = checked.table
        if good.num_rows:
            totals.upserted[namespace or DEFAULT_NAMESPACE] += good.num_rows
            if self.ids is not None:
                self.ids.add(namespace, good.column("id").to_pylist())
            for fragment in iter_encoded(good):  # one at a time: a slice's JSON is never held whole
                batch = batcher.add(fragment, tag)
                if batch is not None:
                    yield batch
        if flush:
            batch = batcher.flush(tag)
            if batch is not None:
                yield batch
        if last:
            yield _RowGroupRead(tag, totals, 0)


class _Stopped(Exception):
    """The event loop stopped consuming: the reader ends quietly."""


def _drain(items: queue.Queue[Any]) -> None:
    while True:
        try:
            items.get_nowait()
        except queue.Empty:
            return


def expected_counts(before: dict[str, int], distinct: dict[str, int]) -> dict[str, int]:
    """The least each loaded namespace must hold once the load is visible: what it held, or the load's ids."""
    return {ns: max(before.get(ns or DEFAULT_NAMESPACE, 0), n) for ns, n in distinct.items()}


def counts_short(expected: dict[str, int], now: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The namespaces whose count is still below what is expected: ``{namespace: (now, expected)}``."""
    return {
        ns: (now.get(ns or DEFAULT_NAMESPACE, 0), want)
        for ns, want in expected.items()
        if now.get(ns or DEFAULT_NAMESPACE, 0) < want
    }


def wait_for_counts(
    stats: Callable[[], dict[str, int]],
    expected: dict[str, int],
    timeout: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, tuple[int, int]]:
    """Poll ``stats`` until every namespace holds at least its expected count, or ``timeout`` passes.

    Returns what is still short (empty when everything is visible). Pinecone is eventually
    consistent: freshly upserted records appear in ``describe_index_stats`` after a short delay.
    """
    deadline = clock() + timeout
    delay = 0.5
    while True:
        short = counts_short(expected, stats())
        if not short or clock() >= deadline:
            return short
        sleep(min(delay, max(deadline - clock(), 0.0)))
        delay = min(delay * 2, 10.0)
