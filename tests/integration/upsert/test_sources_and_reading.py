"""The upsert's reading side on real local servers: moto's S3, gcp-storage-emulator and Azurite.

Every source form is listed, and files are streamed row group by row group with ranged reads,
through each cloud's own SDK; bad records read from storage are dropped or stop the load.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pyarrow as pa
import pytest

from airflow_provider_pinecone.storage import ObjectStore, StoredObject
from airflow_provider_pinecone.testing.datasets import DENSE_TYPE, dense_table, parquet_bytes, sparse_table
from airflow_provider_pinecone.upsert.checks import BadRecord, RowChecker
from airflow_provider_pinecone.upsert.encoding import encode_table, records_to_table
from airflow_provider_pinecone.upsert.reading import iter_row_groups
from airflow_provider_pinecone.upsert.sources import (
    SourceFile,
    UpsertSourceError,
    list_source_files,
    open_source_store,
)
from tests.integration.buckets import CLOUDS, SERVER_FIXTURES, Bucket, new_bucket

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture(params=CLOUDS)
def bucket(request, monkeypatch) -> Bucket:
    """A fresh bucket on each cloud's server in turn, reachable through the SDK's defaults."""
    bucket = new_bucket(request.param, request.getfixturevalue(SERVER_FIXTURES[request.param]))
    bucket.use_sdk_defaults(monkeypatch)
    return bucket


def listed(files: list[SourceFile]) -> list[tuple[str, str]]:
    return [(file.namespace, file.key) for file in files]


def read_all(bucket: Bucket, file: SourceFile, **kwargs) -> list:
    with open_source_store(bucket.uri(file.key)) as store:
        return list(iter_row_groups(store, file, **kwargs))


# ---- the three source forms -----------------------------------------------------------------------------


def test_an_import_directory_lists_each_namespace_folder_with_default_as_the_wire_default(bucket):
    bucket.put_all(
        {
            "imports/news/b.parquet": dense_table(3, 4),
            "imports/news/a.parquet": dense_table(2, 4),
            "imports/__default__/0.parquet": dense_table(1, 4),
            "imports/news/notes.txt": b"ignored",
            "imports/news/deeper/x.parquet": dense_table(1, 4),
            "imports/empty/": b"",
            "imports-old/news/0.parquet": dense_table(1, 4),
        }
    )

    files = list_source_files(bucket.uri("imports"))

    assert listed(files) == [
        ("", "imports/__default__/0.parquet"),
        ("news", "imports/news/a.parquet"),
        ("news", "imports/news/b.parquet"),
    ]
    assert files[1].url == bucket.uri("imports/news/a.parquet")
    assert files[1].size == len(parquet_bytes(dense_table(2, 4)))


@pytest.mark.parametrize(("namespace", "wire"), [("news", "news"), ("__default__", ""), ("", "")])
def test_a_namespace_directory_lists_the_files_directly_in_it(bucket, namespace, wire):
    bucket.put_all(
        {
            "batch/2.parquet": dense_table(1, 4),
            "batch/1.PARQUET": dense_table(1, 4),
            "batch/readme.md": b"ignored",
            "batch/old/0.parquet": dense_table(1, 4),
        }
    )
    files = list_source_files(bucket.uri("batch/"), namespace=namespace)
    assert listed(files) == [(wire, "batch/1.PARQUET"), (wire, "batch/2.parquet")]


@pytest.mark.parametrize(("namespace", "wire"), [(None, ""), ("news", "news"), ("__default__", "")])
def test_one_parquet_file_goes_to_the_given_namespace_or_the_default(bucket, namespace, wire):
    data = parquet_bytes(dense_table(4, 4))
    bucket.put_all({"dir/f.parquet": data, "dir/f.parquet.bak": b"x", "dir/f.parquet2": b"y"})
    (file,) = list_source_files(bucket.uri("dir/f.parquet"), namespace=namespace)
    assert file == SourceFile(wire, bucket.uri("dir/f.parquet"), "dir/f.parquet", len(data))


def test_a_missing_file_is_named(bucket):
    bucket.put("dir/other.parquet", dense_table(1, 4))
    with pytest.raises(UpsertSourceError, match=r"dir/f\.parquet does not exist"):
        list_source_files(bucket.uri("dir/f.parquet"))


@pytest.mark.parametrize(
    ("objects", "namespace", "expected"),
    [
        ({}, None, "No Parquet files found under"),
        ({"imports/ns/notes.txt": b"x"}, None, "No Parquet files found under"),
        ({}, "ns", "No Parquet files found directly under"),
        (
            {"imports/a.parquet": b"x", "imports/ns/b.parquet": b"y"},
            None,
            r"holds Parquet files directly inside it \(a\.parquet\).*Give namespace=",
        ),
        (
            {"imports/ns/b.parquet": b"y"},
            "ns",
            r"only in sub-directories \(ns/b\.parquet\).*Leave namespace= unset",
        ),
    ],
)
def test_a_source_with_nothing_to_upsert_says_what_to_give_instead(bucket, objects, namespace, expected):
    bucket.put_all(objects)
    with pytest.raises(UpsertSourceError, match=expected):
        list_source_files(bucket.uri("imports"), namespace=namespace)


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/imports",
        "s3://bucket/imports?X-Amz-Signature=SECRET",
        "https://account.blob.core.windows.net/c/f.parquet?sig=SECRET",
    ],
)
def test_a_uri_of_no_accepted_form_is_refused_without_its_secrets(uri):
    with pytest.raises(UpsertSourceError) as caught:
        list_source_files(uri)
    assert "SECRET" not in str(caught.value)
    assert "one .parquet file" in str(caught.value)


# ---- streaming row groups -------------------------------------------------------------------------------


def test_row_groups_stream_in_slices_that_mark_each_row_groups_end(bucket):
    table = dense_table(250, 8)
    bucket.put("f/data.parquet", parquet_bytes(table, row_group_size=100))
    (file,) = list_source_files(bucket.uri("f/data.parquet"))

    slices = read_all(bucket, file, max_rows=40)

    assert [(s.row_group, s.first_row, s.table.num_rows, s.last_in_row_group) for s in slices] == [
        (0, 0, 40, False),
        (0, 40, 40, False),
        (0, 80, 20, True),
        (1, 100, 40, False),
        (1, 140, 40, False),
        (1, 180, 20, True),
        (2, 200, 40, False),
        (2, 240, 10, True),
    ]
    assert pa.concat_tables(s.table for s in slices).equals(table)
    assert {s.row_groups for s in slices} == {3}


def test_resuming_at_a_row_group_reads_only_the_rest_of_the_file(bucket):
    table = dense_table(300, 512)
    data = parquet_bytes(table, row_group_size=100)
    bucket.put("f/data.parquet", data)
    (file,) = list_source_files(bucket.uri("f/data.parquet"))

    with open_source_store(bucket.uri(file.key)) as store:
        slices = list(iter_row_groups(store, file, start_row_group=2))
        read = store.counter.bytes_read

    assert [(s.row_group, s.first_row, s.last_in_row_group) for s in slices] == [(2, 200, True)]
    assert slices[0].table.equals(table.slice(200))
    assert read < len(data) / 2  # the first two row groups were never fetched
    assert read_all(bucket, file, start_row_group=3) == []  # every row group was done


def test_one_big_row_group_is_read_in_slices_with_many_ranged_requests(bucket):
    table = dense_table(2_000, 128)
    data = parquet_bytes(
        table, row_group_size=2_000, data_page_size=64 * 1024, write_batch_size=100, use_dictionary=False
    )
    bucket.put("f/big.parquet", data)
    (file,) = list_source_files(bucket.uri("f/big.parquet"))

    with open_source_store(bucket.uri(file.key)) as store:
        recording = RecordingStore(store)
        slices = list(iter_row_groups(recording, file, max_slice_bytes=64 * 1024, buffer_size=64 * 1024))

    sizes = [s.table.num_rows for s in slices]
    assert len(sizes) > 10 and max(sizes) * 128 * 4 <= 2 * 64 * 1024
    assert [s.last_in_row_group for s in slices] == [False] * (len(slices) - 1) + [True]
    assert pa.concat_tables(s.table for s in slices).equals(table)
    # The ~1 MB column chunk came a page (or a buffer) at a time, never in one piece. (Without
    # use_dictionary=False its first page would be a dictionary page of up to 1 MB, read whole.)
    assert len(recording.reads) > 10 and max(recording.reads) < len(data) / 8


class RecordingStore(ObjectStore):
    """``store``, remembering the size of every ranged read."""

    def __init__(self, store: ObjectStore) -> None:
        super().__init__(store.location)
        self._store = store
        self.reads: list[int] = []

    def list_objects(self) -> Iterator[StoredObject]:
        return self._store.list_objects()

    def read_range(self, key: str, start: int, end: int) -> bytes:
        self.reads.append(end - start)
        return self._store.read_range(key, start, end)


def test_a_row_group_without_rows_still_ends_with_a_slice_to_checkpoint(bucket):
    empty = dense_table(0, 4)
    bucket.put("f/empty.parquet", parquet_bytes(empty))
    (file,) = list_source_files(bucket.uri("f/empty.parquet"))
    slices = read_all(bucket, file)
    assert all(s.last_in_row_group and s.table.num_rows == 0 for s in slices)


def test_a_file_that_is_not_parquet_or_a_resume_past_its_end_is_refused(bucket):
    bucket.put_all({"f/junk.parquet": b"not parquet at all", "f/ok.parquet": dense_table(10, 4)})
    junk, ok = list_source_files(bucket.uri("f"), namespace="ns")
    with pytest.raises(UpsertSourceError, match=r"junk\.parquet is not a Parquet file"):
        read_all(bucket, junk)
    with pytest.raises(UpsertSourceError, match="has 1 row groups, so reading cannot resume at row group 5"):
        read_all(bucket, ok, start_row_group=5)


# ---- records read from storage, checked and encoded -----------------------------------------------------


def file_with_bad_rows() -> pa.Table:
    """Rows 0-99 clean; row 130 has NaN, row 170 has the wrong dimension; 3 row groups of 100."""
    table = dense_table(250, 4)
    values = table.column("values").to_pylist()
    values[130][2] = math.nan
    values[170] = values[170][:3]
    return table.set_column(1, "values", pa.array(values, DENSE_TYPE))


def test_continue_mode_drops_bad_rows_read_from_storage_and_upserts_the_rest(bucket):
    bucket.put("f/bad.parquet", parquet_bytes(file_with_bad_rows(), row_group_size=100))
    (file,) = list_source_files(bucket.uri("f/bad.parquet"))
    checker = RowChecker("dense", 4, "continue")

    fragments = []
    for piece in read_all(bucket, file, max_rows=60):
        fragments += encode_table(checker.check(piece.table, file.url, first_row=piece.first_row).table)

    assert len(fragments) == 248
    assert checker.skipped == {"record.non_finite": 1, "record.dimension_mismatch": 1}
    assert [(r.id, r.row, r.where) for r in checker.skipped_sample] == [
        ("rec-130", 130, file.url),
        ("rec-170", 170, file.url),
    ]


def test_abort_mode_stops_at_the_first_bad_row_naming_the_file_and_its_row(bucket):
    bucket.put("f/bad.parquet", parquet_bytes(file_with_bad_rows(), row_group_size=100))
    (file,) = list_source_files(bucket.uri("f/bad.parquet"))
    checker = RowChecker("dense", 4, "abort")
    checked_rows = 0
    with pytest.raises(BadRecord) as caught:
        for piece in read_all(bucket, file, max_rows=60):
            checked_rows += checker.check(piece.table, file.url, first_row=piece.first_row).table.num_rows
    assert checked_rows == 100  # the slices before the one holding row 130 (rows 100-159)
    assert f"'rec-130' at row 130 of {file.url}" in str(caught.value)
    assert "record.non_finite" in str(caught.value)


def test_a_sparse_file_for_a_sparse_index_reads_checks_and_encodes(bucket):
    bucket.put("s/__default__/0.parquet", sparse_table(30))
    (file,) = list_source_files(bucket.uri("s"))
    (piece,) = read_all(bucket, file)
    checked = RowChecker("sparse").check(piece.table, file.url)
    assert file.namespace == "" and len(encode_table(checked.table)) == 30


def test_records_take_the_same_path_as_a_file():
    records = [{"id": f"r{i}", "values": [0.1 * i, 0.2], "metadata": {"i": i}} for i in range(5)]
    records.append({"id": "bad", "values": [math.inf, 0.2]})
    checked = RowChecker("dense", 2).check(records_to_table(records), "records")
    assert len(encode_table(checked.table)) == 5 and checked.skipped_ids == ["bad"]
