"""Per-namespace pacing of upserts: Pinecone's request and byte rate limits, and slowing down on 429.

Pinecone limits upserts per namespace (:mod:`.limits`: 100 requests/s and 50 MB/s). Each namespace
gets two token buckets, kept as the time their next token is due (the "generic cell rate
algorithm"): a request reserves its tokens when it asks and sleeps once, for exactly as long as its
turn is away, so waiting costs no CPU and concurrent requests are served in the order they asked.

On a 429 the namespace pauses (for ``Retry-After``, or an exponential backoff) and both its rates are
cut by ``decrease_factor``, once per pause however many requests in flight are answered 429; every
request that completes adds back ``increase_per_success`` requests/s (and the same share of bytes/s),
up to the configured limits: additive increase, multiplicative decrease, so a client sharing a
namespace with others settles below what the service allows instead of hammering it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from airflow_provider_pinecone.client.limits import UPSERT_BYTES_PER_SECOND, UPSERT_REQUESTS_PER_SECOND
from airflow_provider_pinecone.client.upsert import wire_namespace


@dataclass
class _Namespace:
    """One namespace's pacing state; times are on the throttle's clock."""

    share: float = 1.0  # the fraction of the configured rates in use (AIMD)
    next_request: float = float("-inf")  # when the request bucket's reserved tokens run out
    next_byte: float = float("-inf")  # likewise for the byte bucket
    paused_until: float = float("-inf")
    rate_limited: int = 0  # 429s since the last success, for the backoff without Retry-After


class NamespaceThrottle:
    """Waits until a namespace's request and byte budgets allow one more upsert request.

    :param requests_per_second: the most requests per second per namespace.
    :param bytes_per_second: the most request-body bytes per second per namespace.
    :param burst_seconds: how far ahead of its rate a namespace may run after an idle spell
        (the buckets' depth, in seconds of their rate).
    :param decrease_factor: what a 429 multiplies the namespace's rates by.
    :param increase_per_success: requests/s a completed request adds back (bytes/s in proportion).
    :param min_share: the floor of the rates, as a fraction of the configured ones.
    :param initial_backoff: the pause after a 429 without ``Retry-After``; doubles per 429 in a row.
    :param max_backoff: the cap on that pause.
    :param clock: seconds on a monotonic clock (tests pass a fake one, with ``sleep``).
    :param sleep: the coroutine that waits a number of seconds.
    """

    def __init__(
        self,
        requests_per_second: float = UPSERT_REQUESTS_PER_SECOND,
        bytes_per_second: float = UPSERT_BYTES_PER_SECOND,
        *,
        burst_seconds: float = 0.1,
        decrease_factor: float = 0.5,
        increase_per_success: float = 1.0,
        min_share: float = 0.01,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if requests_per_second <= 0 or bytes_per_second <= 0:
            raise ValueError(
                f"Rates must be positive, got {requests_per_second} requests/s and {bytes_per_second} bytes/s"
            )
        if not 0 < decrease_factor < 1:
            raise ValueError(f"decrease_factor must be between 0 and 1, got {decrease_factor}")
        self.requests_per_second = requests_per_second
        self.bytes_per_second = bytes_per_second
        self.burst_seconds = burst_seconds
        self.decrease_factor = decrease_factor
        self.increase_per_success = increase_per_success
        self.min_share = min_share
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self._clock = clock
        self._sleep = sleep
        self._namespaces: dict[str, _Namespace] = {}

    def _state(self, namespace: str) -> _Namespace:
        key = wire_namespace(namespace)  # "__default__" and "" are one namespace
        state = self._namespaces.get(key)
        if state is None:
            state = self._namespaces[key] = _Namespace()
        return state

    def rates(self, namespace: str) -> tuple[float, float]:
        """The namespace's current (requests/s, bytes/s)."""
        share = self._state(namespace).share
        return self.requests_per_second * share, self.bytes_per_second * share

    def _reserve(self, state: _Namespace, nbytes: int) -> float:
        """Take one request's tokens from both buckets; return when they are due."""
        now = self._clock()
        # Each bucket stores when its tokens run out (its "theoretical arrival time"); a request may
        # go up to burst_seconds before that, so an idle namespace can send a short burst.
        start = max(
            now,
            state.paused_until,
            state.next_request - self.burst_seconds,
            state.next_byte - self.burst_seconds,
        )
        state.next_request = max(state.next_request, start) + 1.0 / (self.requests_per_second * state.share)
        state.next_byte = max(state.next_byte, start) + nbytes / (self.bytes_per_second * state.share)
        return start

    @asynccontextmanager
    async def slot(self, namespace: str, nbytes: int) -> AsyncIterator[None]:
        """Wait for the namespace's budgets to allow one request of ``nbytes``, then run the block.

        A block that completes counts as a success (the rates creep back up); one that raises
        changes nothing: call :meth:`throttled` for a 429.
        """
        state = self._state(namespace)
        due = self._reserve(state, nbytes)
        while True:
            if due < state.paused_until:
                # A 429 paused the namespace while this request waited for its turn: it takes a new
                # turn after the pause, at the lowered rate, so the waiting requests do not all go
                # at the pause's end.
                due = self._reserve(state, nbytes)
            wait = due - self._clock()
            if wait <= 0:
                break
            await self._sleep(wait)
        yield
        self._succeeded(state)

    def throttled(self, namespace: str, retry_after: float | None = None) -> float:
        """Record a 429 on ``namespace``: pause it and cut its rates. Returns the pause in seconds.

        :param retry_after: the response's ``Retry-After`` in seconds; without it the pause is an
            exponential backoff over the 429s since the last success.
        """
        state = self._state(namespace)
        state.rate_limited += 1
        if retry_after is None:
            pause = min(self.max_backoff, self.initial_backoff * 2.0 ** (state.rate_limited - 1))
        else:
            pause = max(0.0, retry_after)
        now = self._clock()
        if now >= state.paused_until:
            # One cut per pause: the other requests in flight when the first 429 came are answered
            # 429 for the same excess, and cutting for each would throttle far below the limit.
            state.share = max(self.min_share, state.share * self.decrease_factor)
        state.paused_until = max(state.paused_until, now + pause)
        return pause

    def _succeeded(self, state: _Namespace) -> None:
        state.rate_limited = 0
        if state.share < 1.0:
            state.share = min(1.0, state.share + self.increase_per_success / self.requests_per_second)
