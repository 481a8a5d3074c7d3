"""Pinecone's Python SDK looks an index up by name (``pc.Index(name)``) on the HTTPS emulator.

The SDK asks the control plane for the index's ``host`` and dials ``https://`` + host; the only
configuration is where the control plane is and which CA to trust, given either to the client
(``ssl_ca_certs``) or through the environment alone (``PINECONE_CONTROLLER_HOST``,
``SSL_CERT_FILE``), as code that builds its own client is configured.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from pinecone import Pinecone

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from tests.integration.testing.clients.conftest import API_KEY, DIMENSION

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def values(seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(DIMENSION)]


def with_ca_argument(emulator: PineconeEmulator, monkeypatch: pytest.MonkeyPatch) -> Pinecone:
    return Pinecone(api_key=API_KEY, host=emulator.control_plane_url, ssl_ca_certs=str(emulator.ca_cert_path))


def from_environment_only(emulator: PineconeEmulator, monkeypatch: pytest.MonkeyPatch) -> Pinecone:
    monkeypatch.setenv("PINECONE_API_KEY", API_KEY)
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", emulator.control_plane_url)
    monkeypatch.setenv("SSL_CERT_FILE", str(emulator.ca_cert_path))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return Pinecone()


@pytest.mark.parametrize("make_client", [with_ca_argument, from_environment_only])
def test_index_by_name_upsert_fetch_query(
    make_client: Callable[[PineconeEmulator, pytest.MonkeyPatch], Pinecone],
    tls_emulator: PineconeEmulator,
    tls_index: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pc = make_client(tls_emulator, monkeypatch)
    try:
        assert pc.describe_index(tls_index).host == f"https://{tls_emulator.index_host(tls_index)}"
        index: Any = pc.Index(tls_index)  # by name: no host given
        records = [{"id": f"v-{i}", "values": values(i), "metadata": {"n": i}} for i in range(20)]
        response = index.upsert(vectors=records, namespace="by-name")
        assert response.upserted_count == 20
        # What the SDK reported is what the emulator holds.
        assert tls_emulator.namespace_counts(tls_index) == {"by-name": 20}

        fetched = index.fetch(ids=["v-4", "v-11", "absent"], namespace="by-name")
        assert set(fetched.vectors) == {"v-4", "v-11"}
        assert fetched.vectors["v-11"].values == pytest.approx(values(11), rel=1e-6)
        assert fetched.vectors["v-11"].metadata == {"n": 11}

        result = index.query(vector=values(7), top_k=3, namespace="by-name", include_metadata=True)
        assert [m.id for m in result.matches][0] == "v-7" and len(result.matches) == 3
        assert result.matches[0].score == pytest.approx(1.0, abs=1e-5)
        assert index.describe_index_stats().namespaces["by-name"].vector_count == 20
    finally:
        pc.close()
