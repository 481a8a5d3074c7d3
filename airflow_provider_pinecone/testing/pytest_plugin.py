"""pytest fixtures running the Pinecone emulator and local object storage, for testing your own DAGs and code.

Enable them in your ``conftest.py`` (or a test module)::

    pytest_plugins = ["airflow_provider_pinecone.testing.pytest_plugin"]

Fixtures:

``pinecone_emulator``
    A started :class:`~airflow_provider_pinecone.testing.emulator.PineconeEmulator`,
    emptied after the test. One server is shared by the whole session and ``reset()``
    between tests, so the fixture costs milliseconds, not a server start-up. The data-plane
    servers of indexes made by the two fixtures below are kept running between tests too (an
    index of the same name made by a later test gets the same host), because stopping one
    costs about 0.2 s; a parked server answers 404 until its index exists again.
    Imports are real: they read the Parquet files under the URI (point the storage SDKs at
    a local server, e.g. with the ``s3_server`` fixture below) and load them, with a short
    indexing delay (0.2 s). For imports that need no files, simulate them on the clock with
    ``pinecone_emulator.set_import_behaviour(duration=..., records=..., fail_message=...)``.
    Seed records with ``upsert(index, namespace, records)``, read counts with
    ``namespace_counts(index)``, and inject random faults with ``set_fault_rates(...)``.
    Upserts over HTTP are rate limited per namespace like Pinecone's (100 requests and 50 MB per
    second, then 429 + ``Retry-After``): lower or lift the limits for one test with
    ``set_upsert_limits(requests_per_second=..., bytes_per_second=...)`` (``None``: no limit; the
    next test gets the defaults back) and read what happened with ``upsert_stats(index)``
    (per namespace: requests served, throttled, records, bytes).

``pinecone_index``
    Creates a dense index ``"test-index"`` (dimension 8, cosine, aws/us-east-1) on that
    emulator and returns its name.

``make_pinecone_index``
    A function creating an index of your choice on that emulator and returning its name:
    ``make_pinecone_index("sparse-idx", vector_type="sparse", cloud="gcp")`` or
    ``make_pinecone_index(dimension=4, metric="dotproduct")`` (a fresh name by default).

Pointing a DAG at the emulator: the provider reads its connection from Airflow, so set
one through the environment (``monkeypatch`` undoes it after the test)::

    import json

    def test_my_import_dag(pinecone_emulator, pinecone_index, monkeypatch):
        monkeypatch.setenv(
            "AIRFLOW_CONN_PINECONE_DEFAULT",
            json.dumps({
                "conn_type": "pinecone_bulk",
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

Object storage (import sources), one server per session each, started on first use
(see :mod:`airflow_provider_pinecone.testing.object_stores`):

``s3_server``
    A :class:`~airflow_provider_pinecone.testing.object_stores.MotoS3Server` (moto's S3),
    counting requests by method (``request_counts()``, ``reset_counts()``).

``gcs_server``
    A :class:`~airflow_provider_pinecone.testing.object_stores.GcsEmulatorServer`
    (gcp-storage-emulator).

``azurite_server``
    An :class:`~airflow_provider_pinecone.testing.object_stores.AzuriteServer` (needs Azurite:
    ``npm install azurite@3.35.0``, then ``AZURITE_BIN`` set to its ``azurite-blob`` or that on
    ``PATH``; ``make node_modules`` in a checkout). Import URIs keep the form
    ``https://devstoreaccount1.blob.core.windows.net/CONTAINER/DIR``.

Each has ``create_bucket(name)``, ``put(bucket, key, data)``, ``client()`` and ``env()``. The
servers outlive a test, so use fresh bucket names, and point SDK-default code at a server
with ``monkeypatch`` (the fixtures set no environment variables themselves)::

    def test_my_import_source(s3_server, monkeypatch):
        for name, value in s3_server.env().items():
            monkeypatch.setenv(name, value)
        s3_server.create_bucket("my-data")
        s3_server.put("my-data", "imports/0.parquet", parquet_bytes)
        ...  # s3://my-data/imports now reads from the local server

This module does not import Airflow.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.server import stop_servers
from airflow_provider_pinecone.testing.object_stores import AzuriteServer, GcsEmulatorServer, MotoS3Server

TEST_INDEX_NAME = "test-index"
TEST_INDEX_DIMENSION = 8
# Fast enough for unit-style tests; tests needing other timings call set_import_behaviour.
FIXTURE_INDEXING_DELAY = 0.2
FIXTURE_FILE_DELAY = 0.01


class _DataPlanePool:
    """Data-plane servers of fixture-made indexes, kept running between tests, one per index name.

    A data plane serves its index by name from the emulator's state, so a server outlives its
    index harmlessly (answering 404) and can serve a later index of the same name. Between tests
    :meth:`park` takes the fixture-made indexes' servers out of the emulator before its
    ``reset()`` (which would stop them); :meth:`create` gives a parked server to the next index
    of that name instead of starting one. Anything else (an index a test deleted, or one the
    test's own ``reset()`` stopped) is simply created afresh.

    Servers move through :meth:`PineconeEmulator.detach_data_plane` and
    :meth:`~PineconeEmulator.attach_data_plane`.
    """

    def __init__(self, emulator: PineconeEmulator) -> None:
        self._emulator = emulator
        self._parked: dict[str, Any] = {}  # index name -> the emulator's server thread
        self._made: set[str] = set()  # names made by the fixtures during the current test

    def create(
        self, name: str, *, dimension: int | None, metric: str | None, cloud: str, region: str, vector_type: str
    ) -> str:
        """Create an index as ``PineconeEmulator.create_index`` does, reusing a parked data plane."""
        emulator = self._emulator
        self._made.add(name)
        server = self._parked.pop(name, None)
        if server is None:
            emulator.create_index(
                name, dimension=dimension, metric=metric, cloud=cloud, region=region, vector_type=vector_type
            )
            return name
        config = emulator.index_config(
            name, dimension=dimension, metric=metric, cloud=cloud, region=region, vector_type=vector_type
        )
        try:
            emulator.attach_data_plane(config, server)
        except BaseException:
            self._parked[name] = server  # 409 if the test made it already: the server stays parked
            raise
        return name

    def park(self) -> None:
        """Take the servers of this test's fixture-made indexes out of the emulator (before a reset)."""
        for name in self._made:
            server = self._emulator.detach_data_plane(name)
            if server is not None:
                self._parked[name] = server
        self._made.clear()

    def stop(self) -> None:
        """Stop every parked server."""
        servers, self._parked = list(self._parked.values()), {}
        stop_servers(servers)


@pytest.fixture(scope="session")
def _pinecone_emulator_session() -> Iterator[PineconeEmulator]:
    """One emulator server for the whole session (starting uvicorn per test is slow)."""
    emulator = PineconeEmulator(indexing_delay=FIXTURE_INDEXING_DELAY, file_delay=FIXTURE_FILE_DELAY)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def _pinecone_data_planes(_pinecone_emulator_session: PineconeEmulator) -> Iterator[_DataPlanePool]:
    """The session's parked data-plane servers (see :class:`_DataPlanePool`)."""
    pool = _DataPlanePool(_pinecone_emulator_session)
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def pinecone_emulator(
    _pinecone_emulator_session: PineconeEmulator, _pinecone_data_planes: _DataPlanePool
) -> Iterator[PineconeEmulator]:
    """A running emulator with no indexes, imports or faults; cleaned up after the test."""
    emulator = _pinecone_emulator_session
    emulator.reset()  # in case an earlier test used the session server without this fixture
    try:
        yield emulator
    finally:
        _pinecone_data_planes.park()
        emulator.reset()


@pytest.fixture
def pinecone_index(pinecone_emulator: PineconeEmulator, _pinecone_data_planes: _DataPlanePool) -> str:
    """Name of a dense index (dimension 8, aws) created on ``pinecone_emulator``."""
    return _pinecone_data_planes.create(
        TEST_INDEX_NAME,
        dimension=TEST_INDEX_DIMENSION,
        metric="cosine",
        cloud="aws",
        region="us-east-1",
        vector_type="dense",
    )


@pytest.fixture
def make_pinecone_index(
    pinecone_emulator: PineconeEmulator, _pinecone_data_planes: _DataPlanePool
) -> Callable[..., str]:
    """Return ``make(name=None, *, dimension=8, metric=None, cloud="aws", vector_type="dense")``.

    It creates an index on ``pinecone_emulator`` and returns its name; sparse indexes take no
    dimension (it is ignored) and default to dotproduct, dense ones to cosine. Default names
    are ``index-1``, ``index-2``... within each test (the emulator is empty at its start), so
    later tests reuse their data planes.
    """
    numbers = itertools.count(1)

    def make(
        name: str | None = None,
        *,
        dimension: int | None = TEST_INDEX_DIMENSION,
        metric: str | None = None,
        cloud: str = "aws",
        region: str = "us-east-1",
        vector_type: str = "dense",
    ) -> str:
        return _pinecone_data_planes.create(
            name or f"index-{next(numbers)}",
            dimension=None if vector_type == "sparse" else dimension,
            metric=metric,
            cloud=cloud,
            region=region,
            vector_type=vector_type,
        )

    return make


@pytest.fixture(scope="session")
def s3_server() -> Iterator[MotoS3Server]:
    """moto's S3 server for the session, counting requests by method."""
    with MotoS3Server(count_requests=True) as server:
        yield server


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[GcsEmulatorServer]:
    """gcp-storage-emulator for the session."""
    with GcsEmulatorServer() as server:
        yield server


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[AzuriteServer]:
    """Azurite's blob service for the session."""
    with AzuriteServer() as server:
        yield server
