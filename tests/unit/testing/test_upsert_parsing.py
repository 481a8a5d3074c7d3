"""The emulator's upsert body parsing: orjson on the hot path, the same verdicts as the standard library."""

from __future__ import annotations

import pytest

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument
from airflow_provider_pinecone.testing.emulator.gate import parse_json_object
from airflow_provider_pinecone.testing.emulator.state import IndexConfig
from airflow_provider_pinecone.testing.emulator.vectors import parse_upsert

DENSE = IndexConfig("dense", dimension=3)
SPARSE = IndexConfig("sparse", vector_type="sparse", metric="dotproduct")


def upsert(raw: bytes, index: IndexConfig = DENSE):
    return parse_upsert(parse_json_object(raw), index)


def test_numbers_become_a_read_only_float64_array() -> None:
    namespace, (record,) = upsert(b'{"namespace": "ns", "vectors": [{"id": "a", "values": [1, 0.5, -2e3]}]}')
    assert namespace == "ns" and record.values.tolist() == [1.0, 0.5, -2000.0]
    assert record.values.dtype == "float64" and not record.values.flags.writeable


@pytest.mark.parametrize(
    "values",
    [
        b"[1e400, 0, 0]",
        b"[NaN, 0, 0]",
        b"[0, -Infinity, 0]",
        b"[1" + b"0" * 400 + b", 0, 0]",
        b"[true, 0, 0]",
        b'["1", 0, 0]',
        b"[null, 0, 0]",
        b"[[1], 0, 0]",
        b'{"a": 1}',
    ],
    ids=["overflow", "nan", "infinity", "huge-int", "bool", "string", "null", "nested", "object"],
)
def test_non_finite_or_non_numbers_are_refused(values: bytes) -> None:
    with pytest.raises(InvalidArgument, match=r"vectors\[0\]\.values must be an array of finite numbers"):
        upsert(b'{"vectors": [{"id": "a", "values": ' + values + b"}]}")


@pytest.mark.parametrize(
    "indices",
    [b"[-1]", b"[4294967296]", b"[1.0]", b"[true]", b'["1"]'],
    ids=["negative", "too-big", "float", "bool", "string"],
)
def test_sparse_indices_must_be_uint32(indices: bytes) -> None:
    body = b'{"vectors": [{"id": "a", "sparseValues": {"indices": ' + indices + b', "values": [0.5]}}]}'
    with pytest.raises(InvalidArgument, match="indices must be integers from 0 to 4294967295"):
        upsert(body, SPARSE)
    assert upsert(body.replace(indices, b"[4294967295]"), SPARSE)[1][0].sparse.indices == (4294967295,)


@pytest.mark.parametrize(
    ("raw", "needle"), [(b"[1, 2", "not valid JSON"), (b"[1]", "must be a JSON object"), (b"\xff", "not valid JSON")]
)
def test_bodies_that_are_not_json_objects(raw: bytes, needle: str) -> None:
    with pytest.raises(InvalidArgument, match=needle):
        parse_json_object(raw)
