"""DAGs whose task instances the UI plugin's tests look at (tests/integration/plugin).

``pinecone_plugin_tasks`` has one task of each kind the Pinecone tab knows: an import, a pre-flight
report, an upsert summary, and a task with nothing to show. The report and summary come from plain
tasks whose values have the operators' shapes, with markup and a secret-looking path in them (the
tab finds the kind from the XCom's shape when the operator is not one of ours).
``secret_plugin_dag`` starts an import too; the tests' auth manager hides ``secret_`` DAGs from one user.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from airflow_provider_pinecone.operators.imports import StartImportOperator

XSS = '<img src=x onerror="window.pwned=1">'


def report() -> dict:
    """A failing pre-flight report, as ``ImportSourceReport.to_dict`` writes it."""
    return {
        "uri": "s3://bucket/imports/run-1",
        "ok": False,
        "index_type": "dense",
        "error_mode": "continue",
        "errors": [
            {"code": "dimension_mismatch", "severity": "error", "message": f"Vector of 3 dims {XSS}",
             "path": f"s3://bucket/imports/run-1/{XSS}/part-0.parquet"},
            {"code": "dimension_mismatch", "severity": "error", "message": "Vector of 5 dims",
             "path": "s3://bucket/imports/run-1/ns1/part-1.parquet"},
        ],
        "warnings": [{"code": "empty_file", "severity": "warning", "message": "No rows", "path": None}],
        "omitted": {"dimension_mismatch": 3},
        "namespaces": {XSS: {"files": 2, "rows": 10, "bytes": 2048}, "ns1": {"files": 1, "rows": 5, "bytes": 100}},
        "total_rows": 15,
        "total_bytes": 2148,
        "total_files": 3,
        "sampled_rows": 15,
        "requests": 7,
        "bytes_read": 4096,
        "elapsed_s": 0.25,
    }  # fmt: skip


def summary() -> dict:
    """An upsert summary, as ``UpsertSummary.to_dict`` writes it."""
    return {
        "upserted": {"": 40, XSS: 60},
        "upserted_total": 100,
        "skipped": {"bad_dimension": 2},
        "skipped_total": 2,
        "skipped_ids_sample": [{"id": XSS, "reason": "bad_dimension"}],
        "requests": 3,
        "throttled_retries": 1,
        "seconds": 1.5,
        "records_per_second": 66.7,
        "resumed_row_groups": 0,
        "verified": True,
        "not_a_summary_field": "dropped",
    }


def _tasks_dag() -> DAG:
    with DAG(
        "pinecone_plugin_tasks", schedule=None, start_date=datetime(2025, 1, 1),
        params={"uri": "s3://bucket/imports/plugin"},
    ) as dag:  # fmt: skip
        StartImportOperator(task_id="start_import", uri="{{ params.uri }}")
        task(task_id="report")(report)()
        task(task_id="summary")(summary)()
        task(task_id="plain")(lambda: 1)()
    return dag


def _secret_dag() -> DAG:
    with DAG(
        "secret_plugin_dag", schedule=None, start_date=datetime(2025, 1, 1),
        params={"uri": "s3://bucket/imports/secret"},
    ) as dag:  # fmt: skip
        StartImportOperator(task_id="start_import", uri="{{ params.uri }}")
    return dag


tasks_dag = _tasks_dag()
secret_dag = _secret_dag()
