"""pytest fixtures running the Pinecone emulator, for testing your own DAGs and code.

Enable them in your ``conftest.py`` (or a test module)::

    pytest_plugins = ["airflow_provider_pinecone.testing.pytest_plugin"]

Fixtures:

``pinecone_emulator``
    A started :class:`~airflow_provider_pinecone.testing.emulator.PineconeEmulator`,
    emptied after the test. One server is shared by the whole session and ``reset()``
    between tests, so the fixture costs milliseconds, not a server start-up.
    Imports are fast by default here (0.5 s loading + 0.2 s indexing); tune them with
    ``pinecone_emulator.set_import_behaviour(duration=..., fail_message=...)``.

``pinecone_index``
    Creates a dense index ``"test-index"`` (dimension 8, cosine, aws/us-east-1) on that
    emulator and returns its name.

Pointing a DAG at the emulator: the provider reads its connection from Airflow, so set
one through the environment (``monkeypatch`` undoes it after the test)::

    import json

    def test_my_import_dag(pinecone_emulator, pinecone_index, monkeypatch):
        monkeypatch.setenv(
            "AIRFLOW_CONN_PINECONE_DEFAULT",
            json.dumps({
                "conn_type": "pinecone",
                "password": "any-key",  # any non-empty key is accepted
                "extra": {
                    "control_plane_url": pinecone_emulator.control_plane_url,
                    "index_name": pinecone_index,
                },
            }),
        )
        pinecone_emulator.set_import_behaviour(duration=0.3, indexing_delay=0.1)
        dag.test()  # imports started by the DAG now complete in well under a second
        assert pinecone_emulator.list_imports(pinecone_index)[0]["status"] == "Completed"

Other controls: ``inject_faults(path_regex, status, count, retry_after=None,
method=None)`` to simulate 429/5xx, ``index_host(name)`` for the data-plane address
(``HOST:PORT`` without scheme; talk to it over plain ``http://``).

This module does not import Airflow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_pinecone.testing.emulator import PineconeEmulator

TEST_INDEX_NAME = "test-index"
TEST_INDEX_DIMENSION = 8
# Fast enough for unit-style tests; tests needing other timings call set_import_behaviour.
FIXTURE_IMPORT_DURATION = 0.5
FIXTURE_INDEXING_DELAY = 0.2


@pytest.fixture(scope="session")
def _pinecone_emulator_session() -> Iterator[PineconeEmulator]:
    """One emulator server for the whole session (starting uvicorn per test is slow)."""
    emulator = PineconeEmulator(
        import_duration=FIXTURE_IMPORT_DURATION, indexing_delay=FIXTURE_INDEXING_DELAY
    )
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def pinecone_emulator(_pinecone_emulator_session: PineconeEmulator) -> Iterator[PineconeEmulator]:
    """A running emulator with no indexes, imports or faults; cleaned up after the test."""
    emulator = _pinecone_emulator_session
    emulator.reset()  # in case an earlier test used the session server without this fixture
    try:
        yield emulator
    finally:
        emulator.reset()


@pytest.fixture
def pinecone_index(pinecone_emulator: PineconeEmulator) -> str:
    """Name of a dense index (dimension 8, aws) created on ``pinecone_emulator``."""
    pinecone_emulator.create_index(
        TEST_INDEX_NAME, dimension=TEST_INDEX_DIMENSION, metric="cosine", cloud="aws"
    )
    return TEST_INDEX_NAME
