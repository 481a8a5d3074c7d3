"""DAGs of the browser tests (tests/deployment/test_ui_browser.py).

Each works on an index of its own, through one of two connections to the emulator
(``pinecone_ui_a`` and ``pinecone_ui_b``, defined by tests/deployment/stack.py), so the imports
page shows two connections and two indexes. The run's import URI comes through ``conf``
(param ``uri``). ``deploy_ui_secret*`` DAGs are hidden from the ``outsider`` user by the
deployment's auth manager (tests/deployment/auth_manager.py).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param, task

from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.operators.preflight import ValidateImportSourceOperator

URI = "{{ params.uri }}"
CONN_A = "pinecone_ui_a"
CONN_B = "pinecone_ui_b"


def ui_dag(dag_id: str, doc: str) -> DAG:
    return DAG(
        dag_id=dag_id,
        doc_md=doc,
        schedule=None,
        start_date=datetime(2025, 1, 1),
        catchup=False,
        params={"uri": Param("", type="string")},
        tags=["deployment-test", "ui"],
    )


@task.sensor(task_id="wait_for_go", poke_interval=0.3, timeout=120, mode="poke")
def wait_for_go(params: dict | None = None) -> bool:
    """True once ``<uri>.go`` exists: the browser test opens the tab first, then lets the import start."""
    import boto3
    from botocore.exceptions import ClientError

    bucket, _, key = str((params or {})["uri"]).removeprefix("s3://").partition("/")
    try:
        boto3.client("s3").head_object(Bucket=bucket, Key=f"{key}.go")
    except ClientError:
        return False
    return True


# The Pinecone tab follows this import from Pending to Completed; the task page links to it.
with ui_dag("deploy_ui_import", "wait_for_go >> StartImportOperator waiting in the triggerer, on pinecone_ui_a"):
    wait_for_go() >> StartImportOperator(
        task_id="start_import", uri=URI, pinecone_conn_id=CONN_A, wait_for_completion=True, deferrable=True,
        poll_interval=0.5,
    )  # fmt: skip

# An import the outsider may not see, on the other connection.
with ui_dag("deploy_ui_secret_import", "StartImportOperator on pinecone_ui_b, hidden from the outsider"):
    StartImportOperator(task_id="start_import", uri=URI, pinecone_conn_id=CONN_B)

# Pre-flight of a broken source: the task fails, its report is in the tab.
with ui_dag("deploy_ui_preflight", "ValidateImportSourceOperator on a broken source"):
    ValidateImportSourceOperator(task_id="validate_source", uri=URI, pinecone_conn_id=CONN_A, sample_rows=100)
