"""The client's upsert path against the emulator: what is stored, both API versions, the limits at their edges."""

from __future__ import annotations

import asyncio
import random

import httpx
import numpy as np
import orjson
import pytest

from airflow_provider_pinecone.client import (
    DEFAULT_NAMESPACE,
    AsyncPineconeClient,
    AsyncUpsertSender,
    ClientConfig,
    NamespaceThrottle,
    PineconeClient,
    RetryPolicy,
)
from airflow_provider_pinecone.client.limits import MAX_UPSERT_BYTES, MAX_UPSERT_RECORDS
from airflow_provider_pinecone.client.upsert import UpsertBatcher, batches, encode_mapping, encode_record
from airflow_provider_pinecone.hooks.pinecone import PineconeHook

pytestmark = pytest.mark.integration

DIMENSION = 8
FAST_RETRY = RetryPolicy(max_attempts=3, max_elapsed=10.0, initial_backoff=0.01, max_backoff=0.05)


class Recorder:
    """A sync client on the emulator's index that records the body of every request it sends."""

    def __init__(self, emulator, index: str, api_version: str = "2025-10") -> None:
        self.bodies: list[bytes] = []
        config = ClientConfig(
            api_key="k", index_host=emulator.index_host(index), api_version=api_version, retry=FAST_RETRY
        )
        http = httpx.Client(event_hooks={"request": [lambda request: self.bodies.append(request.read())]})
        self.client = PineconeClient(config, http_client=http)


def _records(kind: str, n: int, rng: np.random.Generator) -> list[dict]:
    records = []
    for i in range(n):
        record: dict = {"id": f"{kind}-{i}"}
        if kind in ("dense", "hybrid"):
            record["values"] = rng.random(DIMENSION, dtype=np.float32)
        if kind in ("sparse", "hybrid"):
            record["sparse_values"] = {
                "indices": np.array(sorted(rng.choice(1000, 3, replace=False)), dtype=np.uint32),
                "values": rng.random(3, dtype=np.float32),
            }
        # Metadata three ways: a dict, JSON text embedded as it is, none.
        if i % 3 == 0:
            record["metadata"] = {"genre": "drama", "year": 2000 + i, "tags": ["a", "ü"]}
        elif i % 3 == 1:
            record["metadata"] = orjson.dumps({"genre": "comedy", "n": i}).decode()
        records.append(record)
    return records


def _assert_stored(emulator, index: str, namespace: str, records: list[dict]) -> None:
    stored = {r.id: r for r in emulator.fetch(index, namespace, [r["id"] for r in records])}
    assert len(stored) == len(records)
    for record in records:
        got = stored[record["id"]]
        if "values" in record:
            # Sent as float32 digits, read back as the same float32 values.
            assert np.array_equal(np.array(got.values, dtype=np.float32), record["values"])
        else:
            assert got.values is None
        if "sparse_values" in record:
            assert list(got.sparse.indices) == record["sparse_values"]["indices"].tolist()
            assert np.array_equal(np.array(got.sparse.values, dtype=np.float32), record["sparse_values"]["values"])
        metadata = record.get("metadata")
        expected = orjson.loads(metadata) if isinstance(metadata, str) else metadata
        assert got.metadata == expected


@pytest.mark.parametrize("api_version", ["2025-10", "2026-07"])
@pytest.mark.parametrize("kind", ["dense", "sparse", "hybrid"])
def test_records_are_stored_as_sent(pinecone_emulator, make_pinecone_index, kind, api_version):
    index = make_pinecone_index(
        vector_type="sparse" if kind == "sparse" else "dense", metric="cosine" if kind == "dense" else "dotproduct"
    )
    records = _records(kind, 30, np.random.default_rng(7))
    recorder = Recorder(pinecone_emulator, index, api_version)
    assert recorder.client.upsert(records[:20], namespace="docs") == 20
    assert recorder.client.upsert(records[20:], namespace=DEFAULT_NAMESPACE) == 10
    _assert_stored(pinecone_emulator, index, "docs", records[:20])
    _assert_stored(pinecone_emulator, index, "", records[20:])
    assert pinecone_emulator.namespace_counts(index) == {"docs": 20, "__default__": 10}


def test_the_hook_upserts_through_its_connection_sync_async_and_with_a_sender(pinecone_conn):
    rng = np.random.default_rng(3)
    records = _records("dense", 60, rng)
    hook = PineconeHook()
    assert hook.upsert(records[:20], namespace="sync") == 20

    async def run():
        upserted = await hook.aupsert(records[20:30], namespace="async")
        sent = []
        sender = await hook.aupsert_sender(max_concurrency=3, on_sent=lambda batch, n: sent.append(n))
        source = batches((encode_mapping(r) for r in records[30:]), "sender", max_records=4)
        return upserted, sent, await sender.send_all(source)

    upserted, sent, stats = asyncio.run(run())
    assert upserted == 10
    assert sorted(sent) == [2] + [4] * 7 and stats.upserted == {"sender": 30} and stats.requests == 8
    assert pinecone_conn.namespace_counts("test-index") == {"sync": 20, "async": 10, "sender": 30}
    _assert_stored(pinecone_conn, "test-index", "sender", records[30:])


def _small(i: int) -> dict:
    return {"id": f"r{i}", "values": [0.5] * DIMENSION}


def test_exactly_max_records_go_in_one_request_and_one_more_makes_two(pinecone_emulator, pinecone_index):
    recorder = Recorder(pinecone_emulator, pinecone_index)
    assert recorder.client.upsert([_small(i) for i in range(MAX_UPSERT_RECORDS)], "full") == MAX_UPSERT_RECORDS
    assert [len(orjson.loads(b)["vectors"]) for b in recorder.bodies] == [MAX_UPSERT_RECORDS]
    recorder.bodies.clear()
    assert recorder.client.upsert([_small(i) for i in range(MAX_UPSERT_RECORDS + 1)], "over") == 1001
    assert [len(orjson.loads(b)["vectors"]) for b in recorder.bodies] == [MAX_UPSERT_RECORDS, 1]
    assert pinecone_emulator.namespace_counts(pinecone_index) == {"full": 1000, "over": 1001}


def _padded(i: int, size: int) -> dict:
    """A record whose JSON is exactly ``size`` bytes (padded through its metadata)."""
    record = {"id": f"p{i}", "values": [0.25] * DIMENSION, "metadata": {"pad": ""}}
    record["metadata"]["pad"] = "x" * (size - len(encode_mapping(record)))
    assert len(encode_mapping(record)) == size
    return record


def _records_for_body(size: int, namespace: str) -> list[dict]:
    """Records whose one upsert body for ``namespace`` is exactly ``size`` bytes.

    About 30 KB each: under the 40 KB metadata limit, so only the body size is at stake.
    """
    overhead = len(next(batches([b"{}"], namespace)).body) - 2
    count = 70
    # count fragments and the count - 1 commas between them.
    payload = size - overhead - (count - 1)
    each = payload // count
    return [_padded(i, each) for i in range(count - 1)] + [_padded(count - 1, payload - each * (count - 1))]


@pytest.mark.parametrize("size", [MAX_UPSERT_BYTES - 1, MAX_UPSERT_BYTES])
def test_a_body_of_up_to_max_bytes_is_one_request_the_emulator_accepts(pinecone_emulator, pinecone_index, size):
    records = _records_for_body(size, "edge")
    recorder = Recorder(pinecone_emulator, pinecone_index)
    assert recorder.client.upsert(records, "edge") == len(records)
    assert [len(b) for b in recorder.bodies] == [size]
    assert pinecone_emulator.namespace_counts(pinecone_index) == {"edge": len(records)}


def test_records_that_would_make_a_body_one_byte_over_max_bytes_are_split_in_two(pinecone_emulator, pinecone_index):
    records = _records_for_body(MAX_UPSERT_BYTES + 1, "edge")
    recorder = Recorder(pinecone_emulator, pinecone_index)
    assert recorder.client.upsert(records, "edge") == len(records)
    sizes = [len(b) for b in recorder.bodies]
    assert len(sizes) == 2 and max(sizes) <= MAX_UPSERT_BYTES
    assert sum(sizes) == MAX_UPSERT_BYTES + 1 + len(next(batches([b"{}"], "edge")).body) - 2 - 1
    assert pinecone_emulator.namespace_counts(pinecone_index) == {"edge": len(records)}


def test_the_batchers_size_is_the_body_length_for_random_records_the_emulator_accepts(
    pinecone_emulator, make_pinecone_index
):
    index = make_pinecone_index(dimension=4, metric="dotproduct")
    rng = random.Random(99)
    alphabet = 'abcXYZ019-_ üé€😀"\\/\n\t'
    recorder = Recorder(pinecone_emulator, index)
    expected: dict[str, dict] = {}
    for round_ in range(20):
        namespace = f"ns-{round_}-" + "".join(rng.choices(alphabet, k=rng.randint(0, 6)))
        batcher = UpsertBatcher(namespace, max_records=rng.randint(1, 30), max_bytes=rng.randint(400, 20_000))
        sent = []
        for i in range(rng.randint(1, 60)):
            record_id = f"{round_}-{i}-" + "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
            values = np.array([rng.uniform(-1, 1) for _ in range(4)], dtype=np.float32)
            sparse = {"indices": [rng.randint(0, 2**32 - 1)], "values": [rng.uniform(-5, 5)]}
            metadata = {"t": "".join(rng.choices(alphabet, k=rng.randint(0, 40))), "f": rng.uniform(-1e9, 1e9)}
            expected[record_id] = {"namespace": namespace, "values": values, "metadata": metadata}
            before = batcher.pending_bytes
            full = batcher.add(encode_record(record_id, values, sparse, metadata))
            if full is not None:
                assert len(full.body) == before
                sent.append(full)
        before = batcher.pending_bytes
        last = batcher.flush()
        assert last is not None and len(last.body) == before
        for batch in [*sent, last]:
            assert recorder.client.upsert_batch(batch) == batch.count
    for record_id, record in expected.items():
        (got,) = pinecone_emulator.fetch(index, record["namespace"], [record_id])
        assert np.array_equal(np.array(got.values, dtype=np.float32), record["values"])
        assert got.metadata == record["metadata"]


def test_the_sender_slows_down_on_429_and_every_record_is_stored(pinecone_emulator, pinecone_index):
    # Injected 429s (the emulator's own rate limiter answers the same way; see the next test).
    pinecone_emulator.inject_faults("/vectors/upsert$", 429, count=3, retry_after=0.05)
    records = [_small(i) for i in range(200)]
    config = ClientConfig(api_key="k", index_host=pinecone_emulator.index_host(pinecone_index), retry=FAST_RETRY)

    async def run():
        sender = AsyncUpsertSender(AsyncPineconeClient(config), max_concurrency=4)
        return await sender.send_all(batches((encode_mapping(r) for r in records), "ns", max_records=10))

    stats = asyncio.run(run())
    assert (stats.requests, stats.throttled_retries, stats.upserted) == (23, 3, {"ns": 200})
    assert pinecone_emulator.namespace_counts(pinecone_index) == {"ns": 200}


def test_the_sender_keeps_under_the_emulators_rate_limit(pinecone_emulator, pinecone_index):
    if not hasattr(pinecone_emulator, "set_upsert_limits"):
        pytest.skip("this emulator has no per-namespace upsert rate limits")
    pinecone_emulator.set_upsert_limits(requests_per_second=20)
    records = [_small(i) for i in range(60)]
    config = ClientConfig(api_key="k", index_host=pinecone_emulator.index_host(pinecone_index), retry=FAST_RETRY)

    async def run(throttle):
        sender = AsyncUpsertSender(AsyncPineconeClient(config), max_concurrency=4, throttle=throttle)
        return await sender.send_all(batches((encode_mapping(r) for r in records), "ns", max_records=2))

    # Paced at the emulator's rate: 30 requests in about 1.5 s, at most a burst's worth refused.
    stats = asyncio.run(run(NamespaceThrottle(requests_per_second=20)))
    assert stats.upserted == {"ns": 60} and stats.requests == 30 + stats.throttled_retries
    assert stats.throttled_retries <= 3, stats
    assert pinecone_emulator.namespace_counts(pinecone_index) == {"ns": 60}
