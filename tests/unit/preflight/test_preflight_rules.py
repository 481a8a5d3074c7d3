"""The pre-flight rules as pure functions: synthetic listings, Arrow schemas and in-memory samples.

Layouts that can be built for real are also tested on real buckets in
tests/integration/preflight/test_preflight.py; the limits here (10 GB files, 10,000 namespaces, 100,000 files)
are tested on synthetic listings because they cannot be built locally.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from airflow_provider_pinecone.client.models import IndexModel
from airflow_provider_pinecone.preflight import limits
from airflow_provider_pinecone.preflight.index_rules import accepts, index_problems, index_type_of, namespace_problems
from airflow_provider_pinecone.preflight.layout import classify_listing, uri_problems
from airflow_provider_pinecone.preflight.problems import Problem, ProblemLog, Severity, error
from airflow_provider_pinecone.preflight.records import RecordChecks, RecordSample, sample_records
from airflow_provider_pinecone.preflight.report import ImportSourceReport, NamespaceSummary
from airflow_provider_pinecone.preflight.schema import infer_index_type, schema_problems, type_name
from airflow_provider_pinecone.storage import StoredObject, parse_import_uri

LOCATION = parse_import_uri("s3://bucket/imports")
DENSE = pa.list_(pa.float32())
SPARSE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(pa.float32()))])


def codes(problems: list[Problem]) -> list[str]:
    return sorted(p.code for p in problems)


def listing(*keys_and_sizes: tuple[str, int]) -> list[StoredObject]:
    return [StoredObject(f"imports/{key}", size) for key, size in keys_and_sizes]


# ---- limits, on synthetic listings ---------------------------------------------------------------


def test_a_file_over_10_gb_is_an_error_that_gives_the_limit_and_the_size():
    layout = classify_listing(LOCATION, listing(("ns/big.parquet", 10 * 1000**3 + 1), ("ns/ok.parquet", 10 * 1000**3)))
    (problem,) = layout.problems
    assert problem.code == "limits.file_size" and problem.severity is Severity.ERROR
    assert problem.path == "s3://bucket/imports/ns/big.parquet"
    assert "10.0 GB" in problem.message and "at most 10.0 GB" in problem.message


def test_a_namespace_over_500_gb_is_an_error():
    files = [(f"ns/{i}.parquet", 9 * 1000**3) for i in range(56)]  # 504 GB
    (problem,) = classify_listing(LOCATION, listing(*files)).problems
    assert problem.code == "limits.namespace_size"
    assert "504.0 GB" in problem.message and "500.0 GB" in problem.message


def test_more_than_10_000_namespaces_is_an_error():
    layout = classify_listing(LOCATION, listing(*((f"ns{i}/0.parquet", 10) for i in range(10_001))))
    assert codes(layout.problems) == ["limits.namespaces"]
    assert "10,001 namespaces" in layout.problems[0].message and "10,000" in layout.problems[0].message
    assert codes(classify_listing(LOCATION, listing(*((f"ns{i}/0.parquet", 10) for i in range(10_000)))).problems) == []


def test_more_than_100_000_files_is_an_error():
    files = ((f"ns{i % 100}/{i}.parquet", 10) for i in range(100_001))
    layout = classify_listing(LOCATION, listing(*files))
    assert codes(layout.problems) == ["limits.files"]
    assert "100,001 Parquet files" in layout.problems[0].message


# ---- layout ---------------------------------------------------------------------------------------


def test_layout_sorts_files_into_namespaces_and_ignores_folder_markers():
    layout = classify_listing(
        LOCATION,
        listing(("a/", 0), ("a/0.parquet", 5), ("a/1.PARQUET", 7), ("__default__/0.parquet", 3), ("b/", 0)),
    )
    assert {name: len(ns.files) for name, ns in layout.namespaces.items()} == {"a": 2, "__default__": 1, "b": 0}
    assert layout.namespaces["a"].bytes == 12
    assert codes(layout.problems) == ["layout.empty_namespace"]  # the empty folder b/


def test_a_parquet_file_directly_under_the_prefix_has_no_namespace():
    layout = classify_listing(LOCATION, listing(("0.parquet", 5), ("ns/0.parquet", 5)))
    (problem,) = layout.problems
    assert problem.code == "layout.no_namespace"
    assert problem.message.startswith('"0.parquet": No namespace detected.')


def test_no_parquet_anywhere():
    layout = classify_listing(LOCATION, listing(("readme.txt", 5)))
    assert codes(layout.problems) == ["layout.no_parquet_files", "layout.non_parquet_object"]
    assert 'No Parquet files found under "s3://bucket/imports"' in layout.problems[-1].message


def test_nested_and_non_parquet_objects_are_warnings():
    layout = classify_listing(LOCATION, listing(("ns/0.parquet", 5), ("ns/deep/1.parquet", 5), ("ns/_SUCCESS", 0)))
    assert [(p.code, p.severity) for p in sorted(layout.problems, key=lambda p: p.code)] == [
        ("layout.nested_too_deep", Severity.WARNING),
        ("layout.non_parquet_object", Severity.WARNING),
    ]
    assert [obj.key for _, obj in layout.parquet_files] == ["imports/ns/0.parquet"]


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("s3://bucket/imports/ns/0.parquet", "uri.is_file"),
        ("gs://bucket/0.parquet", "uri.is_file"),
        ("s3://fast-bucket--usw2-az1--x-s3/imports", "storage.express_one_zone"),
    ],
)
def test_uri_rules_need_no_request(uri, code):
    (problem,) = uri_problems(parse_import_uri(uri))
    assert problem.code == code


def test_uri_is_file_names_the_import_directory_to_use_instead():
    (problem,) = uri_problems(parse_import_uri("s3://bucket/imports/ns/0.parquet"))
    assert "It looks like you specified a complete path to a parquet file" in problem.message
    assert "s3://bucket/imports" in problem.message


def test_gcs_express_suffix_is_not_s3_express():
    assert uri_problems(parse_import_uri("gs://bucket--x-s3/imports")) == []


# ---- schema -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "index_type", "expected"),
    [
        ([("id", pa.string()), ("values", DENSE)], "dense", []),
        ([("id", pa.string()), ("values", DENSE), ("metadata", pa.string())], "dense", []),
        ([("id", pa.large_string()), ("values", pa.list_(pa.float32(), 4))], "dense", []),
        ([("id", pa.string()), ("sparse_values", SPARSE), ("metadata", pa.string())], "sparse", []),
        ([("id", pa.string()), ("values", DENSE), ("sparse_values", SPARSE)], "hybrid", []),
        ([("id", pa.string()), ("values", DENSE)], "hybrid", []),
        ([("id", pa.string())], "dense", ["parquet.missing_column"]),
        ([("values", DENSE)], "dense", ["parquet.missing_column"]),
        ([("id", pa.string()), ("values", DENSE)], "sparse", ["parquet.missing_column", "parquet.unsupported_column"]),
        ([("id", pa.string()), ("values", DENSE), ("sparse_values", SPARSE)], "dense", ["parquet.unsupported_column"]),
        ([("id", pa.string()), ("values", DENSE), ("title", pa.string())], "dense", ["parquet.unsupported_column"]),
        ([("id", pa.int64()), ("values", DENSE)], "dense", ["parquet.wrong_type"]),
        ([("id", pa.string()), ("values", pa.list_(pa.float64()))], "dense", ["parquet.wrong_type"]),
        (
            [("id", pa.string()), ("values", DENSE), ("metadata", pa.struct([("a", pa.int64())]))],
            "dense",
            ["parquet.wrong_type"],
        ),
        (
            [("id", pa.string()), ("sparse_values", pa.struct([("indices", pa.list_(pa.int64())), ("values", DENSE)]))],
            "sparse",
            ["parquet.wrong_type"],
        ),
    ],
)
def test_schema_rules_follow_the_import_guide_tables(fields, index_type, expected):
    assert codes(schema_problems(pa.schema(fields), index_type, "s3://b/x/ns/0.parquet")) == expected


def test_type_errors_use_pinecones_wording_and_say_how_to_fix():
    schema = pa.schema([("id", pa.string()), ("values", pa.list_(pa.float64())), ("metadata", pa.int64())])
    messages = sorted(p.message for p in schema_problems(schema, "dense", "f"))
    assert messages[0].startswith('The expected data type for column "values" is "LIST<FLOAT>", but got "LIST<DOUBLE>"')
    assert "pa.list_(pa.float32())" in messages[0]
    assert messages[1].startswith(
        'The expected data type for metadata is a JSON encoded string in UTF-8 format, but got "INT_64"'
    )


def test_missing_column_uses_pinecones_wording():
    (problem,) = schema_problems(pa.schema([("id", pa.string())]), "dense", "f")
    assert problem.message.startswith('Missing required column "values"')


def test_type_names_read_like_parquet_types():
    assert type_name(SPARSE) == "STRUCT<indices: LIST<UINT_32>, values: LIST<FLOAT>>"


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        (["id", "values"], "dense"),
        (["id", "sparse_values"], "sparse"),
        (["id", "values", "sparse_values"], "hybrid"),
        (["id"], None),
    ],
)
def test_index_type_is_inferred_from_columns(columns, kind):
    assert infer_index_type(columns) == kind


# ---- index ---------------------------------------------------------------------------------------


def index(**changes) -> IndexModel:
    fields = dict(name="idx", host="h", cloud="aws", dimension=4, metric="cosine", ready=True)
    fields.update(changes)
    return IndexModel(**fields)


@pytest.mark.parametrize(
    ("uri", "cloud", "ok"),
    [
        ("s3://b/p", "aws", True),
        ("s3://b/p", "gcp", False),
        ("s3://b/p", "azure", False),
        ("gs://b/p", "aws", True),
        ("gs://b/p", "azure", True),
        ("https://acct.blob.core.windows.net/c/p", "gcp", True),
        ("https://acct.blob.core.windows.net/c/p", "aws", True),
    ],
)
def test_cloud_compatibility_follows_the_seeds_matrix(uri, cloud, ok):
    problems = index_problems(parse_import_uri(uri), index(cloud=cloud))
    assert codes(problems) == ([] if ok else ["index.cloud_mismatch"])


def test_index_state_rules():
    location = parse_import_uri("s3://b/p")
    assert codes(index_problems(location, index(serverless=False))) == ["index.not_serverless"]
    assert codes(index_problems(location, index(ready=False, state="Initializing"))) == ["index.not_ready"]
    (embedding,) = index_problems(location, index(integrated_embedding=True, embedding_model="llama-text-embed-v2"))
    assert embedding.code == "index.integrated_embedding" and embedding.severity is Severity.WARNING
    assert "upsert" in embedding.message


def test_index_types_and_what_they_accept():
    assert index_type_of(index(vector_type="sparse", metric="dotproduct")) == "sparse"
    assert index_type_of(index(metric="dotproduct")) == "hybrid"
    assert index_type_of(index(metric="cosine")) == "dense"
    assert accepts("hybrid", "dense") and accepts("hybrid", "hybrid") and not accepts("dense", "hybrid")
    assert not accepts("sparse", "dense")


def test_existing_namespaces_and_a_non_empty_default_namespace():
    problems = namespace_problems(LOCATION, ["new", "old", "__default__"], {"old": 10, "": 3})
    assert codes(problems) == ["index.default_namespace_not_empty", "index.namespace_exists"]
    exists = next(p for p in problems if p.code == "index.namespace_exists")
    assert 'The namespace "old" already exists. Imports are only allowed into nonexistent namespaces' in exists.message
    assert namespace_problems(LOCATION, ["__default__"], {"__default__": 0}) == []


# ---- sampled records --------------------------------------------------------------------------------


def dense_table(rows: list[tuple]) -> pa.Table:
    ids, values, metadata = zip(*rows, strict=True)
    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "values": pa.array(values, DENSE),
            "metadata": pa.array(metadata, pa.string()),
        }
    )


def findings(table: pa.Table, index_type: str = "dense") -> dict[str, tuple[int, int]]:
    sample = sample_records(table, index_type, "f", "ns")
    return {code: (f.count, f.first_row) for code, f in sample.findings.items()}


def test_every_row_rule_is_found_with_its_count_and_first_row():
    table = dense_table(
        [
            ("ok", [1.0, 2.0], '{"a": 1}'),
            (None, [1.0, 3.0], None),
            ("", [1.0, 4.0], None),
            ("x" * 513, [1.0, 5.0], None),
            ("novec", None, None),
            ("empty", [], None),
            ("nan", [float("nan"), 1.0], None),
            ("inf", [float("inf"), 1.0], None),
            ("badjson", [1.0, 6.0], "{not json"),
            ("array", [1.0, 7.0], "[1, 2]"),
            ("nanjson", [1.0, 8.0], '{"a": NaN}'),
            ("huge", [1.0, 9.0], json.dumps({"t": "x" * limits.MAX_METADATA_BYTES})),
        ]
    )
    assert findings(table) == {
        "record.missing_id": (2, 1),
        "record.id_too_long": (1, 3),
        "record.missing_values": (2, 4),
        "record.non_finite": (2, 6),
        "record.invalid_metadata": (3, 8),
        "record.metadata_too_large": (1, 11),
    }


def test_sparse_rules():
    table = pa.table(
        {
            "id": ["a", "b", "c", "d"],
            "sparse_values": pa.array(
                [
                    {"indices": [1, 2], "values": [0.5, 0.5]},
                    {"indices": [1, 2, 3], "values": [0.5]},
                    None,
                    {"indices": [4], "values": [float("nan")]},
                ],
                SPARSE,
            ),
        }
    )
    assert findings(table, "sparse") == {
        "record.sparse_length_mismatch": (1, 1),
        "record.missing_values": (1, 2),
        "record.non_finite": (1, 3),
    }
    # In a hybrid index sparse values are optional.
    hybrid = table.append_column("values", pa.array([[1.0], [2.0], [3.0], [4.0]], DENSE))
    assert "record.missing_values" not in findings(hybrid, "hybrid")


def record_problems(samples: list[RecordSample], *, index_dimension: int | None, error_mode: str) -> list[Problem]:
    """Problems from every file's sample (given in key order), as pre-flight's file loop finds them."""
    checks = RecordChecks(index_dimension=index_dimension, error_mode=error_mode)
    return [problem for sample in samples for problem in checks.check(sample)]


def sample(rows, path="f", namespace="ns"):
    return sample_records(dense_table([(i, v, None) for i, v in rows]), "dense", path, namespace)


def test_dimension_rules_with_and_without_an_index():
    mixed = sample([("a", [1.0, 2.0]), ("b", [1.0, 2.0, 3.0]), ("c", [4.0, 5.0])])
    assert codes(record_problems([mixed], index_dimension=None, error_mode="continue")) == ["record.dimension_mismatch"]
    assert codes(record_problems([mixed], index_dimension=2, error_mode="continue")) == ["record.dimension_mismatch"]
    uniform = sample([("a", [1.0, 2.0, 3.0]), ("b", [4.0, 5.0, 6.0])])
    (problem,) = record_problems([uniform], index_dimension=2, error_mode="continue")
    assert (
        problem.code == "index.dimension_mismatch"
        and "dimension 3" in problem.message
        and "dimension 2" in problem.message
    )


def test_duplicate_ids_and_vectors_across_files_of_a_namespace():
    first = sample([("a", [1.0, 2.0]), ("b", [3.0, 4.0])], path="f0")
    second = sample([("a", [5.0, 6.0]), ("c", [1.0, 2.0])], path="f1")
    other_namespace = sample([("a", [1.0, 2.0])], path="g0", namespace="other")
    problems = record_problems([first, second, other_namespace], index_dimension=None, error_mode="continue")
    assert [(p.code, p.severity, p.path) for p in problems] == [
        ("record.duplicate_id", Severity.ERROR, "f1"),
        ("record.duplicate_vector", Severity.WARNING, "f1"),
    ]
    assert "f0 row 0" in problems[1].message and "records_imported" in problems[1].message
    aborting = record_problems([first, second], index_dimension=None, error_mode="abort")
    assert [(p.code, p.severity) for p in aborting][1] == ("record.duplicate_vector", Severity.ERROR)


# ---- problems and report --------------------------------------------------------------------------------


def test_the_problem_log_keeps_memory_bounded_and_counts_the_rest():
    log = ProblemLog(max_per_code=3)
    for i in range(10):
        log.add(error("record.missing_id", "m", f"f{i}"))
    assert len(log.kept) == 3 and log.omitted() == {"record.missing_id": 7}
    report = ImportSourceReport(uri="s3://b/p", errors=log.of(Severity.ERROR), omitted=log.omitted())
    assert report.problem_counts() == {"record.missing_id": 10}
    assert "record.missing_id x10" in report.error_summary() and "7 more errors" in report.error_summary()


def test_report_dict_and_table():
    report = ImportSourceReport(
        uri="s3://b/p",
        index_type="dense",
        namespaces={
            "a": NamespaceSummary(files=2, bytes=2_000, rows=30),
            "b": NamespaceSummary(files=1, bytes=500, rows=12),
        },
        warnings=[Problem("layout.non_parquet_object", Severity.WARNING, "ignored", "s3://b/p/a/x.txt")],
        requests=4,
        bytes_read=2_500,
    )
    data = report.to_dict()
    assert data["ok"] is True and data["total_rows"] == 42 and data["total_files"] == 3 and data["total_bytes"] == 2_500
    assert data["namespaces"]["a"] == {"files": 2, "bytes": 2000, "rows": 30}
    assert json.loads(json.dumps(data)) == data
    table = report.format_table()
    assert (
        "total" in table
        and "42" in table
        and "4 storage requests" in table
        and "WARNING layout.non_parquet_object" in table
    )


def test_duplicate_tracking_is_bounded_but_still_finds_repeats_of_what_it_remembers():
    checks = RecordChecks(index_dimension=None, error_mode="continue", max_tracked_keys=2)
    assert checks.check(sample([("a", [1.0]), ("b", [2.0])], path="f0")) == []
    # "c" is past the limit, so it is not remembered; "a" is, so its repeat is still found.
    assert checks.check(sample([("c", [3.0])], path="f1")) == []
    repeats = checks.check(sample([("a", [9.0]), ("c", [3.0])], path="f2"))
    assert [(p.code, p.message.split(" sampled")[0]) for p in repeats] == [("record.duplicate_id", "1")]


def test_metadata_nested_thousands_deep_is_invalid_not_a_crash():
    table = dense_table([("a", [1.0], "[" * 5000)])
    assert findings(table) == {"record.invalid_metadata": (1, 0)}


def test_metadata_is_judged_as_the_standard_library_judges_it():
    """orjson parses first (fast); where it refuses, json's verdict and wording stand."""
    sample = sample_records(
        dense_table(
            [
                ("big-int", [1.0, 2.0], '{"n": 123456789012345678901234567890}'),  # orjson refuses, json takes it
                ("nan", [1.0, 3.0], '{"n": NaN}'),
                ("trailing", [1.0, 4.0], '{"n": 1,}'),
            ]
        ),
        "dense",
        "f",
        "ns",
    )
    finding = sample.findings["record.invalid_metadata"]
    assert (finding.count, finding.first_row) == (2, 1)
    assert finding.detail == "Failed to parse metadata: NaN is not valid JSON"


def test_without_keys_no_id_or_vector_is_kept_for_the_duplicate_rules():
    table = dense_table([("a", [1.0, 2.0], None), ("a", [1.0, 2.0], None)])
    assert len(sample_records(table, "dense", "f", "ns").id_keys) == 2
    lean = sample_records(table, "dense", "f", "ns", keys=False)
    assert lean.id_keys == [] and lean.vector_keys == [] and lean.rows == 2


def test_huge_finite_values_are_not_non_finite_even_when_their_sum_overflows():
    table = pa.table(
        {
            "id": ["big", "bigger", "inf"],
            "values": pa.array([[1e308, 1e308], [1e308, 1.0], [float("-inf"), 1.0]], pa.list_(pa.float64())),
        }
    )
    assert findings(table) == {"record.non_finite": (1, 2)}
