"""DAGs the integration tests run with ``dag.test()`` (which, in Airflow 3.3, parses them from here).

Each takes the import URI as ``params.uri`` so that every test imports its own directory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.sensors.imports import ImportSensor

IMPORT_ID = "{{ ti.xcom_pull(task_ids='start_import', key='import_id') }}"


def _dag(dag_id: str, sensor: dict | None = None, **start_kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=datetime(2025, 1, 1), params={"uri": "s3://bucket/imports/x"}) as dag:
        start = StartImportOperator(task_id="start_import", uri="{{ params.uri }}", **start_kwargs)
        if sensor is not None:
            start >> ImportSensor(task_id="wait_for_import", import_id=IMPORT_ID, poke_interval=0.1, **sensor)
    return dag


start_only = _dag("pinecone_start_only")
wait_in_worker = _dag("pinecone_wait_in_worker", wait_for_completion=True, deferrable=False, poll_interval=0.1)
wait_deferred = _dag("pinecone_wait_deferred", wait_for_completion=True, deferrable=True, poll_interval=0.1)
timeout_in_worker = _dag(
    "pinecone_timeout_in_worker", wait_for_completion=True, deferrable=False, poll_interval=0.1, timeout=0.5
)
timeout_deferred = _dag(
    "pinecone_timeout_deferred", wait_for_completion=True, deferrable=True, poll_interval=0.1, timeout=0.5
)


def _retrying(dag_id: str, retries: int, **start_kwargs) -> DAG:
    """A DAG whose start_import waits and has ``retries`` immediate retries."""
    return _dag(dag_id, wait_for_completion=True, poll_interval=0.1, retries=retries,
                retry_delay=timedelta(seconds=0), **start_kwargs)  # fmt: skip


retried = _retrying("pinecone_retried", 1, deferrable=False)
retried_twice = _retrying("pinecone_retried_twice", 2, deferrable=False)
timeout_with_retries = _retrying("pinecone_timeout_with_retries", 2, deferrable=True, timeout=0.5)
sensor_poke = _dag("pinecone_sensor_poke", sensor={"mode": "poke", "timeout": 30})
sensor_deferred = _dag("pinecone_sensor_deferred", sensor={"deferrable": True, "timeout": 30})
sensor_soft_fail = _dag("pinecone_sensor_soft_fail", sensor={"deferrable": True, "timeout": 30, "soft_fail": True})
execution_timeout_retried = _retrying(
    "pinecone_execution_timeout", 1, deferrable=False, execution_timeout=timedelta(seconds=1)
)
