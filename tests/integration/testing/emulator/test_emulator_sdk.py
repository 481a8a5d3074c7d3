"""Pinecone's own Python client (``pinecone``, pinned in the dev extra) drives the emulator.

SDK 10.x speaks API 2026-07 and parses the 2026-07 index model. The control plane is reached
with ``Pinecone(host=<control plane URL>)``; each index's data plane is plain HTTP on loopback, so
the client is built with ``pc.Index(host="http://HOST:PORT")`` (the SDK keeps an explicit
``http://`` and sends cleartext without a warning to loopback addresses). Imports read real
Parquet files from the local S3 server.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from pinecone import Pinecone
from pinecone import __version__ as SDK_VERSION
from pinecone._internal.constants import CONTROL_PLANE_API_VERSION, DATA_PLANE_API_VERSION
from pinecone.errors import NotFoundError

from airflow_provider_pinecone.testing.datasets import dense_table
from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from tests.integration.buckets import Bucket, new_bucket
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

API_KEY = "sdk-test-key"
DIMENSION = 8
TERMINAL = ("Completed", "Failed", "Cancelled")


@pytest.fixture
def pc(pinecone_emulator: PineconeEmulator) -> Iterator[Pinecone]:
    client = Pinecone(api_key=API_KEY, host=pinecone_emulator.control_plane_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def index(pc: Pinecone, pinecone_emulator: PineconeEmulator, pinecone_index: str) -> Iterator[Any]:
    """The SDK's data-plane client of the test index."""
    with pc.Index(host=f"http://{pinecone_emulator.index_host(pinecone_index)}") as client:
        yield client


@pytest.fixture
def bucket(s3_server: Any, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A fresh bucket on the local S3 server, with the emulator's SDK defaults pointed at it."""
    created = new_bucket("s3", s3_server)
    created.use_sdk_defaults(monkeypatch)
    return created


def put_namespace(bucket: Bucket, prefix: str, namespace: str, rows: int, start: int = 0) -> str:
    """One Parquet file of ``rows`` dense records ``rec-{start}``... for ``namespace``; the import URI."""
    bucket.put(f"{prefix}/{namespace}/part-0.parquet", dense_table(rows, DIMENSION, start=start, seed=start))
    return bucket.uri(prefix)


def import_ended(index: Any, import_id: str, timeout: float = 15.0) -> Any:
    """The SDK's model of the import once it is terminal (bounded wait)."""
    return wait_until(
        lambda: index.describe_import(import_id),
        lambda m: m.status in TERMINAL,
        timeout=timeout,
        interval=0.05,
        what=f"import {import_id} to end",
    )


def values(seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(DIMENSION)]


def test_sdk_speaks_2026_07() -> None:
    """What this file relies on; a new SDK pin must be checked against the emulator again."""
    assert (SDK_VERSION, CONTROL_PLANE_API_VERSION, DATA_PLANE_API_VERSION) == ("10.2.0", "2026-07", "2026-07")


def test_control_plane(pc: Pinecone, pinecone_emulator: PineconeEmulator, pinecone_index: str) -> None:
    described = pc.describe_index(pinecone_index)  # parsed as a 2026-07 IndexModel
    assert described.name == pinecone_index
    assert described.status.ready
    assert described.dimension == DIMENSION and described.metric == "cosine"
    assert described.deployment.cloud == "aws" and described.deployment.region == "us-east-1"
    # The emulator reports "HOST:PORT" like Pinecone reports a bare host; the SDK adds https://.
    assert described.host == f"https://{pinecone_emulator.index_host(pinecone_index)}"
    assert [i.name for i in pc.list_indexes()] == [pinecone_index]
    assert pc.has_index(pinecone_index) and not pc.has_index("absent")
    with pytest.raises(NotFoundError):
        pc.describe_index("absent")


def test_import_start_describe_and_stats(index: Any, bucket: Bucket) -> None:
    uri = put_namespace(bucket, "imports", "ns-a", rows=40)
    put_namespace(bucket, "imports", "ns-b", rows=25, start=1000)
    started = index.start_import(uri, error_mode="continue")
    first = index.describe_import(started.id)
    assert (first.id, first.uri) == (started.id, uri)
    done = import_ended(index, started.id)
    assert (done.status, done.records_imported, done.percent_complete, done.error) == ("Completed", 65, 100.0, None)
    assert done.finished_at is not None

    stats = index.describe_index_stats()
    assert (stats.dimension, stats.total_vector_count) == (DIMENSION, 65)
    assert {name: ns.vector_count for name, ns in stats.namespaces.items()} == {"ns-a": 40, "ns-b": 25}
    # Imported records are what the files hold.
    fetched = index.fetch(ids=["rec-3", "rec-1003"], namespace="ns-a")
    assert set(fetched.vectors) == {"rec-3"}
    expected = dense_table(40, DIMENSION, start=0, seed=0).slice(3, 1).to_pylist()[0]
    assert fetched.vectors["rec-3"].values == pytest.approx(expected["values"], rel=1e-6)
    assert fetched.vectors["rec-3"].metadata == json.loads(expected["metadata"])


def test_failed_import_has_the_documented_error(index: Any, bucket: Bucket) -> None:
    bucket.put("empty/ns-a/notes.txt", b"no parquet here")
    started = index.start_import(bucket.uri("empty"))
    failed = import_ended(index, started.id)
    assert failed.status == "Failed" and failed.error and failed.error.startswith("User error"), failed


def test_list_imports_across_pages(index: Any, bucket: Bucket, pinecone_emulator: PineconeEmulator) -> None:
    pinecone_emulator.set_import_behaviour(indexing_delay=30)  # all stay listed as running
    ids = [index.start_import(put_namespace(bucket, f"run-{i}", f"ns-{i}", rows=5, start=100 * i)).id for i in range(5)]
    # The iterator follows pagination.next itself.
    assert [m.id for m in index.list_imports(limit=2)] == ids
    # One page at a time, holding the token.
    pages, token = [], None
    while True:
        page = index.list_imports_paginated(limit=2, pagination_token=token)
        pages.append([m.id for m in page])
        token = page.pagination.next if page.pagination else None
        if token is None:
            break
        assert len(pages) < 10, "pagination does not end"
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    for import_id in ids:
        index.cancel_import(import_id)


def test_cancel_import(index: Any, bucket: Bucket, pinecone_emulator: PineconeEmulator) -> None:
    pinecone_emulator.set_import_behaviour(indexing_delay=30)  # loaded, then "indexing" for 30 s
    started = index.start_import(put_namespace(bucket, "imports", "ns-a", rows=10))
    assert index.describe_import(started.id).status not in TERMINAL
    assert index.cancel_import(started.id) is None
    cancelled = import_ended(index, started.id, timeout=5)
    assert cancelled.status == "Cancelled"
    with pytest.raises(NotFoundError):
        index.describe_import("999999")


def test_upsert_fetch_query_and_namespaces(index: Any) -> None:
    records = [{"id": f"v-{i}", "values": values(i), "metadata": {"position": i}} for i in range(30)]
    assert index.upsert(vectors=records, namespace="alpha").upserted_count == 30
    assert index.upsert(vectors=[("d-1", values(99))]).upserted_count == 1  # the default namespace

    stats = index.describe_index_stats()
    assert stats.total_vector_count == 31
    assert {name: ns.vector_count for name, ns in stats.namespaces.items()} == {"alpha": 30, "__default__": 1}

    fetched = index.fetch(ids=["v-2", "v-7", "nope"], namespace="alpha")
    assert set(fetched.vectors) == {"v-2", "v-7"} and fetched.namespace == "alpha"
    assert fetched.vectors["v-7"].values == pytest.approx(values(7), rel=1e-6)
    assert fetched.vectors["v-7"].metadata == {"position": 7}

    result = index.query(vector=values(12), top_k=3, namespace="alpha", include_metadata=True)
    assert [m.id for m in result.matches][0] == "v-12" and len(result.matches) == 3
    assert result.matches[0].score == pytest.approx(1.0, abs=1e-5)
    assert result.matches[0].metadata == {"position": 12}
    assert [s.score for s in result.matches] == sorted((s.score for s in result.matches), reverse=True)
    by_id = index.query(id="v-5", top_k=1, namespace="alpha")
    assert by_id.matches[0].id == "v-5"

    names = {ns.name: ns.record_count for page in index.list_namespaces() for ns in page.namespaces}
    assert names == {"alpha": 30, "__default__": 1}
    alpha = index.describe_namespace(name="alpha")
    assert (alpha.name, alpha.record_count) == ("alpha", 30)
    with pytest.raises(NotFoundError):
        index.describe_namespace(name="missing")
