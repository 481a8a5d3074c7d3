"""The Pinecone emulator of the deployment suite: per-index import behaviour, held imports, namespace deletion.

The deployment runs its scenarios concurrently, each on its own index, so the emulator's one global
import behaviour is not enough: :meth:`DeploymentEmulator.configure` sets how the imports of *one*
index behave (real or simulated, and how fast), and ``hold=True`` keeps them InProgress until the
scenario calls :meth:`ImportGate.release`, so a scenario can SIGKILL a component, clear a task or
mark it failed while the import is certainly still running, without racing a clock.
``hold_start=True`` keeps a real import Pending until :meth:`StartGate.release`, so a scenario can
watch all of its progress from a point it chooses, however slow the machine is.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.progress import (
    COMPLETED,
    IN_PROGRESS,
    PENDING,
    ImportBehaviour,
    ImportProgress,
    ProgressSnapshot,
)
from airflow_provider_pinecone.testing.emulator.state import ImportRequest, IndexConfig
from airflow_provider_pinecone.testing.emulator.store import namespace_key


class ImportGate:
    """Holds the imports of one index InProgress until :meth:`release`."""

    def __init__(self, records: int, ramp_seconds: float, indexing_delay: float) -> None:
        self.records = records
        self.ramp_seconds = ramp_seconds
        self.indexing_delay = indexing_delay
        self._released_at: float | None = None
        self._lock = threading.Lock()

    def release(self) -> None:
        """Let every held import (started or still to start) finish after the indexing delay."""
        with self._lock:
            if self._released_at is None:
                self._released_at = time.monotonic()

    @property
    def released_at(self) -> float | None:
        with self._lock:
            return self._released_at


class StartGate:
    """Keeps the imports of one index Pending until :meth:`release`; then they run as configured."""

    def __init__(self) -> None:
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()


class _StartGatedProgress:
    """An import that is Pending until its gate is released, then runs (the import's clock starts then).

    The import itself is made when a status read first finds the gate released: the emulator reads
    the status whenever a client asks, and a scenario's client keeps asking.
    """

    def __init__(self, gate: StartGate, start: Callable[[], ImportProgress]) -> None:
        self._gate = gate
        self._start = start
        self._lock = threading.Lock()
        self._running: ImportProgress | None = None
        self._started_at = 0.0
        self._stopped = False

    def at(self, elapsed: float) -> ProgressSnapshot:
        with self._lock:
            if self._running is None:
                if self._stopped or not self._gate.released:
                    return ProgressSnapshot(PENDING, 0.0, 0)
                self._running, self._started_at = self._start(), elapsed
            running, started_at = self._running, self._started_at
        snapshot = running.at(elapsed - started_at)
        if snapshot.finished_after is None:
            return snapshot
        # Relative to the import's creation, which is when the emulator stamped it.
        return dataclasses.replace(snapshot, finished_after=snapshot.finished_after + started_at)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            running = self._running
        if running is not None:
            running.stop()


@dataclasses.dataclass
class _HeldProgress:
    """An import that rises to 99 % and stays InProgress until its gate is released."""

    gate: ImportGate
    started: float = dataclasses.field(default_factory=time.monotonic)

    def stop(self) -> None:
        """Nothing runs in the background."""

    def at(self, elapsed: float) -> ProgressSnapshot:
        gate = self.gate
        if elapsed < 0.2:
            return ProgressSnapshot(PENDING, 0.0, 0)
        released = gate.released_at
        done_after = None if released is None else max(released - self.started, 0.2) + gate.indexing_delay
        if done_after is not None and elapsed >= done_after:
            return ProgressSnapshot(COMPLETED, 100.0, gate.records, finished_after=done_after)
        percent = min(99.0, (elapsed - 0.2) / gate.ramp_seconds * 100.0)
        if released is not None:
            percent = 100.0
        return ProgressSnapshot(IN_PROGRESS, round(percent, 1), int(gate.records * percent / 100.0))


class DeploymentEmulator(PineconeEmulator):
    """:class:`PineconeEmulator` with import behaviour per index."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._per_index: dict[str, ImportBehaviour] = {}
        self._gates: dict[str, ImportGate] = {}
        self._start_gates: dict[str, StartGate] = {}
        self._per_index_lock = threading.Lock()

    def configure(
        self,
        index: str,
        *,
        hold: bool = False,
        hold_start: bool = False,
        records: int = 1000,
        ramp_seconds: float = 2.0,
        **behaviour: Any,
    ) -> ImportGate | StartGate | None:
        """Set how imports into ``index`` behave from now on.

        ``hold=True``: they stay InProgress (rising to 99 % over ``ramp_seconds``) until the returned
        gate is released, then complete after ``indexing_delay`` (default 0.5 s). Otherwise
        ``behaviour`` holds :class:`ImportBehaviour` fields, e.g. ``simulate=True, duration=5`` or
        ``simulate=False, indexing_delay=3, record_delay=0.05`` for a real, paced import.
        ``hold_start=True`` (with ``behaviour``): they stay Pending until the returned gate is released.
        """
        if hold and hold_start:
            raise ValueError(
                "hold (InProgress until released) and hold_start (Pending until released) exclude each other"
            )
        with self._per_index_lock:
            # From now on: a gate of an earlier configure no longer applies.
            self._gates.pop(index, None)
            self._start_gates.pop(index, None)
            if hold:
                gate = ImportGate(records, ramp_seconds, behaviour.get("indexing_delay", 0.5))
                self._gates[index] = gate
                return gate
            base = ImportBehaviour()
            self._per_index[index] = dataclasses.replace(base, **behaviour)
            if hold_start:
                start_gate = self._start_gates[index] = StartGate()
                return start_gate
            return None

    def _make_progress(self, index: IndexConfig, request: ImportRequest, behaviour: ImportBehaviour) -> ImportProgress:
        with self._per_index_lock:
            gate = self._gates.get(index.name)
            start_gate = self._start_gates.get(index.name)
            behaviour = self._per_index.get(index.name, behaviour)
        if gate is not None:
            return _HeldProgress(gate)
        if start_gate is not None:
            make = super()._make_progress
            return _StartGatedProgress(start_gate, lambda: make(index, request, behaviour))
        return super()._make_progress(index, request, behaviour)

    def imports_of(self, index: str, uri: str) -> list[dict[str, Any]]:
        """The imports of ``uri`` into ``index``, oldest first."""
        return [imp for imp in self.list_imports(index) if imp["uri"].rstrip("/") == uri.rstrip("/")]

    def delete_namespaces(self, index: str, namespaces: list[str] | None = None) -> None:
        """Delete namespaces of ``index`` (all by default), as a user would before importing the files again.

        The emulator has no namespace-deletion API (Pinecone's ``DELETE /namespaces/{ns}``), so this
        edits its vector store directly.
        """
        store = self.state.vectors
        with store._lock:  # noqa: SLF001 - no public deletion API in the emulator
            spaces = store._data.get(index, {})  # noqa: SLF001
            for name in list(spaces) if namespaces is None else [namespace_key(n) for n in namespaces]:
                spaces.pop(name, None)
