"""Per-namespace pacing: token buckets for requests and bytes, pauses and AIMD on 429.

Most tests run on a fake clock whose sleep moves time forward, so they check exact times in
microseconds of real time; one runs on the real clock to show concurrent requests are spaced.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.client.throttle import NamespaceThrottle


class FakeClock:
    """Time that passes only when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _throttle(clock: FakeClock, **kwargs) -> NamespaceThrottle:
    kwargs.setdefault("burst_seconds", 0.0)
    return NamespaceThrottle(clock=clock, sleep=clock.sleep, **kwargs)


def _starts(throttle: NamespaceThrottle, clock: FakeClock, requests: list[tuple[str, int]]) -> list[float]:
    """When each request, made one after the other, was let through (relative to the first)."""

    async def run() -> list[float]:
        starts = []
        for namespace, nbytes in requests:
            async with throttle.slot(namespace, nbytes):
                starts.append(clock.now)
        return starts

    starts = asyncio.run(run())
    return [round(t - starts[0], 6) for t in starts]


def test_requests_are_spaced_by_the_request_rate():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=10, bytes_per_second=1e9)
    assert _starts(throttle, clock, [("ns", 100)] * 4) == [0.0, 0.1, 0.2, 0.3]
    # One sleep per request that had to wait: no polling.
    assert len(clock.sleeps) == 3


def test_bytes_are_paced_by_the_byte_rate():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=1000, bytes_per_second=1000)
    assert _starts(throttle, clock, [("ns", 500), ("ns", 250), ("ns", 1000), ("ns", 1)]) == [0.0, 0.5, 0.75, 1.75]


def test_an_idle_namespace_may_send_a_short_burst_then_keeps_the_rate():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=10, bytes_per_second=1e9, burst_seconds=0.2)
    assert _starts(throttle, clock, [("ns", 1)] * 5) == [0.0, 0.0, 0.0, 0.1, 0.2]


def test_namespaces_have_their_own_budgets_and_the_default_namespace_has_two_names():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=10, bytes_per_second=1e9)
    assert _starts(throttle, clock, [("a", 1), ("b", 1), ("c", 1)]) == [0.0, 0.0, 0.0]
    assert _starts(throttle, clock, [("", 1), (DEFAULT_NAMESPACE, 1)]) == [0.0, 0.1]


def test_a_429_pauses_the_namespace_for_retry_after_and_halves_its_rates():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=100, bytes_per_second=1000)
    assert throttle.throttled("ns", retry_after=2.5) == 2.5
    assert throttle.rates("ns") == (50.0, 500.0)
    assert throttle.rates("other") == (100.0, 1000.0)
    paused_at = clock.now
    assert _starts(throttle, clock, [("other", 1)]) == [0.0] and clock.now == paused_at

    async def one() -> float:
        async with throttle.slot("ns", 1):
            return clock.now

    assert asyncio.run(one()) == paused_at + 2.5


def test_a_pause_that_begins_while_a_request_waits_holds_it_back():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=1, bytes_per_second=1e9)

    async def run() -> float:
        async with throttle.slot("ns", 1):  # the first goes at once; the second is due 1 s later
            pass
        throttle.throttled("ns", retry_after=3.0)
        async with throttle.slot("ns", 1):
            return clock.now

    start = clock.now
    assert asyncio.run(run()) == start + 3.0


def test_429s_that_arrive_during_a_pause_extend_it_but_cut_the_rates_only_once():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=100, bytes_per_second=1000)
    throttle.throttled("ns", retry_after=1.0)
    clock.now += 0.5
    assert throttle.throttled("ns", retry_after=1.0) == 1.0
    assert throttle.rates("ns") == (50.0, 500.0)
    start = clock.now
    assert _starts(throttle, clock, [("ns", 1)]) == [0.0] and clock.now == start + 1.0
    throttle.throttled("ns", retry_after=0.0)  # after the pause: a new excess, a new cut
    assert throttle.rates("ns")[0] == pytest.approx(25.5)  # (0.5 + 0.01 for the success) / 2


def test_without_retry_after_the_pause_backs_off_exponentially_until_a_success():
    clock = FakeClock()
    throttle = _throttle(clock, initial_backoff=0.5, max_backoff=3.0)
    assert [throttle.throttled("ns") for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    _starts(throttle, clock, [("ns", 1)])
    assert throttle.throttled("ns") == 0.5


def test_successes_raise_the_rate_additively_up_to_the_limit_and_not_beyond():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=100, bytes_per_second=1000, increase_per_success=10)
    throttle.throttled("ns", 0)
    throttle.throttled("ns", 0)
    assert throttle.rates("ns") == (25.0, 250.0)
    _starts(throttle, clock, [("ns", 1)] * 3)
    assert throttle.rates("ns") == pytest.approx((55.0, 550.0))
    _starts(throttle, clock, [("ns", 1)] * 10)
    assert throttle.rates("ns") == (100.0, 1000.0)


def test_a_failed_request_does_not_count_as_a_success():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=100, increase_per_success=10)
    throttle.throttled("ns", 0)

    async def fail() -> None:
        async with throttle.slot("ns", 1):
            raise RuntimeError("answered 429")

    with pytest.raises(RuntimeError):
        asyncio.run(fail())
    assert throttle.rates("ns")[0] == 50.0


def test_the_rate_never_drops_below_its_floor():
    clock = FakeClock()
    throttle = _throttle(clock, requests_per_second=100, min_share=0.05)
    for _ in range(20):
        throttle.throttled("ns", 0)
    assert throttle.rates("ns")[0] == pytest.approx(5.0)


def test_concurrent_requests_on_the_real_clock_are_spaced_in_the_order_they_asked():
    throttle = NamespaceThrottle(requests_per_second=100, bytes_per_second=1e9, burst_seconds=0.0)
    entered: list[tuple[int, float]] = []

    async def request(n: int) -> None:
        async with throttle.slot("ns", 1):
            entered.append((n, time.monotonic()))

    async def run() -> float:
        before = time.monotonic()
        await asyncio.gather(*(request(n) for n in range(8)))
        return before

    before = asyncio.run(run())
    assert [n for n, _ in entered] == list(range(8))
    # The k-th goes no earlier than k/100 s after the first asked (a late wake-up may shorten the
    # gap after it, never move a request ahead of its turn); 1 ms for the clock's granularity.
    assert all(at >= before + k / 100 - 0.001 for k, (_, at) in enumerate(entered))


def test_a_pause_holds_back_requests_already_waiting_and_spaces_them_after_it():
    throttle = NamespaceThrottle(requests_per_second=50, bytes_per_second=1e9, burst_seconds=0.0)
    entered: list[float] = []

    async def request() -> None:
        async with throttle.slot("ns", 1):
            entered.append(time.monotonic())

    async def run() -> float:
        first = asyncio.create_task(request())
        waiting = [asyncio.create_task(request()) for _ in range(3)]  # due 20, 40 and 60 ms after the first
        await first
        # The 429 arrives while the others sleep towards their turns.
        pause_end = time.monotonic() + throttle.throttled("ns", retry_after=0.1)
        await asyncio.gather(*waiting)
        return pause_end

    pause_end = asyncio.run(run())
    # None goes before the pause ends, and they do not all go at its end: each takes a new turn,
    # at the halved rate (25/s).
    assert all(at >= pause_end - 0.001 for at in entered[1:])
    assert entered[3] >= pause_end + 2 / 25 - 0.001


@pytest.mark.parametrize("kwargs", [{"requests_per_second": 0}, {"bytes_per_second": -1}, {"decrease_factor": 1.0}])
def test_impossible_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        NamespaceThrottle(**kwargs)
