"""Packing encoded records into upsert bodies: the exact body, the limits at their edges, the tags."""

from __future__ import annotations

import json
import random
import string

import pytest

from airflow_provider_pinecone.client import DEFAULT_NAMESPACE, PineconeValidationError
from airflow_provider_pinecone.client.limits import MAX_UPSERT_BYTES, MAX_UPSERT_RECORDS
from airflow_provider_pinecone.client.upsert import (
    RecordTooLarge,
    UpsertBatch,
    UpsertBatcher,
    batches,
    encode_record,
)


def _fragment(i: int, size: int | None = None) -> bytes:
    """A record of exactly ``size`` bytes of JSON (padded through its metadata)."""
    base = encode_record(f"r{i}", [0.5], metadata={"p": ""})
    if size is None:
        return base
    padded = encode_record(f"r{i}", [0.5], metadata={"p": "x" * (size - len(base))})
    assert len(padded) == size
    return padded


def test_the_body_is_the_fragments_joined_under_the_namespace():
    batcher = UpsertBatcher("ns-1")
    assert batcher.add(b'{"id":"a"}') is None
    assert batcher.add(b'{"id":"b"}', tag="after-b") is None
    batch = batcher.flush()
    assert batch == UpsertBatch("ns-1", b'{"vectors":[{"id":"a"},{"id":"b"}],"namespace":"ns-1"}', 2, "after-b")
    assert batcher.flush() is None and batcher.pending == 0


def test_the_default_namespace_is_empty_on_the_wire_and_keeps_its_name_on_the_batch():
    batch = next(batches([b'{"id":"a"}'], DEFAULT_NAMESPACE))
    assert json.loads(batch.body)["namespace"] == ""
    assert batch.namespace == DEFAULT_NAMESPACE


def test_a_namespace_is_json_escaped_in_the_body():
    batch = next(batches([b'{"id":"a"}'], 'q"\\ü'))
    assert json.loads(batch.body)["namespace"] == 'q"\\ü'


def test_max_records_fill_one_batch_and_one_more_starts_the_next():
    batcher = UpsertBatcher("ns")
    assert all(batcher.add(_fragment(i), tag=i) is None for i in range(MAX_UPSERT_RECORDS))
    full = batcher.add(_fragment(MAX_UPSERT_RECORDS), tag=MAX_UPSERT_RECORDS)
    assert full is not None and full.count == MAX_UPSERT_RECORDS and full.tag == MAX_UPSERT_RECORDS - 1
    assert [v["id"] for v in json.loads(full.body)["vectors"]] == [f"r{i}" for i in range(MAX_UPSERT_RECORDS)]
    rest = batcher.flush()
    assert rest is not None and (rest.count, rest.tag) == (1, MAX_UPSERT_RECORDS)


def _two_records_filling(max_bytes: int, namespace: str, extra: int) -> list[bytes]:
    """Two records whose body is ``max_bytes + extra`` bytes."""
    overhead = len(next(batches([b"{}"], namespace)).body) - len(b"{}")
    total = max_bytes + extra - overhead - 1  # both fragments, without the comma between them
    return [_fragment(0, total // 2), _fragment(1, total - total // 2)]


@pytest.mark.parametrize("max_bytes", [1000, MAX_UPSERT_BYTES])
def test_a_body_of_exactly_max_bytes_is_one_batch_and_one_byte_more_is_two(max_bytes):
    exact = list(batches(_two_records_filling(max_bytes, "ns", 0), "ns", max_bytes=max_bytes))
    assert [(len(b.body), b.count) for b in exact] == [(max_bytes, 2)]
    over = list(batches(_two_records_filling(max_bytes, "ns", 1), "ns", max_bytes=max_bytes))
    assert [b.count for b in over] == [1, 1]
    assert all(len(b.body) <= max_bytes for b in over)


def test_pending_bytes_is_the_length_of_the_body_flush_builds_for_random_records():
    rng = random.Random(1234)
    alphabet = string.ascii_letters + 'ü"\\\n€😀'
    for _ in range(200):
        namespace = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        batcher = UpsertBatcher(namespace, max_records=rng.randint(1, 20), max_bytes=rng.randint(600, 5000))
        emitted = []
        for i in range(rng.randint(1, 40)):
            record_id = "".join(rng.choices(alphabet, k=rng.randint(1, 20)))
            values = [rng.uniform(-1e6, 1e6) for _ in range(rng.randint(0, 6))] or None
            metadata = {"t": "".join(rng.choices(alphabet, k=rng.randint(0, 60)))} if rng.random() < 0.5 else None
            expected = batcher.pending_bytes
            full = batcher.add(encode_record(record_id, values, metadata=metadata), tag=i)
            if full is not None:
                assert len(full.body) == expected
                emitted.append(full)
        expected = batcher.pending_bytes
        last = batcher.flush()
        assert last is not None and len(last.body) == expected
        for batch in [*emitted, last]:
            assert len(batch.body) <= batcher.max_bytes and batch.count <= batcher.max_records
            assert len(json.loads(batch.body)["vectors"]) == batch.count


def test_a_record_too_large_for_any_body_is_refused_naming_its_id_size_and_the_limit():
    batcher = UpsertBatcher("ns", max_bytes=1000)
    batcher.add(_fragment(0))
    with pytest.raises(RecordTooLarge, match=r"Record 'r7' is 1,200 bytes of JSON.*limit is 1,000 bytes") as info:
        batcher.add(_fragment(7, 1200))
    assert isinstance(info.value, PineconeValidationError)


def test_the_largest_record_that_fits_alone_is_accepted():
    overhead = len(next(batches([b"{}"], "ns")).body) - 2
    (batch,) = batches([_fragment(0, 1000 - overhead)], "ns", max_bytes=1000)
    assert len(batch.body) == 1000
    with pytest.raises(RecordTooLarge):
        list(batches([_fragment(0, 1001 - overhead)], "ns", max_bytes=1000))


def test_flush_may_override_the_tag_of_the_last_batch():
    batcher = UpsertBatcher("ns")
    batcher.add(b'{"id":"a"}', tag="row-1")
    assert batcher.flush(tag="end-of-file").tag == "end-of-file"


def test_batches_splits_in_order():
    fragments = [_fragment(i) for i in range(25)]
    result = list(batches(fragments, "ns", max_records=10))
    assert [b.count for b in result] == [10, 10, 5]
    ids = [v["id"] for b in result for v in json.loads(b.body)["vectors"]]
    assert ids == [f"r{i}" for i in range(25)]


@pytest.mark.parametrize("kwargs", [{"max_records": 0}, {"max_bytes": 20}])
def test_impossible_limits_are_refused(kwargs):
    with pytest.raises(ValueError):
        UpsertBatcher("ns", **kwargs)
