"""How an import advances over time.

An import's state is *computed* from the time elapsed since it was started rather than
advanced by a background task, so the emulator needs no worker threads and every read is
consistent. :class:`ClockProgress` simulates the phases Pinecone documents (Pending ->
InProgress with a rising percentage -> InProgress at 100 % while indexing -> Completed).
:class:`~.importer.RealImport` implements the same :class:`ImportProgress` protocol by
reading the Parquet files for real, in a background thread.

Which one an import gets is decided by :attr:`ImportBehaviour.simulate` when it starts.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from airflow_provider_pinecone.client.models import TERMINAL_STATUSES as CLIENT_TERMINAL_STATUSES
from airflow_provider_pinecone.client.models import ImportStatus
from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_number

# The wire strings of the client's ImportStatus: one definition of the states for both sides.
PENDING = ImportStatus.PENDING.value
IN_PROGRESS = ImportStatus.IN_PROGRESS.value
COMPLETED = ImportStatus.COMPLETED.value
FAILED = ImportStatus.FAILED.value
CANCELLED = ImportStatus.CANCELLED.value
TERMINAL_STATUSES = frozenset(status.value for status in CLIENT_TERMINAL_STATUSES)


@dataclasses.dataclass(frozen=True)
class ProgressSnapshot:
    """The state of an import at one instant, relative to its start.

    ``finished_after`` is the number of seconds after the start at which the import
    reached a terminal status (``None`` while it is still running), so callers can derive
    a stable ``finishedAt`` timestamp no matter when they look.
    """

    status: str
    percent_complete: float
    records_imported: int
    finished_after: float | None = None
    error: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the import has stopped changing."""
        return self.status in TERMINAL_STATUSES


class ImportProgress(Protocol):
    """Anything that can say where an import stands ``elapsed`` seconds after its start."""

    def at(self, elapsed: float) -> ProgressSnapshot:
        """Return the import's state ``elapsed`` seconds after it started."""
        ...

    def stop(self) -> None:
        """Stop any background work; once it returns, the import changes nothing any more."""
        ...


@dataclasses.dataclass(frozen=True)
class ImportBehaviour:
    """Knobs for imports; captured when an import starts.

    ``simulate=False`` (real imports) reads the Parquet files under the URI and loads them
    into the vector store; only ``indexing_delay``, ``file_delay`` and ``record_delay`` apply.
    ``simulate=True`` ignores the URI and advances on the clock: ``duration``, ``records``,
    ``fail_message``, ``fail_at_percent`` and ``pending`` apply (and ``indexing_delay``).

    ``pending=None`` means "10 % of ``duration``", so changing only the duration keeps a
    proportionate pending phase.
    """

    duration: float = 2.0
    indexing_delay: float = 1.0
    records: int = 1000
    fail_message: str | None = None
    fail_at_percent: float = 50.0
    pending: float | None = None
    simulate: bool = False
    # Pacing of real imports, so progress can be watched: a pause after each file and a
    # pause per record (in batches).
    file_delay: float = 0.05
    record_delay: float = 0.0

    def __post_init__(self) -> None:
        # Validate here so both the Python API and the HTTP admin route reject bad values
        # with the same messages.
        require_number("duration", self.duration, minimum=0)
        require_number("indexing_delay", self.indexing_delay, minimum=0)
        if self.pending is not None:
            require_number("pending", self.pending, minimum=0)
        require_number("records", self.records, minimum=0, integer=True)
        require_number("fail_at_percent", self.fail_at_percent, minimum=0, maximum=100)
        require_number("file_delay", self.file_delay, minimum=0)
        require_number("record_delay", self.record_delay, minimum=0)
        if not isinstance(self.simulate, bool):
            raise InvalidArgument(f"simulate must be true or false, got {self.simulate!r}.")
        if self.fail_message is not None and not isinstance(self.fail_message, str):
            raise InvalidArgument(f"fail_message must be a string or null, got {type(self.fail_message).__name__}.")

    @property
    def pending_seconds(self) -> float:
        """Length of the Pending phase."""
        return 0.1 * self.duration if self.pending is None else float(self.pending)


@dataclasses.dataclass(frozen=True)
class ClockProgress:
    """Simulated progress: a pure function of elapsed time and an :class:`ImportBehaviour`."""

    behaviour: ImportBehaviour

    def stop(self) -> None:
        """Nothing runs in the background: a cancelled simulation is frozen by its record."""

    def _records_at(self, percent: float) -> int:
        return int(self.behaviour.records * percent / 100.0)

    def at(self, elapsed: float) -> ProgressSnapshot:
        """Return the simulated state ``elapsed`` seconds after the start."""
        b = self.behaviour
        pending = b.pending_seconds
        if elapsed < pending:
            return ProgressSnapshot(PENDING, 0.0, 0)
        running = elapsed - pending
        # A zero duration means "loads instantly"; avoid dividing by zero.
        percent = 100.0 if b.duration <= 0 else min(100.0, running / b.duration * 100.0)

        if b.fail_message is not None and percent >= b.fail_at_percent:
            failed_after = pending + b.duration * b.fail_at_percent / 100.0
            return ProgressSnapshot(
                FAILED,
                float(b.fail_at_percent),
                self._records_at(b.fail_at_percent),
                finished_after=failed_after,
                error=b.fail_message,
            )
        if running < b.duration:
            return ProgressSnapshot(IN_PROGRESS, round(percent, 2), self._records_at(percent))
        # Pinecone keeps an import InProgress at 100 % while the index builder indexes it.
        done_after = pending + b.duration + b.indexing_delay
        if elapsed < done_after:
            return ProgressSnapshot(IN_PROGRESS, 100.0, b.records)
        return ProgressSnapshot(COMPLETED, 100.0, b.records, finished_after=done_after)
