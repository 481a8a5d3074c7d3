"""Load Parquet files into Pinecone by bulk import when the namespaces are new, by upsert otherwise;
upsert fresh records from an upstream task; and spread a large upsert over many workers.

Bulk import is the cheapest way to load a lot of records, but it writes only into namespaces that do
not exist yet (and needs a Standard or Enterprise plan). A daily increment into existing namespaces,
or a Starter-plan project, needs upsert. ``choose_load_method`` picks per run.

Copy these DAGs and point them at your data:

* Airflow connection ``pinecone_default`` (type *Pinecone (bulk import)*): the API key in
  *Password*, ``{"index_name": "my-index"}`` in *Extra*.
* The ``uri`` param: a directory with one sub-directory per namespace of Parquet files (the
  bulk-import layout: ``id``, ``values``, optional ``sparse_values`` and ``metadata`` columns).
* Storage credentials: ``aws_conn_id`` / ``gcp_conn_id`` / ``azure_conn_id`` on the tasks that read
  the bucket, or the SDK's default configuration.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.operators.upsert import (
    ImportOrUpsertOperator,
    PlanUpsertPartitionsOperator,
    UpsertOperator,
)

POLL_SECONDS = float(os.environ.get("PINECONE_EXAMPLE_POLL_SECONDS", "60"))

with DAG(
    dag_id="example_pinecone_upsert",
    description="Import into new namespaces, upsert into existing ones; upsert an upstream task's records.",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={"uri": Param("s3://example-bucket/daily/2025-06-01", type="string", description="The Parquet directory.")},
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["pinecone", "example"],
) as dag:
    # Lists the namespace folders and the index's namespaces: all new -> import, else upsert.
    choose_load_method = ImportOrUpsertOperator(
        task_id="choose_load_method",
        uri="{{ params.uri }}",
        import_task_id="start_import",
        upsert_task_id="upsert",
    )

    # New namespaces: one bulk import, waited on in the triggerer.
    start_import = StartImportOperator(
        task_id="start_import",
        uri="{{ params.uri }}",
        wait_for_completion=True,
        deferrable=True,
        poll_interval=POLL_SECONDS,
    )

    # Existing namespaces: upsert, resumable, checked against describe_index_stats at the end.
    upsert = UpsertOperator(
        task_id="upsert",
        uri="{{ params.uri }}",
        error_mode="continue",
        max_concurrency=8,
        verify=True,
    )

    @task
    def embed_latest_documents() -> list[dict[str, Any]]:
        """Stands in for an embedding task: records with vectors and metadata, returned through XCom.

        A real one calls its embedding model; this one makes vectors of the index's dimension.
        """
        dimension = PineconeHook().describe_index_stats().dimension or 32
        return [
            {"id": f"doc-{i}", "values": [0.1 * (i + 1)] * dimension, "metadata": {"source": "example", "rank": i}}
            for i in range(5)
        ]

    # Records from an upstream task, through XCom: a few at a time, the same checks as Parquet.
    upsert_fresh = UpsertOperator(task_id="upsert_fresh_documents", records=embed_latest_documents(), namespace="fresh")

    choose_load_method >> [start_import, upsert]


with DAG(
    dag_id="example_pinecone_upsert_partitioned",
    description="Split one large upsert into balanced partitions and load them on many workers at once.",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={"uri": Param("s3://example-bucket/backfill", type="string", description="The Parquet directory.")},
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["pinecone", "example"],
) as partitioned_dag:
    # Whole files, spread so each partition holds about the same number of bytes.
    plan = PlanUpsertPartitionsOperator(
        task_id="plan_partitions",
        uri="{{ params.uri }}",
        partitions=int(os.environ.get("PINECONE_EXAMPLE_PARTITIONS", "4")),
    )
    # One mapped task per partition: on Celery or Kubernetes they run on as many workers.
    UpsertOperator.partial(task_id="upsert_partition", max_concurrency=4).expand(partition=plan.output)
