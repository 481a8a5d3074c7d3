"""The DAG of deployment scenario 14 scheduled on the asset deploy_asset_upsert (scenario_dags.py) emits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Asset, task

ASSET_INDEX, ASSET_NAMESPACE = "asset-downstream", "articles"

_LOADED = Asset(uri=f"pinecone://{ASSET_INDEX}/{ASSET_NAMESPACE}", name=f"pinecone://{ASSET_INDEX}/{ASSET_NAMESPACE}")
with DAG(
    dag_id="deploy_asset_consumer",
    doc_md="Scheduled on the namespace deploy_asset_upsert loads",
    schedule=[_LOADED],
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["deployment-test"],
):

    @task(task_id="read_event")
    def read_event(*, triggering_asset_events: Any = None) -> dict[str, Any]:
        """The extra of the asset event that triggered this run, and where it came from."""
        (event,) = triggering_asset_events[_LOADED]
        return {"extra": dict(event.extra), "source_dag_id": event.source_dag_id, "source_run_id": event.source_run_id}

    read_event()
