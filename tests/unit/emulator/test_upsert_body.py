"""The emulator's fast upsert reader gives what the standard path gives: the same records, the same
errors word for word, and the rate limit before any validation."""

from __future__ import annotations

import json

import pytest

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument
from airflow_provider_pinecone.testing.emulator.gate import parse_json_object
from airflow_provider_pinecone.testing.emulator.state import IndexConfig
from airflow_provider_pinecone.testing.emulator.upsert_body import _vectors, read_upsert
from airflow_provider_pinecone.testing.emulator.vectors import CheckedFloats, parse_namespace, parse_upsert

DENSE = IndexConfig(name="dense", dimension=3, metric="dotproduct")


def standard(raw: bytes, index: IndexConfig = DENSE) -> tuple[str, list]:
    body = parse_json_object(raw, hint="an UpsertRequest")
    parse_namespace(body.get("namespace"))
    return parse_upsert(body, index)


def body(*vectors: object, namespace: object = "ns") -> bytes:
    return json.dumps({"vectors": list(vectors), "namespace": namespace}).encode()


GOOD = [
    # "[" inside strings: the standard path decides, with the same result
    body({"id": "[x]", "values": [1, 2, 3], "metadata": {"title": "[[draft]]", "tags": ["[a]", "b"]}}),
    body({"id": "a", "values": [0.5, -1, 2e-3], "metadata": {"genre": "news", "tags": ["x"], "n": 3}}),
    body({"id": "b", "values": [1, 2, 3], "sparseValues": {"indices": [1, 7], "values": [0.5, 1]}}, namespace=None),
    body({"id": "c", "values": [1e300, -0.0, 5]}, {"id": "d", "values": [0.1, 0.2, 0.3]}),
]


@pytest.mark.parametrize("raw", GOOD)
def test_the_same_records_as_the_standard_path(raw: bytes) -> None:
    admitted: list[str] = []
    assert read_upsert(raw, DENSE, admitted.append) == standard(raw)
    assert admitted == [standard(raw)[0]]


def test_dense_values_are_read_as_one_buffer() -> None:
    import simdjson

    document = simdjson.Parser().parse(GOOD[1])
    vectors = _vectors(document["vectors"])
    assert type(vectors[0]["values"]) is CheckedFloats
    assert vectors[0]["values"].array.tolist() == [0.5, -1.0, 0.002]
    assert vectors[0]["metadata"] == {"genre": "news", "tags": ["x"], "n": 3}


BAD = [
    b'{"vectors": [{"id": "a", "values": [1, "2", 3]}]}',  # a string among the values
    b'{"vectors": [{"id": "a", "values": [1, null, 3]}]}',
    b'{"vectors": [{"id": "a", "values": [1, true, 3]}]}',
    b'{"vectors": [{"id": "a", "values": [1, 1e400, 3]}]}',  # beyond a double
    b'{"vectors": [{"id": "a", "values": [1, NaN, 3]}]}',  # not JSON
    b'{"vectors": [{"id": "a", "values": [1, 2]}]}',  # the wrong dimension
    b'{"vectors": [{"id": "a", "values": [[1], 2, 3]}]}',  # as_buffer would flatten it
    b'{"vectors": [{"id": "a", "values": [1, [2, 3]]}]}',
    b'{"vectors": [{"id": "a", "values": [1, 2, 3], "sparseValues": {"indices": [[1]], "values": [1]}}]}',
    b'{"vectors": [{"id": "a", "values": [1, 2, 3], "metadata": {"k": [["x"]]}}]}',
    b'{"vectors": [{"values": [1, 2, 3]}]}',  # no id
    b'{"vectors": []}',
    b'{"vectors": {"id": "a"}}',
    b'{"vectors": [7]}',
    b"[1, 2]",
    b'{"vectors": [{"id": "a", "values": [1, 2, 3]}], "namespace": 5}',
    b'{"vectors": [{"id": "a", "values": [1, 2, 3]',  # truncated
]


@pytest.mark.parametrize("raw", BAD)
def test_the_same_errors_as_the_standard_path(raw: bytes) -> None:
    with pytest.raises(InvalidArgument) as expected:
        standard(raw)
    with pytest.raises(InvalidArgument) as got:
        read_upsert(raw, DENSE, lambda namespace: None)
    assert str(got.value) == str(expected.value)


class Throttled(Exception):
    pass


def test_the_rate_limit_comes_before_validation() -> None:
    def refuse(namespace: str) -> None:
        raise Throttled(namespace)

    with pytest.raises(Throttled, match="ns"):
        read_upsert(body({"id": "a", "values": [1, "x"]}), DENSE, refuse)
    with pytest.raises(Throttled, match="ns"):
        read_upsert(b'{"namespace": "ns", "vectors": [{"id": "a", "values": [1, 1e400, 3]}]}', DENSE, refuse)
