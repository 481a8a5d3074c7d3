"""DAGs of the deployment scenarios (tests/deployment/test_deployment_scenarios.py).

Each run gets its index and import URI through ``conf`` (params ``index_name`` and ``uri``), so the
scenarios run side by side on one deployment without seeing each other's imports. Polls every 0.5 s.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Param

from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.operators.upsert import UpsertOperator
from airflow_provider_pinecone.sensors.imports import ImportSensor

POLL = 0.5
RETRY_DELAY = timedelta(seconds=1)
INDEX = "{{ params.index_name }}"
URI = "{{ params.uri }}"
IMPORT_ID = "{{ ti.xcom_pull(task_ids='start_import', key='import_id') }}"


def scenario_dag(dag_id: str, doc: str, retries: int = 0) -> DAG:
    return DAG(
        dag_id=dag_id,
        doc_md=doc,
        schedule=None,
        start_date=datetime(2025, 1, 1),
        catchup=False,
        params={"index_name": Param("", type="string"), "uri": Param("", type="string")},
        default_args={"retries": retries, "retry_delay": RETRY_DELAY},
        tags=["deployment-test"],
    )


# 2. The sensor waits in the triggerer; the triggerer is SIGKILLed and restarted meanwhile.
with scenario_dag("deploy_sensor_triggerer_restart", "start_import >> deferred ImportSensor") as sensor_dag:
    StartImportOperator(task_id="start_import", uri=URI, index_name=INDEX) >> ImportSensor(
        task_id="wait_for_import", import_id=IMPORT_ID, index_name=INDEX, deferrable=True, poke_interval=POLL
    )

# A StartImportOperator that waits, with retries=1, disturbed while it waits:
# in the worker (3. its process or 4. the scheduler SIGKILLed; 11. marked failed; 12. cleared), or
# in the triggerer (5. cleared; 7. marked failed).
WAITING_DAGS = {
    "deploy_worker_wait_task_killed": False,
    "deploy_worker_wait_scheduler_restart": False,
    "deploy_worker_wait_marked_failed": False,
    "deploy_worker_wait_cleared": False,
    "deploy_deferred_cleared": True,
    "deploy_deferred_marked_failed": True,
}
for _dag_id, _deferrable in WAITING_DAGS.items():
    _where = "the triggerer" if _deferrable else "the worker"
    with scenario_dag(_dag_id, f"StartImportOperator waiting in {_where}, retries=1", retries=1):
        StartImportOperator(
            task_id="start_import",
            uri=URI,
            index_name=INDEX,
            wait_for_completion=True,
            deferrable=_deferrable,
            poll_interval=POLL,
        )

# 6. A finished start_import cleared, alone or with its downstream sensor.
with scenario_dag("deploy_completed_cleared", "start_import >> deferred ImportSensor; cleared after success"):
    StartImportOperator(task_id="start_import", uri=URI, index_name=INDEX) >> ImportSensor(
        task_id="wait_for_import", import_id=IMPORT_ID, index_name=INDEX, deferrable=True, poke_interval=POLL
    )

# 8. The wait times out on a long import: the import is cancelled and the task fails for good.
with scenario_dag("deploy_wait_timeout", "StartImportOperator(timeout=3 s), retries=2", retries=2):
    StartImportOperator(
        task_id="start_import",
        uri=URI,
        index_name=INDEX,
        wait_for_completion=True,
        deferrable=False,
        poll_interval=POLL,
        timeout=3,
    )

# 9. User mistakes: a URI Pinecone cannot import from, and a connection without an API key.
with scenario_dag("deploy_user_mistakes", "bad URI / no API key, retries=2", retries=2):
    StartImportOperator(task_id="bad_uri", uri="ftp://x/y", index_name=INDEX)
    StartImportOperator(task_id="no_api_key", uri=URI, index_name=INDEX, pinecone_conn_id="pinecone_no_key")

# 10. The same files imported again by a new run, after the user deleted the namespaces.
with scenario_dag("deploy_reimport", "StartImportOperator waiting in the worker"):
    StartImportOperator(
        task_id="start_import",
        uri=URI,
        index_name=INDEX,
        wait_for_completion=True,
        deferrable=False,
        poll_interval=POLL,
    )

# 13. UpsertOperator's task process SIGKILLed mid-load: try 2 resumes after the last saved row group.
# One request at a time, paced at 4 requests/s by the client (the emulator keeps Pinecone's limits),
# so a load of 40 row groups takes about 10 s and the scenario can kill it between two saves.
with scenario_dag("deploy_upsert_worker_killed", "UpsertOperator at 4 requests/s, retries=1", retries=1):
    UpsertOperator(task_id="upsert", uri=URI, index_name=INDEX, max_concurrency=1, max_requests_per_second=4)

# 14. Assets: an upsert into index "asset-downstream", namespace "articles", emits the asset event
# that schedules deploy_asset_consumer (asset_dags.py: a pinecone:// Asset built at parse time loads
# every provider's URI handlers, about 1.3 s, which every task of this file would pay).
with scenario_dag("deploy_asset_upsert", "UpsertOperator emitting pinecone://asset-downstream/articles"):
    UpsertOperator(task_id="upsert", uri=URI, index_name=INDEX)
