"""The official provider's PineconeIngestOperator, as a user's DAG would call it (tests/integration/testing/clients)."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.pinecone.operators.pinecone import PineconeIngestOperator
from airflow.sdk import DAG

CONN_ID = "official_pinecone"
INDEX_NAME = "clients-index"
DIMENSION = 8
ROWS = [
    {"id": f"row-{i}", "values": [float(i + 1)] + [0.5] * (DIMENSION - 1), "metadata": {"row": i}} for i in range(20)
]

with DAG("official_pinecone_ingest", schedule=None, start_date=datetime(2026, 1, 1)) as ingest_dag:
    PineconeIngestOperator(
        task_id="ingest", conn_id=CONN_ID, index_name=INDEX_NAME, input_vectors=ROWS, namespace="ingest"
    )
