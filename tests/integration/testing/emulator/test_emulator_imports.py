"""Real imports in the emulator: Parquet files on a local S3 server, loaded and failed as Pinecone does."""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

import httpx
import pyarrow as pa
import pytest

from airflow_provider_pinecone.testing.datasets import DENSE_TYPE, dense_table, parquet_bytes, sparse_table
from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from tests.integration.buckets import Bucket, new_bucket
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
HEADERS = {"Api-Key": "k", "X-Pinecone-Api-Version": "2026-07"}
TERMINAL = ("Completed", "Failed", "Cancelled")
# Real imports read files from a server; give them longer than the default bound.
wait_for = functools.partial(wait_until, timeout=20.0)


@pytest.fixture
def bucket(s3_server, monkeypatch) -> Bucket:
    """A fresh S3 bucket, with the SDK defaults (hence the emulator's imports) pointed at it."""
    b = new_bucket("s3", s3_server)
    b.use_sdk_defaults(monkeypatch)
    return b


class Importer:
    """Starts imports over HTTP on one index and waits for them."""

    def __init__(self, emulator: PineconeEmulator, index: str) -> None:
        self.emulator = emulator
        self.index = index
        self.url = f"http://{emulator.index_host(index)}"

    def start(self, uri: str, error_mode: str | None = None) -> str:
        body: dict[str, Any] = {"uri": uri}
        if error_mode:
            body["errorMode"] = {"onError": error_mode}
        response = httpx.post(f"{self.url}/bulk/imports", json=body, headers=HEADERS)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def describe(self, import_id: str) -> dict[str, Any]:
        return httpx.get(f"{self.url}/bulk/imports/{import_id}", headers=HEADERS).json()

    def run(self, uri: str, error_mode: str | None = None) -> dict[str, Any]:
        import_id = self.start(uri, error_mode)
        return wait_for(lambda: (m := self.describe(import_id))["status"] in TERMINAL and m)


@pytest.fixture
def importer(pinecone_emulator, make_pinecone_index) -> Importer:
    pinecone_emulator.set_import_behaviour(indexing_delay=0.05, file_delay=0.0)
    return Importer(pinecone_emulator, make_pinecone_index("dense-8", dimension=8))


def test_two_namespaces_complete_with_counts_in_stats(importer: Importer, bucket: Bucket) -> None:
    bucket.put_all(
        {
            "imports/alpha/0.parquet": dense_table(150, 8, start=0, seed=1),
            "imports/alpha/1.parquet": dense_table(100, 8, start=150, seed=2),
            "imports/beta/0.parquet": dense_table(120, 8, start=0, seed=3),
            "imports/README.txt": b"ignored",
        }
    )
    model = importer.run(bucket.uri())
    assert model["status"] == "Completed", model
    assert model["recordsImported"] == 370 and model["percentComplete"] == 100.0
    assert "finishedAt" in model and "error" not in model
    stats = httpx.post(f"{importer.url}/describe_index_stats", json={}, headers=HEADERS).json()
    assert stats["namespaces"] == {"alpha": {"vectorCount": 250}, "beta": {"vectorCount": 120}}
    assert stats["totalVectorCount"] == 370
    assert importer.emulator.namespace_counts(importer.index) == {"alpha": 250, "beta": 120}
    # Metadata arrives parsed; a record's own vector is its nearest neighbour.
    (record,) = importer.emulator.fetch(importer.index, "alpha", ["rec-3"])
    assert record.metadata == {"category": "travel", "position": 3}
    query = {"namespace": "alpha", "vector": list(record.values), "topK": 1, "includeMetadata": True}
    match = httpx.post(f"{importer.url}/query", json=query, headers=HEADERS).json()["matches"][0]
    assert match["id"] == "rec-3" and match["score"] == pytest.approx(1.0)


def test_progress_is_observable_then_indexing_delay(pinecone_emulator, importer: Importer, bucket: Bucket) -> None:
    pinecone_emulator.set_import_behaviour(file_delay=0.3, indexing_delay=0.5)
    bucket.put_all({f"imports/ns/{i}.parquet": dense_table(50, 8, start=i * 50, seed=i) for i in range(4)})
    import_id = importer.start(bucket.uri())
    partial = wait_for(lambda: (m := importer.describe(import_id))["recordsImported"] and m)
    assert partial["status"] == "InProgress" and 0 < partial["percentComplete"] < 100
    indexing = wait_for(lambda: (m := importer.describe(import_id))["percentComplete"] == 100.0 and m)
    assert indexing["status"] == "InProgress" and indexing["recordsImported"] == 200
    done = wait_for(lambda: (m := importer.describe(import_id))["status"] == "Completed" and m)
    assert done["recordsImported"] == 200


def test_cancel_mid_import_keeps_loaded_records(pinecone_emulator, importer: Importer, bucket: Bucket) -> None:
    pinecone_emulator.set_import_behaviour(file_delay=0.5)
    bucket.put_all({f"imports/ns/{i}.parquet": dense_table(10, 8, start=i * 10, seed=i) for i in range(10)})
    before = set(threading.enumerate())
    import_id = importer.start(bucket.uri())
    # The import's loader thread (a real import runs in one thread of its own, started with the import).
    (loader,) = {t for t in threading.enumerate() if t.name.startswith("pinecone-emulator-import-")} - before
    wait_for(lambda: importer.describe(import_id)["recordsImported"] >= 10)
    assert httpx.delete(f"{importer.url}/bulk/imports/{import_id}", headers=HEADERS).json() == {}
    cancelled = importer.describe(import_id)
    assert cancelled["status"] == "Cancelled" and 10 <= cancelled["recordsImported"] < 100
    # "Nothing more arrives after the cancel" is shown by the only writer ending, not by sleeping:
    # once the loader thread has exited nothing can write, so the count it left is final. A
    # cancel that did not stop the loader leaves it writing the remaining files (5 s at 0.5 s
    # each, well inside the bound) and the count below then exceeds what the cancel reported.
    wait_for(lambda: not loader.is_alive(), what="the cancelled import's loader thread to exit")
    assert importer.emulator.namespace_counts(importer.index) == {"ns": cancelled["recordsImported"]}
    assert importer.describe(import_id) == cancelled


def _bad_metadata_table() -> pa.Table:
    table = dense_table(5, 8, seed=7)
    metadata = ['{"ok": 1}', "not json", '{"ok": 3}', None, '{"ok": 5}']
    return table.set_column(2, "metadata", pa.array(metadata, pa.string()))


def test_abort_stops_at_the_first_invalid_record(importer: Importer, bucket: Bucket) -> None:
    bucket.put("imports/ns/0.parquet", _bad_metadata_table())
    model = importer.run(bucket.uri(), "abort")
    assert model["status"] == "Failed"
    assert model["error"].startswith(
        'User error: error reading record (file "/ns/0.parquet", row 1): Failed to parse metadata:'
    )
    assert model["recordsImported"] == 1  # row 0 was written before the invalid row


def test_continue_skips_invalid_records(importer: Importer, bucket: Bucket) -> None:
    bucket.put("imports/ns/0.parquet", _bad_metadata_table())
    model = importer.run(bucket.uri(), "continue")
    assert model["status"] == "Completed" and model["recordsImported"] == 4


def test_continue_fails_when_every_row_of_a_namespace_is_skipped(importer: Importer, bucket: Bucket) -> None:
    bucket.put("imports/ok/0.parquet", dense_table(5, 8, seed=1))
    bucket.put("imports/wrong/0.parquet", dense_table(5, 3, seed=2))  # dimension 3 into an index of 8
    model = importer.run(bucket.uri())
    assert model["status"] == "Failed"
    assert model["error"] == "User error: No vectors added, all rows were skipped for namespace: wrong"


def test_sparse_file_into_dense_index_in_abort_mode(pinecone_emulator, make_pinecone_index, bucket: Bucket) -> None:
    pinecone_emulator.set_import_behaviour(indexing_delay=0.0, file_delay=0.0)
    importer = Importer(pinecone_emulator, make_pinecone_index("sparse", vector_type="sparse"))
    bucket.put("imports/ns/0.parquet", dense_table(3, 8))
    model = importer.run(bucket.uri(), "abort")
    assert model["error"] == (
        'User error: error reading record (file "/ns/0.parquet", row 0): '
        "Upserting dense vectors is not supported for sparse indexes"
    )
    bucket.put("other/ns/0.parquet", sparse_table(30))
    assert importer.run(bucket.uri("other"))["recordsImported"] == 30


def test_identical_vectors_are_skipped_or_abort(importer: Importer, bucket: Bucket) -> None:
    table = dense_table(4, 8, seed=3)
    values = table.column("values").to_pylist()
    values[2] = values[0]
    table = table.set_column(1, "values", pa.array(values, DENSE_TYPE))
    bucket.put("imports/dups/0.parquet", table)
    bucket.put("again/dups2/0.parquet", table)
    assert importer.run(bucket.uri())["recordsImported"] == 3
    aborted = importer.run(bucket.uri("again"), "abort")
    assert aborted["status"] == "Failed" and "row 2" in aborted["error"] and "duplicate" in aborted["error"]


def _footer_garbage() -> bytes:
    return b"PAR1" + b"\x00" * 64 + b"garbage"


@pytest.mark.parametrize(
    ("objects", "uri_prefix", "expected"),
    [
        (
            {"imports/0.parquet": dense_table(2, 8)},
            "imports",
            'User error: "imports/0.parquet": No namespace detected. Each file should be nested under a subdirectory '
            "of the URI prefix. This indicates which namespace it should be imported into.",
        ),
        (
            {"imports/ns/readme.txt": b"x"},
            "imports",
            'User error: No Parquet files found under "{uri}". Files must be stored with the specified bucket prefix.',
        ),
        (
            {"imports/ns/0.parquet": dense_table(2, 8)},
            "imports/ns/0.parquet",
            'User error: "imports/ns/0.parquet": It looks like you specified a complete path to a parquet file',
        ),
        ({"imports/ns/0.parquet": pa.table({"id": ["a"]})}, "imports", 'User error: Missing required column "values"'),
        (
            {"imports/ns/0.parquet": dense_table(2, 8).append_column("extra", pa.array([1, 2]))},
            "imports",
            'User error: Unsupported column "extra"',
        ),
        (
            {"imports/ns/0.parquet": _footer_garbage()},
            "imports",
            "User error: Parquet footer could not be parsed. Are you sure this is valid parquet?",
        ),
        (
            {"imports/ns/0.parquet": pa.table({"id": ["a"], "values": pa.array([[1.0] * 8], pa.list_(pa.float64()))})},
            "imports",
            'User error: The expected data type for column "values" is "LIST<FLOAT>", but got "LIST<DOUBLE>"',
        ),
        (
            {"imports/ns/0.parquet": dense_table(1, 8, metadata=False).append_column("metadata", pa.array([3]))},
            "imports",
            "User error: The expected data type for metadata is a JSON encoded string in UTF-8 format, "
            'but got "INT_64"',
        ),
    ],
    ids=[
        "no-namespace",
        "no-parquet",
        "uri-is-file",
        "missing-column",
        "unsupported-column",
        "footer",
        "wrong-type",
        "metadata-type",
    ],
)
def test_documented_failures(importer: Importer, bucket: Bucket, objects, uri_prefix, expected) -> None:
    bucket.put_all(objects)
    model = importer.run(bucket.uri(uri_prefix))
    assert model["status"] == "Failed" and model["recordsImported"] == 0
    assert model["error"].startswith(expected.format(uri=bucket.uri(uri_prefix)))


def test_existing_and_default_namespaces(importer: Importer, bucket: Bucket) -> None:
    importer.emulator.upsert(importer.index, "taken", [{"id": "x", "values": [0.5] * 8}])
    bucket.put("imports/taken/0.parquet", dense_table(2, 8))
    assert importer.run(bucket.uri())["error"] == (
        'User error: The namespace "taken" already exists. Imports are only allowed into nonexistent namespaces.'
    )
    bucket.put("default/__default__/0.parquet", dense_table(2, 8))
    assert importer.run(bucket.uri("default"))["status"] == "Completed"
    failed = importer.run(bucket.uri("default"))
    assert failed["status"] == "Failed" and "default namespace" in failed["error"]


def test_s3_imports_only_into_aws_indexes(pinecone_emulator, make_pinecone_index, bucket: Bucket) -> None:
    importer = Importer(pinecone_emulator, make_pinecone_index("on-gcp", cloud="gcp"))
    bucket.put("imports/ns/0.parquet", dense_table(2, 8))
    model = importer.run(bucket.uri())
    assert model["status"] == "Failed" and "cannot import from Amazon S3" in model["error"]


def test_gcs_import(pinecone_emulator, make_pinecone_index, gcs_server, monkeypatch) -> None:
    pinecone_emulator.set_import_behaviour(indexing_delay=0.0, file_delay=0.0)
    bucket = new_bucket("gcs", gcs_server)
    bucket.use_sdk_defaults(monkeypatch)
    bucket.put("imports/ns/0.parquet", parquet_bytes(dense_table(20, 8)))
    importer = Importer(pinecone_emulator, make_pinecone_index("gcs-into-azure", cloud="azure"))
    assert importer.run(bucket.uri())["recordsImported"] == 20


def test_simulated_imports_stay_available(importer: Importer) -> None:
    importer.emulator.set_import_behaviour(duration=0.1, indexing_delay=0.0, records=7)
    model = importer.run("s3://does-not-exist/anywhere")
    assert model["status"] == "Completed" and model["recordsImported"] == 7
    assert json.dumps(model)  # plain JSON
