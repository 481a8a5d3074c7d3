"""Integration fixtures: an Airflow metadata DB, and a Pinecone connection to the emulator."""

from __future__ import annotations

import json
import os

import pytest

from tests.paths import DAGS_DIR

DAGS_FOLDER = DAGS_DIR
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
API_KEY = "pcsk_test_SECRET_do_not_leak_42"


@pytest.fixture(scope="session")
def airflow_db():
    """A fresh metadata database for dag.test()."""
    from airflow.utils import db

    db.initdb()


@pytest.fixture
def pinecone_conn(pinecone_emulator, pinecone_index, monkeypatch):
    """``pinecone_default`` pointing at the emulator's index; returns the emulator."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_PINECONE_DEFAULT",
        json.dumps(
            {
                "conn_type": "pinecone_bulk",
                "password": API_KEY,
                "extra": {"control_plane_url": pinecone_emulator.control_plane_url, "index_name": pinecone_index},
            }
        ),
    )
    return pinecone_emulator


def load_dag(dag_id: str, module_name: str = "pinecone_lifecycle_dags"):
    """A DAG from tests/dags, as the DAG processor would load it."""
    import importlib

    from airflow.sdk import DAG

    module = importlib.import_module(f"tests.dags.{module_name}")
    (dag,) = [obj for obj in vars(module).values() if isinstance(obj, DAG) and obj.dag_id == dag_id]
    return dag
