"""Bulk-import a directory of Parquet files into Pinecone: check it first, wait without a worker slot,
then verify what the index holds.

Copy this DAG and point it at your data:

* Airflow connection ``pinecone_default`` (type *Pinecone (bulk import)*, `pinecone_bulk`): the API
  key in *Password*, and ``{"index_name": "my-index"}`` in *Extra*.
* The ``uri`` param: your import directory, e.g. ``s3://my-bucket/imports/2025-06-01`` holding one
  sub-directory per namespace, each with Parquet files (see Pinecone's import guide).
* ``integration_id``: the storage integration that lets Pinecone read a private bucket.
* Storage credentials for the pre-flight check: ``aws_conn_id`` / ``gcp_conn_id`` /
  ``azure_conn_id`` on ``validate_source``, or the SDK's default configuration.
* Optionally ``probe_vector`` and ``expected_id``: a vector whose nearest neighbour you know, to
  check that queries find the imported records.

``make demo`` runs it end to end, offline, against a local S3 server and the local Pinecone emulator.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.operators.preflight import ValidateImportSourceOperator
from airflow_provider_pinecone.sensors.imports import ImportSensor

# An import takes at least 10 minutes, so checking once a minute is plenty; the demo checks faster.
POLL_SECONDS = float(os.environ.get("PINECONE_EXAMPLE_POLL_SECONDS", "60"))

with DAG(
    dag_id="example_pinecone_bulk_import",
    description="Pre-flight an import source, import it into Pinecone, wait in the triggerer, verify.",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "uri": Param("s3://example-bucket/imports/demo", type="string", description="The import directory."),
        "integration_id": Param(None, type=["null", "string"], description="Storage integration id."),
        "error_mode": Param("continue", enum=["continue", "abort"]),
        "probe_vector": Param(None, type=["null", "array"], description="A vector to query after the import."),
        "probe_namespace": Param("__default__", type="string", description="The namespace to query."),
        "expected_id": Param(None, type=["null", "string"], description="The id the probe should find first."),
    },
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["pinecone", "example"],
) as dag:
    # Seconds, not a 10-minute import, to find a bad layout, schema or record; fails with every error.
    validate_source = ValidateImportSourceOperator(
        task_id="validate_source",
        uri="{{ params.uri }}",
        pinecone_conn_id="pinecone_default",
        error_mode="{{ params.error_mode }}",
        sample_rows=100,
    )

    # Starts the import and returns at once. A retry re-attaches to the running import.
    start_import = StartImportOperator(
        task_id="start_import",
        uri="{{ params.uri }}",
        integration_id="{{ params.integration_id or '' }}",
        error_mode="{{ params.error_mode }}",
    )

    # Waits in the triggerer: a 6-hour import holds no worker slot.
    wait_for_import = ImportSensor(
        task_id="wait_for_import",
        import_id="{{ ti.xcom_pull(task_ids='start_import', key='import_id') }}",
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=timedelta(hours=12).total_seconds(),
    )

    @task
    def verify_counts(finished_import: dict[str, Any], preflight: dict[str, Any]) -> dict[str, Any]:
        """Check the index holds what pre-flight counted and what the import reported."""
        stats = PineconeHook().describe_index_stats()
        imported = finished_import["records_imported"] or 0
        print(f"Import {finished_import['id']}: {finished_import['status']}, {imported:,} records imported.")
        problems = []
        for namespace, expected in sorted(preflight["namespaces"].items()):
            actual = stats.namespaces.get(namespace, 0)
            print(f"  namespace {namespace!r}: {actual:,} vectors, {expected['rows']:,} rows in the files")
            if actual != expected["rows"]:
                problems.append(
                    f"namespace {namespace!r} holds {actual:,} vectors, the files {expected['rows']:,} rows"
                )
        if imported != preflight["total_rows"]:
            problems.append(f"the import reports {imported:,} records, the files hold {preflight['total_rows']:,} rows")
        if problems:
            raise ValueError("The index does not hold what was imported: " + "; ".join(problems))
        return {"import": finished_import, "index": stats.to_dict()}

    @task
    def query_probe(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Query the probe vector, if one is given, and check its nearest neighbour."""
        if not params or not params.get("probe_vector"):
            print("No probe_vector given; skipping the query check.")
            return []
        matches = PineconeHook().query(params["probe_vector"], top_k=3, namespace=params["probe_namespace"])
        for match in matches:
            print(f"  {match.id}  score {match.score:.4f}  {match.metadata or ''}")
        expected = params.get("expected_id")
        if expected and (not matches or matches[0].id != expected):
            raise ValueError(
                f"The nearest neighbour of the probe is {matches[0].id if matches else None!r}, not {expected!r}."
            )
        return [match.to_dict() for match in matches]

    verified = verify_counts(wait_for_import.output, validate_source.output)
    validate_source >> start_import >> wait_for_import
    verified >> query_probe()
