"""Pre-flight DAGs the integration tests run with ``dag.test()``; the source URI is ``params.uri``."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_pinecone.operators.preflight import ValidateImportSourceOperator


def _dag(dag_id: str, **kwargs) -> DAG:
    with DAG(dag_id, schedule=None, start_date=datetime(2025, 1, 1), params={"uri": "s3://bucket/imports"}) as dag:
        ValidateImportSourceOperator(task_id="validate", uri="{{ params.uri }}", retries=2, **kwargs)
    return dag


source_only = _dag("preflight_source_only", sample_rows=10)
against_index = _dag("preflight_against_index", pinecone_conn_id="pinecone_default", sample_rows=10)
strict = _dag("preflight_strict", fail_on_warnings=True)
index_name_only = _dag("preflight_index_name_only", index_name="test-index")
