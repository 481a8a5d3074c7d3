"""Thread-safe in-memory state of the emulator: indexes, imports, faults, behaviour, vectors.

Several uvicorn servers (one per plane / index, each in its own thread) and the test
thread read and write this object concurrently, so every public method takes the lock
(except :meth:`EmulatorState.take_fault`'s lock-free "no faults queued" fast path).
Import progress is computed *outside* the lock (a real import has its own lock), and the
vectors live in a :class:`~.store.VectorStore` with its own leaf lock.
Nothing here knows about HTTP: methods raise :mod:`.errors` exceptions and return plain
data, and each plane renders them in its own wire shape.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from airflow_provider_pinecone.testing.emulator.errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
)
from airflow_provider_pinecone.testing.emulator.faults import FaultRates, FaultRule
from airflow_provider_pinecone.testing.emulator.progress import (
    CANCELLED,
    ClockProgress,
    ImportBehaviour,
    ImportProgress,
    ProgressSnapshot,
)
from airflow_provider_pinecone.testing.emulator.rate_limits import UpsertLimits, UpsertRateLimiter
from airflow_provider_pinecone.testing.emulator.store import VectorStore

ProgressFactory = Callable[["IndexConfig", "ImportRequest", ImportBehaviour], ImportProgress]
"""Builds (and starts) the progress of a new import: ``(index, request, behaviour)``."""


def _clock_progress(_index: IndexConfig, _request: ImportRequest, behaviour: ImportBehaviour) -> ImportProgress:
    return ClockProgress(behaviour)


def format_timestamp(value: dt.datetime) -> str:
    """RFC 3339 with an explicit UTC offset, millisecond precision (as Pinecone returns)."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclasses.dataclass(frozen=True)
class EmbedConfig:
    """An index's integrated embedding: the model, the record field it embeds, and its parameters.

    The emulator embeds with a local stand-in for the model (see :mod:`.integrated`).
    """

    model: str
    field: str
    read_parameters: dict[str, Any] | None = None
    write_parameters: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class IndexConfig:
    """A validated index definition, independent of the API version it arrived in.

    ``embed`` is set for an index with integrated embedding (created for a model).
    """

    name: str
    vector_type: str = "dense"
    dimension: int | None = None
    metric: str = "cosine"
    cloud: str = "aws"
    region: str = "us-east-1"
    deletion_protection: str = "disabled"
    tags: dict[str, str] | None = None
    embed: EmbedConfig | None = None


@dataclasses.dataclass
class IndexRecord:
    """An index known to the emulator; ``host`` is set once its data plane listens."""

    config: IndexConfig
    host: str | None = None


@dataclasses.dataclass(frozen=True)
class ImportRequest:
    """A validated ``start_import`` request."""

    uri: str
    integration_id: str | None = None
    error_mode: str | None = None


@dataclasses.dataclass
class ImportRecord:
    """One import operation; its visible state is derived from ``progress`` and the clock."""

    id: str
    request: ImportRequest
    progress: ImportProgress
    created_at: dt.datetime
    started: float  # monotonic clock reading at creation
    cancelled: ProgressSnapshot | None = None

    def snapshot(self, now: float) -> ProgressSnapshot:
        """The import's state at monotonic time ``now`` (frozen once cancelled)."""
        if self.cancelled is not None:
            return self.cancelled
        return self.progress.at(now - self.started)

    def to_wire(self, now: float) -> dict[str, Any]:
        """The ``ImportModel`` JSON object (camelCase, identical in 2025-10 and 2026-07)."""
        snap = self.snapshot(now)
        body: dict[str, Any] = {
            "id": self.id,
            "uri": self.request.uri,
            "status": snap.status,
            "createdAt": format_timestamp(self.created_at),
            "percentComplete": snap.percent_complete,
            "recordsImported": snap.records_imported,
        }
        # finishedAt/error are optional in the spec; only send them when they mean something.
        if snap.finished_after is not None:
            finished = self.created_at + dt.timedelta(seconds=snap.finished_after)
            body["finishedAt"] = format_timestamp(finished)
        if snap.error is not None:
            body["error"] = snap.error
        return body


@dataclasses.dataclass(frozen=True)
class ImportPage:
    """One page of ``list_imports``; ``next_token`` is ``None`` on the last page."""

    data: list[dict[str, Any]]
    next_token: str | None


def _encode_token(import_id: str) -> str:
    return base64.urlsafe_b64encode(f"after:{import_id}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "after":
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidArgument(
            "Invalid paginationToken: pass the pagination.next value of a previous list_imports response unchanged."
        ) from None


class EmulatorState:
    """All mutable emulator state behind one lock.

    ``clock`` (monotonic seconds) and ``wall_clock`` are injectable so unit tests can
    drive time; ``progress_factory`` decides how imports advance (the clock simulation by
    default; :class:`~.server.PineconeEmulator` plugs in real imports). ``vectors`` holds
    the records, ``fault_rates`` the random faults and ``upserts`` the per-namespace upsert
    rate limits (``upsert_limits``, restored by :meth:`reset`) and counters.
    """

    def __init__(
        self,
        default_behaviour: ImportBehaviour | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        progress_factory: ProgressFactory = _clock_progress,
        upsert_limits: UpsertLimits | None = None,
    ) -> None:
        # A plain Lock: no method calls another public method while holding it.
        self._lock = threading.Lock()
        self._clock = clock
        self._wall_clock = wall_clock
        self._progress_factory = progress_factory
        self._default_behaviour = default_behaviour or ImportBehaviour()
        self._behaviour = self._default_behaviour
        self._indexes: dict[str, IndexRecord] = {}
        # index name -> import id -> import; insertion order == creation order.
        self._imports: dict[str, dict[str, ImportRecord]] = {}
        self._faults: list[FaultRule] = []
        self.vectors = VectorStore()
        self.fault_rates = FaultRates()
        self.upserts = UpsertRateLimiter(upsert_limits, clock)
        self._next_import_id = 1

    # ----------------------------------------------------------------- indexes
    def add_index(self, config: IndexConfig) -> IndexRecord:
        """Register a new index (without a host yet); 409 if the name is taken."""
        with self._lock:
            if config.name in self._indexes:
                raise AlreadyExists(f"Resource already exists: index {config.name!r}.")
            record = IndexRecord(config)
            self._indexes[config.name] = record
            return record

    def set_index_host(self, record: IndexRecord, host: str) -> bool:
        """Record where ``record``'s data plane listens.

        Returns ``False`` (and changes nothing) if that record is no longer registered,
        i.e. the index was deleted or the state reset while its data plane was starting
        (a newer index of the same name does not count).
        """
        with self._lock:
            if self._indexes.get(record.config.name) is not record:
                return False
            record.host = host
            return True

    def get_index(self, name: str) -> IndexRecord:
        """The index called ``name``; 404 if unknown."""
        with self._lock:
            return self._require_index(name)

    def list_indexes(self) -> list[IndexRecord]:
        """All indexes, in creation order."""
        with self._lock:
            return list(self._indexes.values())

    def remove_index(self, name: str) -> None:
        """Forget an index, its imports (stopping them) and its records; 404 if unknown."""
        with self._lock:
            self._require_index(name)
            dropped = self._drop_index(name)
        self._stop_imports(dropped)
        self.vectors.drop_index(name)
        self.upserts.drop_index(name)

    def discard_index(self, record: IndexRecord) -> None:
        """Forget ``record`` if it is still registered (no-op otherwise, never a 404)."""
        with self._lock:
            if self._indexes.get(record.config.name) is not record:
                return
            dropped = self._drop_index(record.config.name)
        self._stop_imports(dropped)
        self.vectors.drop_index(record.config.name)
        self.upserts.drop_index(record.config.name)

    def _drop_index(self, name: str) -> list[ImportRecord]:
        del self._indexes[name]
        return list(self._imports.pop(name, {}).values())

    @staticmethod
    def _stop_imports(imports: list[ImportRecord]) -> None:
        # Outside the state lock: stopping waits for a real import's current batch.
        for record in imports:
            record.progress.stop()

    def configure_index(self, name: str, change: Callable[[IndexConfig], IndexConfig]) -> IndexRecord:
        """Replace index ``name``'s configuration by ``change(config)`` as one step; 404 if unknown.

        ``change`` runs under the lock (so two concurrent changes both apply) and may raise to refuse.
        """
        with self._lock:
            record = self._require_index(name)
            record.config = change(record.config)
            return record

    def _require_index(self, name: str) -> IndexRecord:
        try:
            return self._indexes[name]
        except KeyError:
            raise NotFound(f"Index {name} not found.") from None

    # ----------------------------------------------------------------- imports
    def start_import(self, index_name: str, request: ImportRequest) -> str:
        """Create an import under the current behaviour; returns its id."""
        with self._lock:
            config = self._require_index(index_name).config
            import_id = str(self._next_import_id)
            self._next_import_id += 1
            # The factory only builds and starts the import (a real one starts a thread
            # that never takes this lock), so calling it here keeps creation atomic.
            self._imports.setdefault(index_name, {})[import_id] = ImportRecord(
                id=import_id,
                request=request,
                progress=self._progress_factory(config, request, self._behaviour),
                created_at=self._wall_clock(),
                started=self._clock(),
            )
            return import_id

    def describe_import(self, index_name: str, import_id: str) -> dict[str, Any]:
        """The wire view of one import of ``index_name``; 404 if unknown there."""
        with self._lock:
            record = self._require_import(index_name, import_id)
            now = self._clock()
        return record.to_wire(now)

    def list_imports(self, index_name: str, limit: int | None = None, token: str | None = None) -> ImportPage:
        """A page of an index's imports, oldest first."""
        with self._lock:
            self._require_index(index_name)
            after = _decode_token(token) if token else 0
            now = self._clock()
            # Ids are increasing integers, so "after id N" stays correct even when imports
            # are added or removed between pages.
            remaining = [r for r in self._imports.get(index_name, {}).values() if int(r.id) > after]
        page = remaining if limit is None else remaining[:limit]
        more = limit is not None and len(remaining) > limit
        return ImportPage(
            data=[r.to_wire(now) for r in page],
            next_token=_encode_token(page[-1].id) if more and page else None,
        )

    def cancel_import(self, index_name: str, import_id: str) -> None:
        """Cancel a running import; a finished one is left untouched (as Pinecone does)."""
        with self._lock:
            record = self._require_import(index_name, import_id)
            if record.snapshot(self._clock()).is_terminal:
                return
            # Stop first, then freeze what it reached: a real import writes nothing more
            # once stop() returns, so the frozen recordsImported is exact. stop() only
            # waits for the import's own lock, which its thread never holds while waiting
            # for this one.
            record.progress.stop()
            now = self._clock()
            snap = record.snapshot(now)
            if snap.is_terminal:  # it finished (or failed) before it could be stopped
                return
            record.cancelled = dataclasses.replace(
                snap, status=CANCELLED, finished_after=now - record.started, error=None
            )

    def _require_import(self, index_name: str, import_id: str) -> ImportRecord:
        self._require_index(index_name)
        record = self._imports.get(index_name, {}).get(import_id)
        if record is None:
            raise NotFound(f"Import {import_id} not found.")
        return record

    # ---------------------------------------------------------------- behaviour
    def set_behaviour(self, **changes: Any) -> None:
        """Change the behaviour of imports started from now on; unspecified keys stay."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(ImportBehaviour)}
        if unknown:
            raise InvalidArgument(f"Unknown import behaviour setting(s): {sorted(unknown)}")
        with self._lock:
            self._behaviour = dataclasses.replace(self._behaviour, **changes)

    # ------------------------------------------------------------------- faults
    def add_fault(self, rule: FaultRule) -> None:
        """Queue a fault rule; earlier rules win when several match."""
        with self._lock:
            self._faults.append(rule)

    def take_fault(self, method: str, path: str) -> FaultRule | None:
        """Consume one use of the first rule matching this request, if any."""
        # Fast path for the common case: a list's truthiness is read atomically, so no
        # lock is needed to see that nothing is queued. A rule added concurrently with
        # this request may miss it, exactly as if it had been added just after.
        if not self._faults:
            return None
        with self._lock:
            for rule in self._faults:
                if rule.matches(method, path):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._faults.remove(rule)
                    return rule
            return None

    # -------------------------------------------------------------------- reset
    def reset(self) -> None:
        """Drop all indexes, imports (stopping them), records, faults and upsert counters; restore the behaviour.

        The upsert limits return to those given at construction.
        """
        with self._lock:
            self._indexes.clear()
            dropped = [r for imports in self._imports.values() for r in imports.values()]
            self._imports.clear()
            self._faults.clear()
            self._behaviour = self._default_behaviour
            # Ids keep increasing across resets so a stale id from an earlier test can
            # never alias a new import.
        self._stop_imports(dropped)
        self.vectors.clear()
        self.fault_rates.clear()
        self.upserts.reset()
