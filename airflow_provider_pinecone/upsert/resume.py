"""Where a retried load resumes: after the last row group whose records Pinecone all acknowledged.

Upsert overwrites by id, so sending a row group twice loses and doubles nothing; resuming only saves
the time of sending it again. A row group is *committed* once every request carrying its records
was acknowledged **and** every row group read before it is committed too, so a committed prefix never
has holes however the requests complete. The committed position and the totals so far are kept in
Airflow 3.3's ``task_state_store``, written at most every few seconds; on Airflow 3.1 and 3.2 (no
store) a retry starts over, which is just as correct.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_pinecone.upsert.summary import LoadTotals

#: The task_state_store key. Renaming it makes the next try of a running load start over.
STATE_KEY = "pinecone_upsert"
#: Seconds between two writes of the position: each is a round trip to the API server.
SAVE_INTERVAL = 5.0


@dataclass(frozen=True)
class RowGroupTag:
    """One row group of one source file: the unit of reading, checking and resuming."""

    file_url: str
    row_group: int


def source_key(**source: Any) -> str:
    """A short fingerprint of what a load reads, so a try whose source changed starts over."""
    text = json.dumps(source, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class ResumePoint:
    """What earlier tries finished: the next row group of each file they started, and their totals."""

    next_row_group: dict[str, int] = field(default_factory=dict)
    totals: LoadTotals = field(default_factory=LoadTotals)

    @property
    def row_groups_done(self) -> int:
        """How many row groups need not be sent again."""
        return sum(self.next_row_group.values())


class UpsertLedger:
    """The load's position in ``task_state_store`` (Airflow 3.3+); without one, reads find nothing."""

    def __init__(self, context: Any, source: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = context.get("task_state_store") if hasattr(context, "get") else None
        self._source = source
        self._clock = clock
        self._last_save = clock()

    @property
    def durable(self) -> bool:
        """Whether a later try can resume from what this one saves."""
        return self._store is not None

    def read(self) -> ResumePoint:
        """The point an earlier try of the same source reached (empty if none, or another source)."""
        stored = self._store.get(STATE_KEY) if self._store is not None else None
        if not isinstance(stored, dict) or stored.get("source") != self._source:
            return ResumePoint()
        positions = stored.get("next_row_group")
        return ResumePoint(
            {str(k): int(v) for k, v in positions.items()} if isinstance(positions, dict) else {},
            LoadTotals.from_dict(stored.get("totals")),
        )

    def save(self, point: ResumePoint, *, force: bool = False) -> None:
        """Store ``point``, at most once per :data:`SAVE_INTERVAL` unless ``force``."""
        if self._store is None or not (force or self._clock() - self._last_save >= SAVE_INTERVAL):
            return
        self._last_save = self._clock()
        self._store.set(
            STATE_KEY,
            {"source": self._source, "next_row_group": dict(point.next_row_group), "totals": point.totals.to_dict()},
        )


class Checkpoints:
    """Tracks which row groups are committed, in the order they were read.

    The reader calls :meth:`sent` for each request of a row group and :meth:`read` once the row group
    is fully read (with what checking it skipped); the sender calls :meth:`acknowledged` per answered
    request. :meth:`commit` then moves every newly committed row group into ``point``.
    """

    def __init__(self, point: ResumePoint) -> None:
        self.point = point
        self._order: deque[RowGroupTag] = deque()
        self._in_flight: dict[RowGroupTag, int] = {}
        self._read: dict[RowGroupTag, LoadTotals] = {}
        self._bytes: dict[RowGroupTag, int] = {}

    def sent(self, tag: RowGroupTag) -> None:
        """One more request carries records of ``tag``."""
        if tag not in self._in_flight:
            self._in_flight[tag] = 0
            self._order.append(tag)
        self._in_flight[tag] += 1

    def read(self, tag: RowGroupTag, totals: LoadTotals, source_bytes: int = 0) -> None:
        """``tag`` is fully read; ``totals`` are its upserted records (by namespace) and its skips."""
        if tag not in self._in_flight:
            self._in_flight[tag] = 0
            self._order.append(tag)
        self._read[tag] = totals
        self._bytes[tag] = source_bytes

    def acknowledged(self, tag: RowGroupTag) -> None:
        """Pinecone acknowledged one request of ``tag``."""
        self._in_flight[tag] -= 1

    def commit(self) -> tuple[int, int]:
        """Commit the row groups now complete, in order; return how many, and their source bytes."""
        count = source_bytes = 0
        while self._order:
            tag = self._order[0]
            if tag not in self._read or self._in_flight[tag] > 0:
                break
            self._order.popleft()
            del self._in_flight[tag]
            self.point.totals.add(self._read.pop(tag))
            source_bytes += self._bytes.pop(tag)
            self.point.next_row_group[tag.file_url] = tag.row_group + 1
            count += 1
        return count, source_bytes

    @property
    def pending(self) -> int:
        """Row groups read or being sent but not yet committed."""
        return len(self._order)
