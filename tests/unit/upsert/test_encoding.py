"""encode_table (Arrow rows to upsert fragments) and records_to_table (records given as dicts to Arrow)."""

from __future__ import annotations

import json

import numpy as np
import orjson
import pyarrow as pa
import pytest

from airflow_provider_pinecone.client.errors import PineconeValidationError
from airflow_provider_pinecone.client.upsert import encode_mapping
from airflow_provider_pinecone.testing.datasets import DENSE_TYPE, SPARSE_TYPE, dense_table, hybrid_table, sparse_table
from airflow_provider_pinecone.upsert.encoding import encode_table, records_to_table
from airflow_provider_pinecone.upsert.sources import UpsertSourceError


def decoded(fragments: list[bytes]) -> list[dict]:
    return [orjson.loads(fragment) for fragment in fragments]


def float32s(values: list[float]) -> list[float]:
    """``values`` as float32 prints them (the shortest digits that read back as the same float32)."""
    return [float(np.format_float_positional(np.float32(v), unique=True)) for v in values]


def test_dense_rows_keep_their_float32_values_and_metadata_text_verbatim():
    table = dense_table(20, 16)
    metadata = ['{"spaced": [1, 2],  "kept": "as written"}'] * 20
    table = table.set_column(2, "metadata", pa.array(metadata))

    fragments = encode_table(table)

    expected = table.to_pylist()
    assert [v["id"] for v in decoded(fragments)] == [row["id"] for row in expected]
    for fragment, row in zip(fragments, expected, strict=True):
        vector = orjson.loads(fragment)
        assert vector["values"] == float32s(row["values"])
        assert b'"metadata":' + metadata[0].encode() + b"}" in fragment
        assert "sparseValues" not in vector


def test_rows_of_different_dimensions_and_rows_without_values():
    table = pa.table({"id": ["a", "b", "c"], "values": pa.array([[1.5, 2.0], None, [0.25, 0.5, 1.0]], DENSE_TYPE)})
    assert decoded(encode_table(table)) == [
        {"id": "a", "values": [1.5, 2.0]},
        {"id": "b"},
        {"id": "c", "values": [0.25, 0.5, 1.0]},
    ]


def test_a_slice_and_a_table_of_many_chunks_encode_their_own_rows():
    whole = dense_table(30, 4)
    expected = decoded(encode_table(whole))
    assert decoded(encode_table(whole.slice(7, 10))) == expected[7:17]
    chunked = pa.concat_tables([whole.slice(0, 12), whole.slice(12)])
    assert chunked.column("values").num_chunks == 2
    assert decoded(encode_table(chunked)) == expected
    with_metadata_dropped = whole.drop_columns(["metadata"]).slice(3, 5)
    assert decoded(encode_table(with_metadata_dropped)) == [
        {"id": v["id"], "values": v["values"]} for v in expected[3:8]
    ]


def test_fixed_size_list_values():
    table = pa.table({"id": ["a", "b"], "values": pa.array([[1.0, 2.0], [3.0, 4.0]], pa.list_(pa.float32(), 2))})
    assert decoded(encode_table(table)) == [{"id": "a", "values": [1.0, 2.0]}, {"id": "b", "values": [3.0, 4.0]}]


def test_sparse_rows_and_an_empty_or_null_sparse_part_left_out():
    table = pa.table(
        {
            "id": ["a", "b", "c", "d"],
            "values": pa.array([[1.0], [2.0], [3.0], [4.0]], DENSE_TYPE),
            "sparse_values": pa.array(
                [
                    {"indices": [3, 4_000_000_000], "values": [0.5, 0.25]},
                    None,
                    {"indices": [], "values": []},
                    {"indices": [7], "values": [1.5]},
                ],
                SPARSE_TYPE,
            ),
            "metadata": pa.array(['{"k":1}', None, None, '{"k":4}']),
        }
    )
    assert decoded(encode_table(table.slice(0))) == [
        {
            "id": "a",
            "values": [1.0],
            "sparseValues": {"indices": [3, 4_000_000_000], "values": [0.5, 0.25]},
            "metadata": {"k": 1},
        },
        {"id": "b", "values": [2.0]},
        {"id": "c", "values": [3.0]},
        {"id": "d", "values": [4.0], "sparseValues": {"indices": [7], "values": [1.5]}, "metadata": {"k": 4}},
    ]
    # A slice starting mid-table reads its own sparse rows.
    assert decoded(encode_table(table.slice(3)))[0]["sparseValues"] == {"indices": [7], "values": [1.5]}


def test_dense_rows_with_some_metadata_null_leave_it_out_and_write_the_rest_verbatim():
    table = dense_table(3, 2).set_column(2, "metadata", pa.array([' {"a":1}', None, '{"b": 2}']))
    fragments = encode_table(table)
    assert [vector.get("metadata") for vector in decoded(fragments)] == [{"a": 1}, None, {"b": 2}]
    assert b'"metadata": {"a":1}}' in fragments[0] and b"metadata" not in fragments[1]


@pytest.mark.parametrize("text", ["[1, 2]", "", "  42"])
def test_metadata_text_that_is_not_an_object_is_refused_even_among_good_rows(text):
    # The whole-column check sends the table the record-by-record way, whose guard names the text.
    table = dense_table(4, 2).set_column(2, "metadata", pa.array(['{"ok":1}', '{"ok":2}', text, '{"ok":4}']))
    with pytest.raises(PineconeValidationError, match="must be a JSON object"):
        encode_table(table)


def test_columns_of_other_types_go_record_by_record_as_before():
    values = pa.array([[1.0], [2.0]], DENSE_TYPE)
    # An integer id is refused, not written as a number.
    with pytest.raises(PineconeValidationError, match="id must be a string"):
        encode_table(pa.table({"id": pa.array([1, 2]), "values": values}))
    # Metadata stored as binary is embedded as it is, as encode_record does with bytes.
    table = pa.table({"id": ["a", "b"], "values": values, "metadata": pa.array([b'{"k":1}', b' {"k":2}'])})
    assert [vector["metadata"] for vector in decoded(encode_table(table))] == [{"k": 1}, {"k": 2}]


def test_a_null_id_is_refused_not_written_as_null():
    table = pa.table({"id": pa.array(["a", None]), "values": pa.array([[1.0], [2.0]], DENSE_TYPE)})
    with pytest.raises(PineconeValidationError, match="id must be a string"):
        encode_table(table)


@pytest.mark.parametrize("table", [sparse_table(25), hybrid_table(25, 8)], ids=["sparse", "hybrid"])
def test_every_layout_encodes_as_the_clients_encoder_does_for_the_same_records(table):
    def as_float32(row: dict) -> dict:
        sparse = row.get("sparse_values")
        return {
            **row,
            "values": np.array(row["values"], np.float32) if "values" in row else None,
            "sparse_values": {**sparse, "values": np.array(sparse["values"], np.float32)} if sparse else None,
        }

    expected = [json.loads(encode_mapping(as_float32(row))) for row in table.to_pylist()]
    assert [json.loads(fragment) for fragment in encode_table(table)] == expected


def test_an_empty_table_has_no_fragments():
    assert encode_table(dense_table(0, 4)) == []


# ---- records given as dicts --------------------------------------------------------------------------


def test_records_become_the_import_layout_with_metadata_as_json_text():
    table = records_to_table(
        [
            {"id": "a", "values": [0.1, 0.2], "metadata": {"genre": "news", "year": 2024}},
            {"id": "b", "values": np.array([0.3, 0.4]), "sparseValues": {"indices": [1], "values": [0.5]}},
            {"id": "c", "values": (0.5, 0.6), "metadata": '{"as": "given"}'},
        ]
    )
    assert table.schema.names == ["id", "values", "sparse_values", "metadata"]
    assert table.schema.field("values").type == DENSE_TYPE
    assert table.schema.field("sparse_values").type == SPARSE_TYPE
    assert table.column("metadata").to_pylist() == ['{"genre":"news","year":2024}', None, '{"as": "given"}']
    assert decoded(encode_table(table))[1] == {
        "id": "b",
        "values": float32s([0.3, 0.4]),
        "sparseValues": {"indices": [1], "values": [0.5]},
    }


def test_only_the_columns_some_record_has_are_present():
    assert records_to_table([{"id": "a", "sparse_values": {"indices": [1], "values": [1.0]}}]).schema.names == [
        "id",
        "sparse_values",
    ]
    assert records_to_table([]).schema.names == ["id"]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ({"id": "a"}, "records must be a list of dicts, got dict"),
        ([{"id": "a"}, ["b", [0.1]]], r"records\[1\] is not a dict but list"),
        ([{"id": "a", "vector": [1.0], "score": 1}], r"records\[0\] has the unknown key\(s\) 'score', 'vector'"),
        (
            [{"id": "a", "sparse_values": {"indices": [1], "values": [1.0]}, "sparseValues": {}}],
            "both sparse_values and sparseValues",
        ),
        ([{"id": 7}], r"records\[0\]: id must be a string, got int 7"),
        (
            [{"id": "a", "values": [0.1]}, {"id": "b", "values": [0.1, "x"]}],
            r"records\[1\]: values must be a list of numbers",
        ),
        ([{"id": "a", "values": [True, False]}], r"records\[0\]: values must be a list of numbers, got list"),
        ([{"id": "a", "values": 0.5}], r"records\[0\]: values must be a list of numbers, got float"),
        ([{"id": "a", "metadata": {"when": object()}}], r"records\[0\] has metadata that cannot be written as JSON"),
        ([{"id": "a", "metadata": 3}], r"records\[0\]: metadata must be a dict, or a JSON object as a string, got int"),
        ([{"id": "a", "sparse_values": [1, 2]}], r"records\[0\]: sparse_values must be a dict"),
        ([{"id": "a", "sparse_values": {"indices": [-1], "values": [1.0]}}], r"records\[0\]: sparse_values must be"),
    ],
)
def test_malformed_records_are_refused_naming_the_record_and_what_it_should_be(records, expected):
    with pytest.raises(UpsertSourceError, match=expected):
        records_to_table(records)
