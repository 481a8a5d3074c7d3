"""RowChecker: which rows an upsert drops or stops at, by pre-flight's record rules and the index's dimension."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from airflow_provider_pinecone.preflight.limits import MAX_ID_CHARS, MAX_METADATA_BYTES
from airflow_provider_pinecone.testing.datasets import DENSE_TYPE, SPARSE_TYPE, dense_table, hybrid_table, sparse_table
from airflow_provider_pinecone.upsert.checks import BadRecord, RowChecker
from airflow_provider_pinecone.upsert.encoding import records_to_table
from airflow_provider_pinecone.upsert.sources import UpsertSourceError

WHERE = "s3://bucket/imports/ns/part-0.parquet"


def dense(rows: list[tuple[str | None, list[float] | None, str | None]]) -> pa.Table:
    ids, values, metadata = zip(*rows, strict=True)
    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "values": pa.array(values, DENSE_TYPE),
            "metadata": pa.array(metadata, pa.string()),
        }
    )


def sparse(rows: list[tuple[str, dict | None]]) -> pa.Table:
    ids, vectors = zip(*rows, strict=True)
    return pa.table({"id": pa.array(ids, pa.string()), "sparse_values": pa.array(vectors, SPARSE_TYPE)})


# One dense row per rule: (id, values, metadata) -> the rule code it breaks.
BAD_DENSE_ROWS = {
    "record.missing_id": (None, [0.1, 0.2, 0.3], None),
    "record.id_too_long": ("x" * (MAX_ID_CHARS + 1), [0.1, 0.2, 0.3], None),
    "record.missing_values": ("no-values", None, None),
    "record.non_finite": ("nan", [0.1, math.nan, 0.3], None),
    "record.invalid_metadata": ("array-metadata", [0.1, 0.2, 0.3], "[1, 2]"),
    "record.metadata_too_large": (
        "big-metadata",
        [0.1, 0.2, 0.3],
        json.dumps({"text": "x" * MAX_METADATA_BYTES}),
    ),
    "record.dimension_mismatch": ("short", [0.1, 0.2], None),
}


def test_a_clean_table_passes_whole_and_unchanged():
    table = dense_table(50, 8)
    checked = RowChecker("dense", 8).check(table, WHERE)
    assert checked.table is table
    assert not checked.skipped and checked.skipped_ids == []


@pytest.mark.parametrize("code", sorted(BAD_DENSE_ROWS))
def test_continue_drops_each_bad_dense_row_and_counts_it_by_rule(code):
    good = ("good-1", [0.1, 0.2, 0.3], '{"a": 1}')
    table = dense([good, BAD_DENSE_ROWS[code], ("good-2", [0.4, 0.5, 0.6], None)])
    checker = RowChecker("dense", 3)

    checked = checker.check(table, WHERE)

    assert checked.table.column("id").to_pylist() == ["good-1", "good-2"]
    assert checked.skipped == {code: 1}
    (skipped,) = checked.skipped_records
    assert (skipped.reason, skipped.where, skipped.row) == (code, WHERE, 1)
    assert skipped.id == BAD_DENSE_ROWS[code][0]
    assert checker.skipped == {code: 1}


def test_non_finite_values_of_every_kind_are_skipped():
    table = dense(
        [
            ("inf", [math.inf, 0.0, 0.0], None),
            ("-inf", [0.0, -math.inf, 0.0], None),
            ("null-item", [0.0, None, 0.0], None),
            ("ok", [0.0, 0.0, 0.0], None),
        ]
    )
    checked = RowChecker("dense", 3).check(table, WHERE)
    assert checked.skipped == {"record.non_finite": 3}
    assert checked.table.column("id").to_pylist() == ["ok"]


def test_invalid_json_metadata_is_skipped():
    table = dense([("broken", [0.0, 0.0, 0.0], '{"a": NaN}'), ("ok", [0.0, 0.0, 0.0], '{"a": null}')])
    checked = RowChecker("dense", 3).check(table, WHERE)
    assert checked.skipped == {"record.invalid_metadata": 1}


@pytest.mark.parametrize(
    ("vector", "code"),
    [
        ({"indices": [1, 2], "values": [0.5]}, "record.sparse_length_mismatch"),
        ({"indices": [], "values": []}, "record.missing_values"),
        (None, "record.missing_values"),
        ({"indices": [3], "values": [math.inf]}, "record.non_finite"),
    ],
)
def test_bad_sparse_rows_are_skipped_for_a_sparse_index(vector, code):
    table = sparse([("ok", {"indices": [1], "values": [0.5]}), ("bad", vector)])
    checked = RowChecker("sparse").check(table, WHERE)
    assert checked.skipped == {code: 1}
    assert checked.skipped_ids == ["bad"]


def test_a_hybrid_row_may_leave_out_its_sparse_part():
    table = hybrid_table(3, 4)
    no_sparse = table.set_column(2, "sparse_values", pa.array([None, {"indices": [], "values": []}, None], SPARSE_TYPE))
    assert not RowChecker("hybrid", 4).check(no_sparse, WHERE).skipped


def test_repeated_ids_are_not_errors_for_an_upsert():
    table = dense([("same", [0.1, 0.2, 0.3], None), ("same", [0.1, 0.2, 0.3], None)])
    checked = RowChecker("dense", 3, "abort").check(table, WHERE)
    assert checked.table.num_rows == 2 and not checked.skipped


def test_without_an_index_dimension_the_first_record_sets_it_across_tables():
    checker = RowChecker("dense", None)
    first = checker.check(dense([("a", [0.1, 0.2], None), ("b", [0.1, 0.2, 0.3], None)]), WHERE)
    later = checker.check(dense([("c", [0.1, 0.2, 0.3], None), ("d", [0.5, 0.6], None)]), WHERE)
    assert first.skipped_ids == ["b"] and later.skipped_ids == ["c"]
    assert "dimension 3, not 2 (the dimension of the first record)" in first.skipped_records[0].detail
    assert checker.skipped == {"record.dimension_mismatch": 2}


def test_row_numbers_count_from_the_slices_first_row_of_the_file():
    table = dense([("ok", [0.1, 0.2, 0.3], None), ("bad", [math.nan, 0.2, 0.3], None)])
    (skipped,) = RowChecker("dense", 3).check(table, WHERE, first_row=5_000).skipped_records
    assert skipped.row == 5_001
    assert (
        str(skipped)
        == f"'bad' at row 5,001 of {WHERE}: record.non_finite (column \"values\" holds NaN, infinity or null)"
    )


def test_the_sample_of_skipped_records_is_bounded_per_table_and_over_the_run():
    rows = [(f"bad-{i}", [math.nan, 0.0, 0.0], None) for i in range(15)]
    checker = RowChecker("dense", 3, max_skipped_sample=10)
    first = checker.check(dense(rows), WHERE)
    second = checker.check(dense(rows), WHERE, first_row=15)
    assert first.skipped == second.skipped == {"record.non_finite": 15}
    assert first.skipped_ids == [f"bad-{i}" for i in range(10)]
    assert len(second.skipped_records) == 10
    assert checker.skipped == {"record.non_finite": 30}
    assert [r.id for r in checker.skipped_sample] == [f"bad-{i}" for i in range(10)]


def test_abort_stops_at_the_first_bad_row_naming_file_row_id_rule_and_fix():
    table = dense(
        [
            ("ok", [0.1, 0.2, 0.3], None),
            ("too-short", [0.1, 0.2], None),
            ("nan", [math.nan, 0.2, 0.3], None),
        ]
    )
    with pytest.raises(BadRecord) as caught:
        RowChecker("dense", 3, "abort").check(table, WHERE, first_row=100)
    message = str(caught.value)
    assert caught.value.record.row == 101
    assert f"'too-short' at row 101 of {WHERE}" in message
    assert "record.dimension_mismatch" in message and "dimension 2, not 3" in message
    assert "error_mode='continue'" in message
    assert isinstance(caught.value, UpsertSourceError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize("code", sorted(set(BAD_DENSE_ROWS) - {"record.dimension_mismatch"}))
def test_abort_words_each_rule_with_pre_flights_fix(code):
    from airflow_provider_pinecone.preflight.records import rule_text

    with pytest.raises(BadRecord) as caught:
        RowChecker("dense", 3, error_mode="ABORT").check(dense([BAD_DENSE_ROWS[code]]), WHERE)
    assert code in str(caught.value)
    assert rule_text(code)[1] in str(caught.value)
    assert len(str(caught.value)) < 600  # an id of any length is shortened


@pytest.mark.parametrize(
    ("table", "index_type", "expected"),
    [
        (pa.table({"id": ["a"], "metadata": ["{}"]}), "dense", 'Missing required column "values"'),
        (
            pa.table({"id": ["a"], "values": pa.array([[0.1]], pa.list_(pa.float64()))}),
            "dense",
            "64-bit floats are not accepted",
        ),
        (hybrid_table(1, 4), "dense", 'Unsupported column "sparse_values"'),
        (dense_table(1, 4), "sparse", 'Missing required column "sparse_values"'),
    ],
)
def test_columns_that_do_not_fit_the_index_fail_the_load_in_either_mode(table, index_type, expected):
    with pytest.raises(UpsertSourceError, match=expected):
        RowChecker(index_type, None).check(table, WHERE)


def test_sparse_and_hybrid_tables_of_the_datasets_pass():
    assert not RowChecker("sparse").check(sparse_table(20), WHERE).skipped
    assert not RowChecker("hybrid", 4).check(hybrid_table(20, 4), WHERE).skipped


def test_records_go_through_the_same_checks():
    records = [
        {"id": "a", "values": [0.1, 0.2], "metadata": {"genre": "news"}},
        {"id": "b", "values": [0.1, float("nan")]},
        {"id": "c", "values": [0.1, 0.2], "metadata": "not json"},
    ]
    checked = RowChecker("dense", 2).check(records_to_table(records), "records")
    assert checked.table.column("id").to_pylist() == ["a"]
    assert checked.skipped == {"record.non_finite": 1, "record.invalid_metadata": 1}


@pytest.mark.parametrize(
    ("arguments", "expected"), [(("dense", 3, "skip"), "error_mode"), (("vector", 3), "index_type")]
)
def test_bad_arguments_are_refused(arguments, expected):
    with pytest.raises(ValueError, match=expected):
        RowChecker(*arguments)


def test_checking_and_encoding_a_clean_table_never_imports_pandas(tmp_path):
    # pyarrow's to_numpy, pa.array and Python-scalar compute arguments import pandas: ~1 s of CPU
    # and ~50 MiB in every upsert task, for nothing.
    pq.write_table(dense_table(20, 8), tmp_path / "f.parquet")
    script = f"""
import sys
import pyarrow as pa
import pyarrow.parquet as pq
from airflow_provider_pinecone.upsert.checks import RowChecker
from airflow_provider_pinecone.upsert.encoding import encode_table
table = pa.Table.from_batches(pq.ParquetFile({str(tmp_path / "f.parquet")!r}).iter_batches())  # as reading.py
assert len(encode_table(RowChecker("dense", 8).check(table, "f").table)) == 20
print(sorted(m for m in sys.modules if m.split(".")[0] == "pandas"))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
