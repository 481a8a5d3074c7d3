"""The emulator's per-namespace upsert windows, on a clock the test moves."""

from __future__ import annotations

import pytest

from airflow_provider_pinecone.testing.emulator.errors import TooManyRequests
from airflow_provider_pinecone.testing.emulator.rate_limits import UNLIMITED, UpsertLimits, UpsertRateLimiter


class Clock:
    def __init__(self, now: float = 100.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def admitted(limiter: UpsertRateLimiter, count: int, namespace: str = "ns", nbytes: int = 10) -> int:
    """How many of ``count`` requests the limiter lets through."""
    passed = 0
    for _ in range(count):
        try:
            limiter.admit("idx", namespace, nbytes)
        except TooManyRequests:
            continue
        passed += 1
    return passed


def test_requests_over_the_limit_in_one_second_are_refused_until_the_next_second() -> None:
    clock = Clock(100.25)
    limiter = UpsertRateLimiter(UpsertLimits(requests_per_second=100), clock)
    assert admitted(limiter, 150) == 100
    clock.now = 100.99  # same window
    with pytest.raises(TooManyRequests) as refused:
        limiter.admit("idx", "ns", 10)
    assert refused.value.status == 429 and refused.value.headers() == {"Retry-After": "1"}
    assert refused.value.message == (
        "Request limit exceeded for upsert in namespace 'ns': at most 100 requests per second. "
        "Retry after 1 s, or upsert in fewer, larger batches."
    )
    clock.now = 101.0  # a new window
    assert admitted(limiter, 150) == 100
    assert limiter.stats("idx") == {"ns": {"requests": 0, "throttled": 101, "records": 0, "bytes": 0}}


def test_namespaces_and_indexes_have_their_own_windows() -> None:
    limiter = UpsertRateLimiter(UpsertLimits(requests_per_second=2), Clock())
    assert admitted(limiter, 3, "a") == 2
    assert admitted(limiter, 3, "b") == 2
    limiter.admit("other-index", "a", 10)
    # "" is the default namespace, like "__default__"
    assert admitted(limiter, 1, "") + admitted(limiter, 2, "__default__") == 2


def test_the_byte_budget_counts_request_bodies() -> None:
    limiter = UpsertRateLimiter(UpsertLimits(requests_per_second=None, bytes_per_second=1000), Clock())
    assert admitted(limiter, 5, nbytes=400) == 2  # 800 bytes; a third would make 1,200
    limiter.admit("idx", "ns", 200)  # exactly 1,000
    with pytest.raises(TooManyRequests, match=r"Data limit exceeded for upsert in namespace 'ns': at most 1,000 bytes"):
        limiter.admit("idx", "ns", 1)


def test_a_body_larger_than_the_byte_budget_passes_alone_as_the_first_of_its_second() -> None:
    clock = Clock()
    limiter = UpsertRateLimiter(UpsertLimits(bytes_per_second=1000), clock)
    limiter.admit("idx", "ns", 5000)
    with pytest.raises(TooManyRequests):
        limiter.admit("idx", "ns", 1)
    clock.now += 1
    limiter.admit("idx", "ns", 5000)


def test_no_limits_and_changed_limits() -> None:
    limiter = UpsertRateLimiter(UpsertLimits(requests_per_second=1), Clock())
    limiter.set_limits(UNLIMITED)
    assert admitted(limiter, 500, nbytes=10**9) == 500
    limiter.set_limits(UpsertLimits(requests_per_second=3, bytes_per_second=None))
    assert admitted(limiter, 5, "fresh") == 3
    limiter.reset()  # back to the constructor's limits, windows and counters forgotten
    assert limiter.limits == UpsertLimits(requests_per_second=1)
    assert limiter.stats("idx") == {} and admitted(limiter, 2, "fresh") == 1


def test_served_requests_are_counted_per_namespace() -> None:
    limiter = UpsertRateLimiter(UpsertLimits(requests_per_second=1), Clock())
    limiter.admit("idx", "", 10)
    limiter.served("idx", "", records=7, nbytes=10)
    admitted(limiter, 2, "")
    assert limiter.stats("idx") == {"__default__": {"requests": 1, "throttled": 2, "records": 7, "bytes": 10}}
    assert limiter.all_stats() == {"idx": limiter.stats("idx")}
    limiter.drop_index("idx")
    assert limiter.all_stats() == {} and admitted(limiter, 1, "") == 1


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "100"])
def test_limits_must_be_integers_of_at_least_one(value: object) -> None:
    with pytest.raises(ValueError, match="requests_per_second must be an integer >= 1"):
        UpsertLimits(requests_per_second=value)  # type: ignore[arg-type]
