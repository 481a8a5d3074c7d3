"""DAGs of the asset and lineage integration tests: one import, one upsert, one with a declared outlet."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Asset

from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.operators.upsert import UpsertOperator

PARAMS = {"uri": "s3://bucket/imports/x"}
DECLARED = Asset(uri="pinecone://test-index/fresh", name="pinecone://test-index/fresh")

with DAG("pinecone_asset_import", schedule=None, start_date=datetime(2025, 1, 1), params=PARAMS) as import_dag:
    StartImportOperator(task_id="start_import", uri="{{ params.uri }}", wait_for_completion=True, deferrable=False,
                        poll_interval=0.1)  # fmt: skip

with DAG("pinecone_asset_upsert", schedule=None, start_date=datetime(2025, 1, 1), params=PARAMS) as upsert_dag:
    UpsertOperator(task_id="upsert", uri="{{ params.uri }}")

with DAG("pinecone_asset_declared", schedule=None, start_date=datetime(2025, 1, 1)) as declared_dag:
    UpsertOperator(
        task_id="upsert_records",
        records=[{"id": f"r{i}", "values": [0.1 * (i + 1)] * 8} for i in range(3)],
        namespace="fresh",
        outlets=[DECLARED],
    )
