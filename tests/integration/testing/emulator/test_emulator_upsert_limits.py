"""Pinecone's per-namespace upsert rate limits on the emulator's data plane: 429 + Retry-After, counted.

No test depends on where a one-second window starts: bursts run until the first 429 (bounded), and
the window reopening is awaited with ``wait_until``. The windows themselves are tested on a clock the
test moves in ``tests/unit/testing/test_upsert_rate_limits.py``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

import httpx
import orjson
import pytest

from airflow_provider_pinecone.client.limits import UPSERT_BYTES_PER_SECOND, UPSERT_REQUESTS_PER_SECOND
from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.__main__ import build_parser
from airflow_provider_pinecone.testing.pytest_plugin import TEST_INDEX_DIMENSION
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

DEFAULTS = {"requests_per_second": UPSERT_REQUESTS_PER_SECOND, "bytes_per_second": UPSERT_BYTES_PER_SECOND}
BURST_BOUND = 1000  # requests; far more than two windows' worth at the default 100 per second


class Upserter:
    """Upserts one fresh record per request into the test index, remembering each request's ids."""

    def __init__(self, client: httpx.Client, url: str, dimension: int) -> None:
        self.client = client
        self.url = url
        self.dimension = dimension
        self._ids: Iterator[int] = itertools.count()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.written: dict[str, list[str]] = {}
        self.refused: dict[str, list[str]] = {}

    def body(self, namespace: str) -> bytes:
        # Fixed-width ids: every body of a namespace has the same length.
        record = {"id": f"r-{next(self._ids):06d}", "values": [0.5] * self.dimension}
        return orjson.dumps({"vectors": [record], "namespace": namespace})

    def send(self, namespace: str) -> httpx.Response:
        body = self.body(namespace)
        response = self.client.post(f"{self.url}/vectors/upsert", content=body)
        self.statuses[(namespace, response.status_code)] += 1
        record_id = orjson.loads(body)["vectors"][0]["id"]
        (self.written if response.status_code == 200 else self.refused).setdefault(namespace, []).append(record_id)
        return response

    def until_throttled(self, namespace: str) -> httpx.Response:
        """Send until the first 429 (bounded) and return it."""
        for _ in range(BURST_BOUND):
            response = self.send(namespace)
            if response.status_code != 200:
                return response
        pytest.fail(f"no 429 after {BURST_BOUND} upserts to namespace {namespace!r}")


@pytest.fixture
def upserter(pinecone_emulator: PineconeEmulator, pinecone_index: str) -> Iterator[Upserter]:
    url = f"http://{pinecone_emulator.index_host(pinecone_index)}"
    headers = {"Api-Key": "k", "X-Pinecone-Api-Version": "2026-07", "Content-Type": "application/json"}
    with httpx.Client(headers=headers, timeout=10.0) as client:
        yield Upserter(client, url, TEST_INDEX_DIMENSION)


def assert_rate_limited(response: httpx.Response, needle: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == "1"
    body = response.json()
    assert body["code"] == 8 and body["details"] == []  # RESOURCE_EXHAUSTED, the data plane's rpcStatus
    assert needle in body["message"], body["message"]


def test_a_burst_over_100_a_second_is_throttled_in_its_namespace_only(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, upserter: Upserter
) -> None:
    assert pinecone_emulator.upsert_limits() == DEFAULTS
    refused = upserter.until_throttled("busy")
    assert_rate_limited(
        refused,
        "Request limit exceeded for upsert in namespace 'busy': at most 100 requests per second. Retry after 1 s",
    )
    served = upserter.statuses[("busy", 200)]
    assert served >= UPSERT_REQUESTS_PER_SECOND  # at least one full window before the first 429
    assert upserter.send("quiet").status_code == 200  # its own window

    assert pinecone_emulator.namespace_counts(pinecone_index) == {"busy": served, "quiet": 1}
    assert pinecone_emulator.fetch(pinecone_index, "busy", upserter.refused["busy"]) == []
    size = len(upserter.body("busy"))  # one byte less than each "quiet" body
    assert pinecone_emulator.upsert_stats(pinecone_index) == {
        "busy": {"requests": served, "throttled": 1, "records": served, "bytes": served * size},
        "quiet": {"requests": 1, "throttled": 0, "records": 1, "bytes": size + 1},
    }


def test_the_byte_limit_and_the_window_reopening(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, upserter: Upserter
) -> None:
    size = len(upserter.body(""))
    assert pinecone_emulator.set_upsert_limits(requests_per_second=None, bytes_per_second=2 * size) == {
        "requests_per_second": None,
        "bytes_per_second": 2 * size,
    }
    refused = upserter.until_throttled("")
    assert_rate_limited(
        refused, f"Data limit exceeded for upsert in namespace '__default__': at most {2 * size:,} bytes"
    )
    wait_until(lambda: upserter.send("").status_code == 200, timeout=3.0, interval=0.05, what="the next window")

    served, throttled = upserter.statuses[("", 200)], upserter.statuses[("", 429)]
    assert set(upserter.statuses) <= {("", 200), ("", 429)}
    assert pinecone_emulator.upsert_stats(pinecone_index) == {
        "__default__": {"requests": served, "throttled": throttled, "records": served, "bytes": served * size}
    }
    assert pinecone_emulator.namespace_counts(pinecone_index) == {"__default__": served}
    assert pinecone_emulator.fetch(pinecone_index, "", upserter.refused[""]) == []


def test_limits_can_be_turned_off_and_reset_restores_them(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, upserter: Upserter
) -> None:
    pinecone_emulator.set_upsert_limits(requests_per_second=1)
    assert upserter.until_throttled("ns").status_code == 429
    pinecone_emulator.set_upsert_limits(requests_per_second=None, bytes_per_second=None)
    assert all(upserter.send("ns").status_code == 200 for _ in range(120))
    pinecone_emulator.reset()
    assert pinecone_emulator.upsert_limits() == DEFAULTS
    with pytest.raises(ValueError, match="requests_per_second must be an integer >= 1"):
        pinecone_emulator.set_upsert_limits(requests_per_second=0)


def test_admin_routes_set_limits_and_report_counters(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, upserter: Upserter
) -> None:
    admin = f"{pinecone_emulator.control_plane_url}/_emulator"
    with httpx.Client(timeout=10.0) as client:  # admin routes need no key
        assert client.post(f"{admin}/upsert-limits", json={"requests_per_second": 1}).json() == {"ok": True}
        assert client.get(f"{admin}/upsert-limits").json() == {**DEFAULTS, "requests_per_second": 1}
        upserter.until_throttled("ns")
        served, size = upserter.statuses[("ns", 200)], len(upserter.body("ns"))
        expected = {"ns": {"requests": served, "throttled": 1, "records": served, "bytes": served * size}}
        assert client.get(f"{admin}/stats").json() == {"upserts": {pinecone_index: expected}}
        assert client.get(f"{admin}/stats", params={"index": pinecone_index}).json() == {
            "upserts": {pinecone_index: expected}
        }
        assert client.get(f"{admin}/stats", params={"index": "missing"}).status_code == 404
        bad = client.post(f"{admin}/upsert-limits", json={"bytes_per_second": -5})
        assert bad.status_code == 400 and "bytes_per_second must be an integer >= 1" in bad.text
        assert client.post(f"{admin}/upsert-limits", json={"requests_per_second": None}).status_code == 200
        assert client.get(f"{admin}/upsert-limits").json() == {**DEFAULTS, "requests_per_second": None}


def test_injected_429s_are_not_counted_as_throttled(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, upserter: Upserter
) -> None:
    pinecone_emulator.inject_faults("^/vectors/upsert$", 429, count=2, retry_after=1)
    assert [upserter.client.post(f"{upserter.url}/vectors/upsert", content=b"{}").status_code for _ in "ab"] == [
        429,
        429,
    ]
    assert pinecone_emulator.upsert_stats(pinecone_index) == {}


def test_over_1000_vectors_or_2_mib_are_400s_not_counted(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, upserter: Upserter
) -> None:
    too_many = upserter.client.post(
        f"{upserter.url}/vectors/upsert", json={"vectors": [{"id": f"x{i}", "values": [0.1] * 8} for i in range(1001)]}
    )
    too_big = upserter.client.post(f"{upserter.url}/vectors/upsert", content=b" " * (2 * 1024 * 1024 + 1))
    assert (too_many.status_code, too_big.status_code) == (400, 400)
    assert "maximum is 1000 per request" in too_many.json()["message"]
    assert "exceeds the maximum supported size of 2MB" in too_big.json()["message"]
    assert pinecone_emulator.upsert_stats(pinecone_index) == {}


def test_cli_flags() -> None:
    parser = build_parser()
    args = parser.parse_args(["--port", "0"])
    assert (args.upsert_requests_per_second, args.upsert_bytes_per_second) == tuple(DEFAULTS.values())
    args = parser.parse_args(
        ["--port", "0", "--upsert-requests-per-second", "off", "--upsert-bytes-per-second", "1000"]
    )
    assert (args.upsert_requests_per_second, args.upsert_bytes_per_second) == (None, 1000)
    with pytest.raises(SystemExit):
        parser.parse_args(["--port", "0", "--upsert-requests-per-second", "0"])
