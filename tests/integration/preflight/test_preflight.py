"""Pre-flight on real buckets: moto's S3 server, gcp-storage-emulator and Azurite, over their protocols.

Every problem code that can be built locally is built here, in a real bucket, on all three clouds.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pyarrow as pa
import pytest

from airflow_provider_pinecone.client.models import IndexModel, IndexStats
from airflow_provider_pinecone.preflight import ImportSourceReport, validate_import_source
from airflow_provider_pinecone.testing.datasets import (
    DENSE_TYPE,
    SPARSE_TYPE,
    dense_table,
    hybrid_table,
    parquet_bytes,
    sparse_table,
)
from airflow_provider_pinecone.testing.object_stores import AZURITE_ACCOUNT
from tests.integration.buckets import CLOUDS, SERVER_FIXTURES, Bucket, new_bucket

pytestmark = pytest.mark.integration


@pytest.fixture(params=CLOUDS)
def bucket(request, monkeypatch) -> Bucket:
    """A fresh bucket on each cloud's server in turn, reachable through the SDK's defaults."""
    bucket = new_bucket(request.param, request.getfixturevalue(SERVER_FIXTURES[request.param]))
    bucket.use_sdk_defaults(monkeypatch)
    return bucket


def validate(bucket: Bucket, prefix: str = "imports", **kwargs: Any) -> ImportSourceReport:
    return validate_import_source(bucket.uri(prefix), **kwargs)


def codes(report: ImportSourceReport) -> list[str]:
    return sorted(p.code for p in report.errors + report.warnings)


def dense(n: int = 5, dimension: int = 4, start: int = 0, **kwargs: Any) -> pa.Table:
    return dense_table(n, dimension, start=start, seed=start, **kwargs)


def index(**changes: Any) -> IndexModel:
    fields = dict(name="idx", host="h", cloud="aws", dimension=4, metric="cosine", ready=True)
    fields.update(changes)
    return IndexModel(**fields)


# ---- valid layouts pass everywhere ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "table", "idx"),
    [
        ("dense", lambda start: dense_table(20, 4, start=start, seed=start), index()),
        (
            "sparse",
            lambda start: sparse_table(20, start=start, seed=start),
            index(vector_type="sparse", dimension=None, metric="dotproduct"),
        ),
        ("hybrid", lambda start: hybrid_table(20, 4, start=start, seed=start), index(metric="dotproduct")),
    ],
)
def test_valid_layouts_pass_with_and_without_an_index(bucket, kind, table, idx):
    bucket.put("imports/ns1/0.parquet", table(0))
    bucket.put("imports/ns1/1.parquet", table(20))
    bucket.put("imports/__default__/0.parquet", table(40))
    for kwargs in ({}, {"index": idx, "existing_namespaces": {"other": 3}}):
        report = validate(bucket, sample_rows=50, error_mode="abort", **kwargs)
        assert report.ok and report.warnings == [], report.format_table()
        assert report.index_type == kind
        assert {name: (ns.files, ns.rows) for name, ns in report.namespaces.items()} == {
            "ns1": (2, 40),
            "__default__": (1, 20),
        }
        assert report.total_rows == 60 and report.sampled_rows == 60
    # One listing page and one ranged read per file: the footer is inside the 64 KiB tail.
    assert (
        validate(
            bucket,
        ).requests
        == 1 + 3
    )


# ---- every code, built in a real bucket ------------------------------------------------------------------


BAD_VALUES = pa.table({"id": ["a"], "values": pa.array([[1.0, 2.0]], pa.list_(pa.float64()))})
BAD_METADATA = pa.table({"id": ["a"], "values": pa.array([[1.0, 2.0]], DENSE_TYPE), "metadata": pa.array([7])})
EXTRA_COLUMN = dense().append_column("title", pa.array(["t"] * 5))
NO_VALUES = pa.table({"id": ["a", "b"], "metadata": ['{"a": 1}', '{"a": 2}']})
SPARSE_FILE = sparse_table(5)


def _records_file() -> pa.Table:
    rows = [
        ("ok", [1.0, 2.0, 3.0, 4.0], None, '{"a": 1}'),
        (None, [1.0, 2.0, 3.0, 5.0], None, None),
        ("x" * 600, [1.0, 2.0, 3.0, 6.0], None, None),
        ("novec", None, None, None),
        ("short", [1.0, 2.0], None, None),
        ("nan", [float("nan"), 1.0, 1.0, 1.0], None, None),
        ("badjson", [1.0, 2.0, 3.0, 7.0], None, "{oops"),
        ("big", [1.0, 2.0, 3.0, 8.0], None, json.dumps({"t": "x" * 50_000})),
        ("ok", [1.0, 2.0, 3.0, 4.0], None, None),
    ]
    ids, values, _, metadata = zip(*rows, strict=True)
    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "values": pa.array(values, DENSE_TYPE),
            "metadata": pa.array(metadata, pa.string()),
        }
    )


CASES: dict[str, tuple[dict[str, Any], dict[str, Any], list[str]]] = {
    # name: (files, validate kwargs, expected codes)
    "no_namespace": ({"imports/0.parquet": dense(), "imports/ns/0.parquet": dense()}, {}, ["layout.no_namespace"]),
    "no_parquet_files": ({"imports/notes.txt": b"x"}, {}, ["layout.no_parquet_files", "layout.non_parquet_object"]),
    "empty_namespace": (
        {"imports/ns/0.parquet": dense(), "imports/empty/readme.md": b"x"},
        {},
        ["layout.empty_namespace", "layout.non_parquet_object"],
    ),
    "nested_too_deep": (
        {"imports/ns/0.parquet": dense(), "imports/ns/2024/1.parquet": dense()},
        {},
        ["layout.nested_too_deep"],
    ),
    "non_parquet_object": (
        {"imports/ns/0.parquet": dense(), "imports/ns/_SUCCESS": b""},
        {},
        ["layout.non_parquet_object"],
    ),
    "unreadable_footer": ({"imports/ns/0.parquet": b"this is not parquet at all"}, {}, ["parquet.unreadable_footer"]),
    "truncated_file": ({"imports/ns/0.parquet": parquet_bytes(dense())[:-20]}, {}, ["parquet.unreadable_footer"]),
    "missing_column": ({"imports/ns/0.parquet": NO_VALUES}, {}, ["parquet.missing_column"]),
    "unsupported_column": ({"imports/ns/0.parquet": EXTRA_COLUMN}, {}, ["parquet.unsupported_column"]),
    "wrong_type_values": ({"imports/ns/0.parquet": BAD_VALUES}, {}, ["parquet.wrong_type"]),
    "wrong_type_metadata": ({"imports/ns/0.parquet": BAD_METADATA}, {}, ["parquet.wrong_type"]),
    "held_to_first_type": (
        {"imports/a/0.parquet": dense(), "imports/b/0.parquet": SPARSE_FILE},
        {},
        ["parquet.missing_column", "parquet.unsupported_column"],
    ),
    "cloud_mismatch": ({"imports/ns/0.parquet": dense()}, {"index": index(cloud="gcp")}, ["index.cloud_mismatch"]),
    "not_serverless": ({"imports/ns/0.parquet": dense()}, {"index": index(serverless=False)}, ["index.not_serverless"]),
    "not_ready": ({"imports/ns/0.parquet": dense()}, {"index": index(ready=False)}, ["index.not_ready"]),
    "integrated_embedding": (
        {"imports/ns/0.parquet": dense()},
        {"index": index(integrated_embedding=True)},
        ["index.integrated_embedding"],
    ),
    "vector_type_mismatch": (
        {"imports/ns/0.parquet": SPARSE_FILE},
        {"index": index()},
        ["index.vector_type_mismatch"],
    ),
    "namespace_exists": (
        {"imports/ns/0.parquet": dense()},
        {
            "index": index(),
            "existing_namespaces": IndexStats.from_api({"namespaces": {"ns": {"vectorCount": 3}}}).namespaces,
        },
        ["index.namespace_exists"],
    ),
    "default_namespace_not_empty": (
        {"imports/__default__/0.parquet": dense()},
        {"index": index(), "existing_namespaces": {"": 12}},
        ["index.default_namespace_not_empty"],
    ),
    "dimension_mismatch": (
        {"imports/ns/0.parquet": dense(dimension=8)},
        {"index": index(), "sample_rows": 10},
        ["index.dimension_mismatch"],
    ),
    "dimension_mismatch_in_footer": (
        {"imports/ns/0.parquet": pa.table({"id": ["a"], "values": pa.array([[1.0] * 8], pa.list_(pa.float32(), 8))})},
        {"index": index(), "sample_rows": 5},  # reported once, not again from the sample
        ["index.dimension_mismatch"],
    ),
    "records": (
        {"imports/ns/0.parquet": _records_file()},
        {"sample_rows": 100},
        [
            "record.dimension_mismatch",
            "record.duplicate_id",
            "record.duplicate_vector",
            "record.id_too_long",
            "record.invalid_metadata",
            "record.metadata_too_large",
            "record.missing_id",
            "record.missing_values",
            "record.non_finite",
        ],
    ),
    "sparse_length_mismatch": (
        {
            "imports/ns/0.parquet": pa.table(
                {"id": ["a"], "sparse_values": pa.array([{"indices": [1, 2], "values": [0.5]}], SPARSE_TYPE)}
            )
        },
        {"sample_rows": 10},
        ["record.sparse_length_mismatch"],
    ),
    "duplicate_across_files": (
        {"imports/ns/0.parquet": dense(3), "imports/ns/1.parquet": dense(3)},
        {"sample_rows": 10},
        ["record.duplicate_id", "record.duplicate_vector"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_problem_is_found_in_a_real_bucket(bucket, case):
    files, kwargs, expected = CASES[case]
    if case == "cloud_mismatch" and bucket.cloud != "s3":
        expected = []  # the seeds' matrix: GCS and Azure import into an index on any cloud
    bucket.put_all(files)
    report = validate(bucket, **kwargs)
    assert codes(report) == expected, report.format_table()
    for problem in report.errors + report.warnings:
        assert problem.message and problem.code.split(".")[0] in {"layout", "parquet", "index", "record", "limits"}


def test_duplicate_vectors_are_errors_only_when_aborting(bucket):
    bucket.put_all(
        {
            "imports/ns/0.parquet": dense(3),
            "imports/ns/1.parquet": dense(3, start=3).set_column(1, "values", dense(3).column("values")),
        }
    )
    continuing = validate(bucket, sample_rows=10)
    assert [p.code for p in continuing.warnings] == ["record.duplicate_vector"] and continuing.ok
    aborting = validate(bucket, sample_rows=10, error_mode="abort")
    assert [p.code for p in aborting.errors] == ["record.duplicate_vector"]


def test_uri_rules_make_no_request(s3_server, monkeypatch):
    bucket = new_bucket("s3", s3_server)
    bucket.use_sdk_defaults(monkeypatch)
    bucket.put("imports/ns/0.parquet", dense())
    s3_server.reset_counts()
    for uri, code in (
        (bucket.uri("imports/ns/0.parquet"), "uri.is_file"),
        ("s3://data--use1-az4--x-s3/imports", "storage.express_one_zone"),
        ("ftp://x/y", "uri.invalid"),
    ):
        report = validate_import_source(uri)
        assert [p.code for p in report.errors] == [code]
    assert s3_server.request_counts() == {}  # counted by the server itself


@pytest.mark.parametrize(
    "uri",
    [
        "https://acct.blob.core.windows.net/c/imports?sv=2022-11-02&sig=SECRETSIG",
        "s3://AKIAEXAMPLE:SECRETKEY@bucket/imports",
        "https://user:SECRETPW@acct.blob.core.windows.net/c/imports",
    ],
)
def test_a_rejected_uri_never_echoes_its_secret(uri):
    report = validate_import_source(uri)
    assert [p.code for p in report.errors] == ["uri.invalid"]
    shown = json.dumps(report.to_dict()) + report.format_table() + report.error_summary()
    assert "SECRET" not in shown


def test_undecodable_text_is_reported_not_raised(bucket):
    bad_utf8 = pa.array([b"ok", b"\xff\xfe"], pa.binary()).view(pa.string())
    bucket.put("imports/ns/0.parquet", pa.table({"id": bad_utf8, "values": pa.array([[1.0], [2.0]], DENSE_TYPE)}))
    report = validate(bucket, sample_rows=5)
    assert [p.code for p in report.errors] == ["parquet.unreadable_data"]


def test_a_missing_bucket_or_an_empty_prefix_is_not_found(bucket):
    (missing,) = validate_import_source(bucket.uri().replace(bucket.name, bucket.name + "-missing")).errors
    assert missing.code == "storage.not_found" and bucket.name + "-missing" in missing.message
    (empty,) = validate(bucket, "nothing-here").errors
    assert empty.code == "storage.not_found"


def test_a_sibling_prefix_is_not_part_of_the_import(bucket):
    bucket.put_all({"imports/ns/0.parquet": dense(), "imports-old/0.parquet": dense()})
    report = validate(
        bucket,
    )
    assert report.ok and report.total_files == 1


def test_a_footer_larger_than_the_tail_costs_one_more_request(bucket):
    # Hundreds of columns' worth of statistics would do; a long key-value metadata is simpler.
    table = dense(3).replace_schema_metadata({"padding": "x" * 100_000})
    bucket.put_all({"imports/ns/0.parquet": table, "imports/ns/1.parquet": dense(3, start=3)})
    report = validate(
        bucket,
    )
    assert report.ok and report.total_rows == 6
    assert report.requests == 1 + 2 + 1  # listing, two tails, the rest of the big footer


# ---- the operator, through dag.test() ------------------------------------------------------------------


@pytest.fixture
def s3_bucket(s3_server, monkeypatch) -> Bucket:
    bucket = new_bucket("s3", s3_server)
    bucket.use_sdk_defaults(monkeypatch)
    return bucket


def _run_validate(dag_id: str, uri: str, key: str = "return_value") -> tuple[str, Any, int]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from tests.integration.conftest import load_dag

    run = load_dag(dag_id, "preflight_dags").test(run_conf={"uri": uri})
    (ti,) = run.get_task_instances()
    with create_session() as session:
        row = session.query(XComModel).filter_by(run_id=run.run_id, task_id="validate", key=key).one_or_none()
    return ti.state, (row.value if row else None), ti.try_number


@pytest.mark.usefixtures("airflow_db")
def test_the_operator_pushes_the_report_and_logs_the_table(s3_bucket, capfd):
    s3_bucket.put_all({"imports/a/0.parquet": dense(7), "imports/b/0.parquet": dense(5, start=7)})
    state, report, _ = _run_validate("preflight_source_only", s3_bucket.uri())
    assert state == "success"
    assert report["ok"] is True and report["total_rows"] == 12 and report["namespaces"]["b"]["rows"] == 5
    assert report["sampled_rows"] == 12 and report["requests"] == 3
    out = capfd.readouterr().out
    assert "Pre-flight of " + s3_bucket.uri() in out and "total" in out


@pytest.mark.usefixtures("airflow_db")
def test_the_operator_fails_once_with_every_error(s3_bucket, capfd):
    s3_bucket.put_all(
        {"imports/0.parquet": dense(), "imports/a/0.parquet": b"not parquet", "imports/b/0.parquet": EXTRA_COLUMN},
    )
    state, report, tries = _run_validate("preflight_source_only", s3_bucket.uri(), key="preflight_report")
    assert state == "failed"
    assert tries == 1  # bad data is not retried, although the task has retries=2
    out = capfd.readouterr().out
    for code in ("layout.no_namespace", "parquet.unreadable_footer", "parquet.unsupported_column"):
        assert code in out
    assert "Pre-flight found 3 errors" in out and "key 'preflight_report'" in out
    # The failed task has no return value; its whole report is under its own key.
    assert report["ok"] is False and len(report["errors"]) == 3


@pytest.mark.usefixtures("airflow_db")
def test_the_operator_checks_the_index_through_the_hook(s3_bucket, pinecone_conn, capfd):
    # The fixture index is dense, dimension 8, on AWS.
    s3_bucket.put_all({"imports/right/0.parquet": dense(dimension=8)})
    state, report, _ = _run_validate("preflight_against_index", s3_bucket.uri())
    assert state == "success" and report["index_type"] == "dense"
    s3_bucket.put_all({"imports2/wrong/0.parquet": dense(dimension=4)})
    state, _, _ = _run_validate("preflight_against_index", s3_bucket.uri("imports2"))
    assert state == "failed"
    assert "index.dimension_mismatch" in capfd.readouterr().out


@pytest.mark.usefixtures("airflow_db")
def test_fail_on_warnings(s3_bucket, capfd):
    s3_bucket.put_all({"imports/a/0.parquet": dense(), "imports/a/_SUCCESS": b""})
    state, _, _ = _run_validate("preflight_strict", s3_bucket.uri())
    assert state == "failed"
    assert "fail_on_warnings" in capfd.readouterr().out


def test_access_denied_is_a_problem_that_never_shows_the_key(azurite_server, monkeypatch):
    # Of the three local servers only Azurite checks credentials: a wrong account key gets a 403.
    from airflow_provider_pinecone.testing.object_stores import AZURITE_KEY

    name = f"pf-{uuid.uuid4().hex[:12]}"
    azurite_server.create_bucket(name)
    azurite_server.put(name, "imports/ns/0.parquet", parquet_bytes(dense()))
    wrong_key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ=="
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite_server.connection_string.replace(AZURITE_KEY, wrong_key)
    )
    report = validate_import_source(f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/{name}/imports")
    assert [p.code for p in report.errors] == ["storage.access_denied"]
    assert wrong_key not in json.dumps(report.to_dict()) and wrong_key not in report.format_table()


@pytest.mark.usefixtures("airflow_db")
def test_an_index_name_alone_checks_that_index_through_the_default_connection(s3_bucket, pinecone_conn, capfd):
    s3_bucket.put("imports/ns/0.parquet", dense(dimension=4))  # the fixture index has dimension 8
    s3_bucket.put(
        "imports/ns/1.parquet", pa.table({"id": ["a"], "values": pa.array([[1.0] * 4], pa.list_(pa.float32(), 4))})
    )
    state, _, _ = _run_validate("preflight_index_name_only", s3_bucket.uri())
    assert state == "failed"
    assert "index.dimension_mismatch" in capfd.readouterr().out


@pytest.mark.usefixtures("airflow_db")
def test_a_missing_sdk_fails_the_task_once_and_names_the_extra(s3_bucket, monkeypatch, capfd):
    import sys

    s3_bucket.put("imports/ns/0.parquet", dense())
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if airflow-provider-pinecone[s3] were not installed
    state, _, tries = _run_validate("preflight_source_only", s3_bucket.uri())
    assert state == "failed" and tries == 1
    assert "install airflow-provider-pinecone[s3]" in capfd.readouterr().out
