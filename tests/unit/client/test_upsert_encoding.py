"""One upsert record as JSON: what encode_record and encode_mapping put on the wire."""

from __future__ import annotations

import json

import numpy as np
import pytest

from airflow_provider_pinecone.client import PineconeValidationError
from airflow_provider_pinecone.client.upsert import encode_mapping, encode_record


def test_a_dense_record_is_compact_json_with_only_the_fields_given():
    fragment = encode_record("a", [0.5, 1.0, -2.25])
    assert fragment == b'{"id":"a","values":[0.5,1.0,-2.25]}'


def test_float32_values_keep_their_float32_digits():
    values = np.array([0.1, 1 / 3, 1e-7], dtype=np.float32)
    fragment = encode_record("a", values)
    assert fragment == b'{"id":"a","values":[0.1,0.33333334,1e-7]}'
    assert np.array_equal(np.array(json.loads(fragment)["values"], dtype=np.float32), values)


def test_a_strided_float32_view_is_encoded_like_a_contiguous_array():
    matrix = np.array([[0.1, 0.2], [0.3, 0.4]], dtype=np.float32)
    column = matrix[:, 1]
    assert not column.flags.c_contiguous
    assert encode_record("a", column) == b'{"id":"a","values":[0.2,0.4]}'


def test_numpy_dtypes_orjson_does_not_serialize_natively_still_encode():
    fragment = encode_record("a", np.array([0.5, 0.25], dtype=np.float16))
    assert json.loads(fragment)["values"] == [0.5, 0.25]


def test_sparse_values_from_numpy_arrays_and_a_sparse_only_record():
    sparse = {"indices": np.array([3, 70000], dtype=np.uint32), "values": np.array([0.5, 2.0], dtype=np.float32)}
    fragment = encode_record("s", sparse_values=sparse)
    assert fragment == b'{"id":"s","sparseValues":{"indices":[3,70000],"values":[0.5,2.0]}}'


def test_metadata_dict_is_serialized_and_metadata_text_is_embedded_verbatim():
    assert json.loads(encode_record("a", [1.0], metadata={"genre": "ü", "year": 2020}))["metadata"] == {
        "genre": "ü",
        "year": 2020,
    }
    # Spacing and key order survive, so the text was not parsed and re-serialized.
    text = '{"b": 1,  "a": ["x"]}'
    assert encode_record("a", [1.0], metadata=text) == b'{"id":"a","values":[1.0],"metadata":' + text.encode() + b"}"
    raw = b' \n{"k":"\xc3\xbc"}'
    assert encode_record("a", [1.0], metadata=raw).endswith(b',"metadata":' + raw + b"}")


@pytest.mark.parametrize("text", ["", "   ", '["a"]', "null", b"42"])
def test_metadata_text_that_is_not_a_json_object_is_refused(text):
    with pytest.raises(PineconeValidationError, match="must be a JSON object"):
        encode_record("a", [1.0], metadata=text)


def test_a_record_with_everything():
    fragment = encode_record("h", [0.5], sparse_values={"indices": [1], "values": [0.25]}, metadata=b'{"t":"x"}')
    assert json.loads(fragment) == {
        "id": "h",
        "values": [0.5],
        "sparseValues": {"indices": [1], "values": [0.25]},
        "metadata": {"t": "x"},
    }


@pytest.mark.parametrize("record_id", [7, None, b"a"])
def test_an_id_that_is_not_a_string_is_refused(record_id):
    with pytest.raises(PineconeValidationError, match="id must be a string"):
        encode_record(record_id, [1.0])


def test_sparse_values_without_indices_are_refused():
    with pytest.raises(PineconeValidationError, match="'indices' and 'values'"):
        encode_record("a", sparse_values={"values": [1.0]})


def test_a_value_json_cannot_hold_is_refused_naming_the_record():
    with pytest.raises(PineconeValidationError, match="Record 'a' cannot be encoded"):
        encode_record("a", [object()])


def test_encode_mapping_takes_either_spelling_of_sparse_values():
    sparse = {"indices": [1], "values": [0.5]}
    expected = encode_record("a", [1.0], sparse, {"k": 1})
    assert encode_mapping({"id": "a", "values": [1.0], "sparse_values": sparse, "metadata": {"k": 1}}) == expected
    assert encode_mapping({"id": "a", "values": [1.0], "sparseValues": sparse, "metadata": {"k": 1}}) == expected
    assert encode_mapping({"id": "b"}) == b'{"id":"b"}'


@pytest.mark.parametrize("record", [{"values": [1.0]}, ["a", [1.0]], None])
def test_encode_mapping_refuses_a_record_without_an_id(record):
    with pytest.raises(PineconeValidationError, match="must be a mapping with an 'id'"):
        encode_mapping(record)
