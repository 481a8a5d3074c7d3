"""The official Airflow provider (``apache-airflow-providers-pinecone``) against the HTTPS emulator.

Its ``PineconeHook`` has no index-host setting: it builds ``Pinecone(api_key, host)`` from a
``pinecone`` connection and reaches an index by name. Configured as a user would, with an
Airflow connection whose host is the emulator's control plane and the emulator's CA trusted
through ``SSL_CERT_FILE``, its calls and ``PineconeIngestOperator``'s rows land in the emulator.
"""

from __future__ import annotations

import json

import pytest
from airflow.providers.pinecone.hooks.pinecone import PineconeHook

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from tests.dags.official_provider_dags import CONN_ID, INDEX_NAME, ROWS
from tests.integration.conftest import load_dag
from tests.integration.testing.clients.conftest import API_KEY, DIMENSION
from tests.integration.testing.clients.conftest import INDEX_NAME as FIXTURE_INDEX

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
assert INDEX_NAME == FIXTURE_INDEX, "the DAG ingests into the tls_index fixture's index"


@pytest.fixture
def official_conn(tls_emulator: PineconeEmulator, trust_emulator_ca: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An Airflow connection of the official provider's type pointing at the emulator."""
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONN_ID.upper()}",
        json.dumps({"conn_type": "pinecone", "host": tls_emulator.control_plane_url, "password": API_KEY}),
    )
    return CONN_ID


def vector(i: int) -> list[float]:
    return [float(i + 1)] + [0.5] * (DIMENSION - 1)


def test_hook_lists_and_upserts_by_index_name(tls_emulator: PineconeEmulator, tls_index: str, official_conn: str):
    hook = PineconeHook(conn_id=official_conn)
    assert hook.test_connection() == (True, "Connection established")
    assert [i.name for i in hook.list_indexes()] == [tls_index]
    response = hook.upsert(tls_index, [(f"h-{i}", vector(i)) for i in range(5)], namespace="hook", show_progress=False)
    assert response.upserted_count == 5
    assert tls_emulator.namespace_counts(tls_index) == {"hook": 5}
    stats = hook.describe_index_stats(tls_index)
    assert stats.total_vector_count == 5


@pytest.mark.usefixtures("airflow_db")
def test_ingest_operator_rows_land(tls_emulator: PineconeEmulator, tls_index: str, official_conn: str):
    run = load_dag("official_pinecone_ingest", "official_provider_dags").test()
    assert run.state == "success"
    # All 20 rows are stored, as they were sent (the operator itself reports success either way).
    assert tls_emulator.namespace_counts(tls_index) == {"ingest": 20}
    stored = {r.id: r for r in tls_emulator.fetch(tls_index, "ingest", [row["id"] for row in ROWS])}
    assert len(stored) == 20
    assert stored["row-13"].values.tolist() == pytest.approx(ROWS[13]["values"])
    assert stored["row-13"].metadata == {"row": 13}
