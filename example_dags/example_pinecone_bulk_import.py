"""Bulk-import a directory of Parquet files into Pinecone, wait without a worker slot, and check it.

Copy this DAG and point it at your data:

* Airflow connection ``pinecone_default`` (type *Pinecone*): the API key in *Password*, and
  ``{"index_name": "my-index"}`` in *Extra*.
* The ``uri`` param: your import directory, e.g. ``s3://my-bucket/imports/2025-06-01`` holding one
  sub-directory per namespace, each with Parquet files (see Pinecone's import guide).
* ``integration_id``: the storage integration that lets Pinecone read a private bucket.

``make demo`` runs it end to end against the local emulator.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.sensors.imports import ImportSensor

# An import takes at least 10 minutes, so checking once a minute is plenty; the demo checks faster.
POLL_SECONDS = float(os.environ.get("PINECONE_EXAMPLE_POLL_SECONDS", "60"))

with DAG(
    dag_id="example_pinecone_bulk_import",
    description="Start a Pinecone bulk import, wait for it in the triggerer, and check the index.",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "uri": Param("s3://example-bucket/imports/demo", type="string", description="The import directory."),
        "integration_id": Param(None, type=["null", "string"], description="Storage integration id."),
        "error_mode": Param("continue", enum=["continue", "abort"]),
    },
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["pinecone", "example"],
) as dag:
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
    def check_index(finished_import: dict[str, Any]) -> dict[str, Any]:
        """Compare what the import reported with what the index now holds."""
        stats = PineconeHook().describe_index_stats()
        imported = finished_import["records_imported"] or 0
        print(f"Import {finished_import['id']}: {finished_import['status']}, {imported:,} records imported.")
        for namespace, count in sorted(stats.namespaces.items()):
            print(f"  namespace {namespace!r}: {count:,} vectors")
        print(f"Index total: {stats.total_vector_count:,} vectors.")
        return {"import": finished_import, "index": stats.to_dict()}

    check_index(wait_for_import.output)
