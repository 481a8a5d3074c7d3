"""The emulator's data plane beyond imports (upsert, fetch, query, namespaces) and fault rates."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import httpx
import pytest

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.faults import parse_fault_spec

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def headers(version: str = "2026-07") -> dict[str, str]:
    return {"Api-Key": "k", "X-Pinecone-Api-Version": version}


@pytest.fixture
def url(pinecone_emulator: PineconeEmulator, make_pinecone_index) -> str:
    return f"http://{pinecone_emulator.index_host(make_pinecone_index('vectors', dimension=3))}"


def upsert(url: str, vectors: list[dict], namespace: str = "ns", version: str = "2026-07") -> httpx.Response:
    return httpx.post(
        f"{url}/vectors/upsert", json={"vectors": vectors, "namespace": namespace}, headers=headers(version)
    )


def test_upsert_fetch_query_and_namespaces(url: str) -> None:
    vectors = [
        {"id": "east", "values": [1.0, 0.0, 0.0], "metadata": {"side": "e"}},
        {"id": "north", "values": [0.0, 1.0, 0.0], "metadata": {"side": "n"}},
        {"id": "up", "values": [0.0, 0.0, 1.0]},
    ]
    assert upsert(url, vectors).json() == {"upsertedCount": 3}
    assert upsert(url, vectors[:1], namespace="").json() == {"upsertedCount": 1}

    fetched = httpx.get(
        f"{url}/vectors/fetch", params=[("ids", "east"), ("ids", "nope"), ("namespace", "ns")], headers=headers()
    ).json()
    assert fetched["vectors"] == {"east": {"id": "east", "values": [1.0, 0.0, 0.0], "metadata": {"side": "e"}}}

    query = {"namespace": "ns", "vector": [0.9, 0.1, 0.0], "topK": 2, "includeMetadata": True}
    matches = httpx.post(f"{url}/query", json=query, headers=headers()).json()["matches"]
    assert [m["id"] for m in matches] == ["east", "north"] and matches[0]["metadata"] == {"side": "e"}
    by_id = httpx.post(f"{url}/query", json={"namespace": "ns", "id": "up", "topK": 1}, headers=headers()).json()
    assert by_id["matches"][0]["id"] == "up"
    filtered = {"namespace": "ns", "vector": [1, 0, 0], "topK": 3, "filter": {"side": {"$eq": "n"}}}
    assert [m["id"] for m in httpx.post(f"{url}/query", json=filtered, headers=headers()).json()["matches"]] == [
        "north"
    ]

    stats = httpx.post(f"{url}/describe_index_stats", json={}, headers=headers()).json()
    assert stats["namespaces"] == {"__default__": {"vectorCount": 1}, "ns": {"vectorCount": 3}}
    listed = httpx.get(f"{url}/namespaces", params={"limit": 1}, headers=headers()).json()
    assert listed["namespaces"] == [{"name": "__default__", "record_count": "1"}] and listed["total_count"] == 2
    page2 = httpx.get(
        f"{url}/namespaces", params={"paginationToken": listed["pagination"]["next"]}, headers=headers()
    ).json()
    assert page2 == {"namespaces": [{"name": "ns", "record_count": "3"}], "total_count": 2}
    old = httpx.get(f"{url}/namespaces/ns", headers=headers("2025-10")).json()
    assert old == {"name": "ns", "record_count": 3}
    missing = httpx.get(f"{url}/namespaces/absent", headers=headers())
    assert missing.status_code == 404 and missing.json()["code"] == 5


@pytest.mark.parametrize(
    ("vectors", "needle"),
    [
        ([{"id": f"v{i}", "values": [0.1, 0.2, float(i)]} for i in range(1001)], "maximum is 1000"),
        ([{"id": "x" * 513, "values": [1, 2, 3]}], "1 to 512 characters"),
        ([{"id": "a", "values": [1, 2]}], "Vector dimension 2 does not match the dimension of the index 3"),
        ([{"id": "a", "values": [1, 2, 3], "metadata": {"t": "x" * 41_000}}], "exceeds the limit of 40960 bytes"),
        ([{"id": "a", "values": [1, 2, 3], "metadata": {"nested": {"no": 1}}}], "Metadata value must be"),
        ([{"id": f"big{i}", "values": [0.1] * 3, "metadata": {"t": "y" * 30_000}} for i in range(80)], "2MB"),
    ],
    ids=["count", "id-length", "dimension", "metadata-size", "metadata-type", "request-size"],
)
def test_upsert_limits(url: str, vectors: list[dict], needle: str) -> None:
    response = upsert(url, vectors)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 3 and needle in body["message"] and body["details"] == []


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"topK": 1, "vector": [10**400, 0, 0]}, "finite numbers"),
        ('{"topK": 1, "vector": [1e400, 0, 0]}', "finite numbers"),  # JSON's way to overflow to infinity
        ({"topK": 1, "id": ["east"]}, "id must be a string"),
        ({"topK": 1, "vector": [1, 0, 0], "namespace": 5}, "namespace must be a string"),
        ({"topK": 1, "vector": [1, 0]}, "Vector dimension 2 does not match the dimension of the index 3"),
    ],
    ids=["huge-int", "infinity", "id-list", "namespace-number", "dimension"],
)
def test_bad_query_input_is_a_400_that_names_it(url: str, body: dict | str, needle: str) -> None:
    if isinstance(body, str):
        response = httpx.post(f"{url}/query", content=body, headers={**headers(), "Content-Type": "application/json"})
    else:
        response = httpx.post(f"{url}/query", json=body, headers=headers())
    assert response.status_code == 400
    assert needle in response.json()["message"]


def test_an_import_uri_with_a_sas_token_is_refused_and_never_echoed(url: str) -> None:
    uri = "https://acct.blob.core.windows.net/c/dir?sv=2024-01-01&sig=SECRETSIG"
    response = httpx.post(f"{url}/bulk/imports", json={"uri": uri}, headers=headers())
    assert response.status_code == 400 and "SECRETSIG" not in response.text
    listed = httpx.get(f"{url}/bulk/imports", headers=headers()).json()
    assert listed["data"] == []


def test_fault_spec_syntax() -> None:
    (everywhere, targeted) = parse_fault_spec("429=0.2,503=0.2; latency_ms=5,drop=0.1,500=0.1@POST ^/query")
    assert everywhere.rates == {429: 0.2, 503: 0.2} and everywhere.path_regex is None
    assert targeted.method == "POST" and targeted.path_regex == "^/query" and targeted.latency_ms == 5
    for bad in ("429=2", "418=0.1", "429=0.6,503=0.6", "latency=3", "429=0.1@GET ("):
        with pytest.raises(ValueError):
            parse_fault_spec(bad)


def test_fault_rates_are_seeded_per_endpoint_and_spare_admin(pinecone_emulator: PineconeEmulator, url: str) -> None:
    def statuses() -> Counter[int]:
        with httpx.Client(headers=headers()) as client:
            return Counter(client.post(f"{url}/describe_index_stats", json={}).status_code for _ in range(200))

    pinecone_emulator.set_fault_rates("429=0.25,503=0.25@^/describe_index_stats", seed=7)
    first = statuses()
    assert 20 < first[429] < 80 and 20 < first[503] < 80 and first[200] > 60
    response = httpx.post(f"{url}/describe_index_stats", json={}, headers=headers())
    while response.status_code == 200:
        response = httpx.post(f"{url}/describe_index_stats", json={}, headers=headers())
    assert response.headers["Retry-After"] == "1" and response.json()["code"] in (8, 14)
    assert httpx.get(f"{url}/namespaces", headers=headers()).status_code == 200  # another endpoint
    pinecone_emulator.set_fault_rates("429=0.25,503=0.25@^/describe_index_stats", seed=7)
    assert statuses() == first  # same seed, same sequence

    admin = f"{pinecone_emulator.control_plane_url}/_emulator/fault-rates"
    assert httpx.post(admin, json={"rate_500": 1.0}).json() == {"ok": True}
    assert httpx.post(f"{url}/describe_index_stats", json={}, headers=headers()).status_code == 500
    assert httpx.delete(admin).json() == {"ok": True}
    assert httpx.post(f"{url}/describe_index_stats", json={}, headers=headers()).status_code == 200


def test_dropped_connections_and_latency(pinecone_emulator: PineconeEmulator, url: str) -> None:
    pinecone_emulator.set_fault_rates(drop=1.0, path_regex="^/namespaces")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{url}/namespaces", headers=headers())
    pinecone_emulator.set_fault_rates(latency_ms=300)
    response = httpx.post(f"{url}/describe_index_stats", json={}, headers=headers())
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.3


def test_cli_rejects_a_bad_fault_spec() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow_provider_pinecone.testing.emulator", "--port", "0", "--faults", "429=5"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "429 must be a number between 0 and 1" in result.stderr
