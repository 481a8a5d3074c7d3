"""A small time-to-live cache shared by every request of the API server process.

Many open tabs polling the same import must cost Pinecone one call per TTL, not one per tab: a value
is kept for ``ttl`` seconds, and concurrent requests for a missing key wait for the one call that
is already under way (single flight) instead of making their own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    lock: threading.Lock = field(default_factory=threading.Lock)
    value: T | None = None
    error: BaseException | None = None
    expires: float = 0.0


class TtlCache(Generic[T]):
    """Values (or the error computing them raised) by key, for ``ttl`` seconds, at most ``max_entries``.

    Errors are cached too: a Pinecone that times out must not be asked again by every waiting tab.

    :param ttl: seconds a value stays fresh.
    :param max_entries: the least recently used keys are dropped beyond this many.
    :param clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(self, ttl: float, max_entries: int = 1024, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry[T]] = OrderedDict()
        self._lock = threading.Lock()

    def _entry(self, key: Hashable) -> _Entry[T]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            return entry

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing it (once, however many callers wait) when stale."""
        entry = self._entry(key)
        with entry.lock:
            if self._clock() >= entry.expires:
                try:
                    entry.value, entry.error = compute(), None
                except Exception as exc:  # kept and re-raised to every caller within the TTL
                    entry.value, entry.error = None, exc
                entry.expires = self._clock() + self.ttl
            if entry.error is not None:
                raise entry.error
            return entry.value  # type: ignore[return-value]

    def clear(self) -> None:
        """Forget everything (tests; a changed connection is picked up after the TTL anyway)."""
        with self._lock:
            self._entries.clear()
