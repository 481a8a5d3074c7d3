"""An emulator serving HTTPS, for Pinecone's own clients that look an index up by name.

Pinecone answers an index's ``host`` as a bare host name and its clients dial it over
``https://``; the emulator's TLS mode (:mod:`airflow_provider_pinecone.testing.emulator.tls`)
lets them do that unmodified once they trust its CA. One server serves the session and is
reset between tests, as the plain ``pinecone_emulator`` fixture is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_pinecone.testing.emulator import PineconeEmulator

INDEX_NAME = "clients-index"
DIMENSION = 8
API_KEY = "clients-test-key"


@pytest.fixture(scope="session")
def _tls_emulator_session() -> Iterator[PineconeEmulator]:
    emulator = PineconeEmulator(tls=True, indexing_delay=0.2, file_delay=0.01)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def tls_emulator(_tls_emulator_session: PineconeEmulator) -> Iterator[PineconeEmulator]:
    """The session's HTTPS emulator, empty at the start of the test and after it."""
    _tls_emulator_session.reset()
    try:
        yield _tls_emulator_session
    finally:
        _tls_emulator_session.reset()


@pytest.fixture
def tls_index(tls_emulator: PineconeEmulator) -> str:
    """A dense index (dimension 8, cosine) on the HTTPS emulator; returns its name."""
    tls_emulator.create_index(INDEX_NAME, dimension=DIMENSION)
    return INDEX_NAME


@pytest.fixture
def trust_emulator_ca(tls_emulator: PineconeEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """Trust the emulator's CA through the environment only (``SSL_CERT_FILE``, read by httpx).

    This is how code that builds its own ``Pinecone`` client, such as the official Airflow
    provider's hook, is pointed at the emulator without changing it. Returns the CA's path.
    """
    ca = str(tls_emulator.ca_cert_path)
    monkeypatch.setenv("SSL_CERT_FILE", ca)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return ca
