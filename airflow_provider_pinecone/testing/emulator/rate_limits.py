"""Pinecone's per-namespace upsert rate limits, and the counts of what the data plane's upserts did.

Pinecone limits upserts per namespace: 100 requests and 50 MB of request bodies per second
(:mod:`airflow_provider_pinecone.client.limits`). Over either, it answers 429 with ``Retry-After``.
:class:`UpsertRateLimiter` does the same with one fixed window per second (aligned to whole seconds
of its clock) for each ``(index, namespace)``: three integers per namespace, updated in place, so
checking a request allocates nothing that grows. The window resets when the clock reaches the next
second, so ``Retry-After`` is the whole seconds until then (always 1 with one-second windows).

A refused request is not counted against the window and writes nothing. A body larger than the
whole per-second byte budget is let through when it is the window's first request, alone: with
any budget smaller than Pinecone's 2 MB request limit it could otherwise never be served.

The limiter also keeps the counters tests read through ``upsert_stats``: per index and namespace,
upsert requests served (answered 200), throttled (answered 429 by this limiter; injected faults
answer before it and are not counted), records upserted and request bytes served.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from airflow_provider_pinecone.client.limits import UPSERT_BYTES_PER_SECOND, UPSERT_REQUESTS_PER_SECOND
from airflow_provider_pinecone.testing.emulator.errors import TooManyRequests, require_number
from airflow_provider_pinecone.testing.emulator.store import namespace_key


@dataclasses.dataclass(frozen=True)
class UpsertLimits:
    """Per-namespace upsert limits; ``None`` turns a limit off. Validated (``ValueError``) on creation."""

    requests_per_second: int | None = UPSERT_REQUESTS_PER_SECOND
    bytes_per_second: int | None = UPSERT_BYTES_PER_SECOND

    def __post_init__(self) -> None:
        for name in ("requests_per_second", "bytes_per_second"):
            value = getattr(self, name)
            if value is not None:
                require_number(name, value, minimum=1, integer=True)

    def to_dict(self) -> dict[str, int | None]:
        """The limits as a JSON object (``null``: no limit)."""
        return dataclasses.asdict(self)


UNLIMITED = UpsertLimits(requests_per_second=None, bytes_per_second=None)


@dataclasses.dataclass
class UpsertCounts:
    """What one namespace's upserts did (see the module doc)."""

    requests: int = 0
    throttled: int = 0
    records: int = 0
    bytes: int = 0


class _Window:
    """One namespace's current one-second window, reused from second to second."""

    __slots__ = ("bytes", "requests", "second")

    def __init__(self) -> None:
        self.second = -1
        self.requests = 0
        self.bytes = 0


class UpsertRateLimiter:
    """Per ``(index, namespace)`` upsert windows and counters (thread-safe; the data planes share it).

    Args:
        limits: The limits in force, and those :meth:`reset` restores.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(self, limits: UpsertLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._default_limits = limits if limits is not None else UpsertLimits()
        self._limits = self._default_limits
        self._windows: dict[tuple[str, str], _Window] = {}
        self._counts: dict[str, dict[str, UpsertCounts]] = {}

    @property
    def limits(self) -> UpsertLimits:
        """The limits in force."""
        return self._limits

    def set_limits(self, limits: UpsertLimits) -> None:
        """Change the limits from the next request on (the current windows' usage is kept)."""
        with self._lock:
            self._limits = limits

    def admit(self, index: str, namespace: str, nbytes: int) -> None:
        """Count one upsert request of ``nbytes`` against its namespace, or raise :class:`TooManyRequests`."""
        limits = self._limits
        max_requests, max_bytes = limits.requests_per_second, limits.bytes_per_second
        if max_requests is None and max_bytes is None:
            return
        name = namespace_key(namespace)
        with self._lock:
            now = self._clock()
            second = math.floor(now)
            window = self._windows.get((index, name))
            if window is None:
                window = self._windows[(index, name)] = _Window()
            if window.second != second:
                window.second, window.requests, window.bytes = second, 0, 0
            over_requests = max_requests is not None and window.requests >= max_requests
            over_bytes = max_bytes is not None and window.bytes > 0 and window.bytes + nbytes > max_bytes
            if not (over_requests or over_bytes):
                window.requests += 1
                window.bytes += nbytes
                return
            self._count(index, name).throttled += 1
        retry_after = max(1, math.ceil(second + 1 - now))
        if over_requests:
            raise TooManyRequests(
                f"Request limit exceeded for upsert in namespace '{name}': at most {max_requests} "
                f"request{'s' if max_requests != 1 else ''} per second. Retry after {retry_after} s, or upsert "
                "in fewer, larger batches.",
                retry_after,
            )
        raise TooManyRequests(
            f"Data limit exceeded for upsert in namespace '{name}': at most {max_bytes:,} bytes of requests "
            f"per second. Retry after {retry_after} s, or upsert more slowly.",
            retry_after,
        )

    def served(self, index: str, namespace: str, records: int, nbytes: int) -> None:
        """Count an upsert request answered 200 that wrote ``records`` records."""
        with self._lock:
            counts = self._count(index, namespace_key(namespace))
            counts.requests += 1
            counts.records += records
            counts.bytes += nbytes

    def _count(self, index: str, name: str) -> UpsertCounts:
        space = self._counts.setdefault(index, {})
        counts = space.get(name)
        if counts is None:
            counts = space[name] = UpsertCounts()
        return counts

    def stats(self, index: str) -> dict[str, dict[str, Any]]:
        """``{namespace: {"requests", "throttled", "records", "bytes"}}`` of ``index`` (a copy)."""
        with self._lock:
            return {name: dataclasses.asdict(c) for name, c in sorted(self._counts.get(index, {}).items())}

    def all_stats(self) -> dict[str, dict[str, dict[str, Any]]]:
        """:meth:`stats` of every index that received upserts."""
        with self._lock:
            indexes = sorted(self._counts)
        return {index: self.stats(index) for index in indexes}

    def drop_index(self, index: str) -> None:
        """Forget the windows and counters of ``index``."""
        with self._lock:
            self._counts.pop(index, None)
            for key in [key for key in self._windows if key[0] == index]:
                del self._windows[key]

    def reset(self) -> None:
        """Forget every window and counter and restore the limits given at construction."""
        with self._lock:
            self._windows.clear()
            self._counts.clear()
            self._limits = self._default_limits
