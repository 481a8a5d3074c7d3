"""Integrated-embedding indexes (create-for-model, records upsert and search) and configure_index.

Over plain HTTP in both index-model shapes (2025-10's ``embed``/``spec``, 2026-07's ``schema``),
and with Pinecone's own SDK 10.2.0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pinecone import Pinecone

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.integrated import embed_dense, embed_sparse

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

DOCS = [
    {"_id": "fox", "chunk_text": "The quick brown fox jumps over the lazy dog", "topic": "animals"},
    {"id": "cat", "chunk_text": "A lazy cat sleeps all day in the sun", "topic": "animals"},
    {"_id": "stocks", "chunk_text": "Stock markets fell sharply as rates rose", "topic": "finance", "year": 2024},
]


def headers(version: str) -> dict[str, str]:
    return {"Api-Key": "k", "X-Pinecone-Api-Version": version}


def ndjson(records: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


class Api:
    """The emulator's control plane and the data plane of one index, in one API version."""

    def __init__(self, control: str, version: str) -> None:
        self.control, self.version = control, version
        self.data = ""

    def create_for_model(self, name: str, **embed: Any) -> httpx.Response:
        body = {"name": name, "cloud": "aws", "region": "us-east-1", "embed": {"field_map": {"text": "chunk_text"}}}
        body["embed"].update(embed)
        response = httpx.post(f"{self.control}/indexes/create-for-model", json=body, headers=headers(self.version))
        if response.status_code == 201:
            self.data = f"http://{response.json()['host']}"
        return response

    def configure(self, name: str, body: Any) -> httpx.Response:
        return httpx.patch(f"{self.control}/indexes/{name}", json=body, headers=headers(self.version))

    def describe(self, name: str) -> dict[str, Any]:
        return httpx.get(f"{self.control}/indexes/{name}", headers=headers(self.version)).json()

    def upsert_records(self, records: list[dict[str, Any]] | bytes, namespace: str = "docs") -> httpx.Response:
        content = records if isinstance(records, bytes) else ndjson(records)
        return httpx.post(
            f"{self.data}/records/namespaces/{namespace}/upsert",
            content=content,
            headers={**headers(self.version), "Content-Type": "application/x-ndjson"},
        )

    def search(self, body: dict[str, Any], namespace: str = "docs") -> httpx.Response:
        return httpx.post(
            f"{self.data}/records/namespaces/{namespace}/search", json=body, headers=headers(self.version)
        )


def error_message(response: httpx.Response, version: str, status: int = 400) -> str:
    """The message of a refusal, checking its shape: ErrorResponse in 2026-07, rpcStatus before."""
    assert response.status_code == status, response.text
    body = response.json()
    if version == "2026-07":
        assert body["status"] == status and set(body["error"]) == {"code", "message"}
        return body["error"]["message"]
    assert set(body) == {"code", "message", "details"}
    return body["message"]


@pytest.fixture(params=["2025-10", "2026-07"])
def api(request: pytest.FixtureRequest, pinecone_emulator: PineconeEmulator) -> Api:
    return Api(pinecone_emulator.control_plane_url, request.param)


@pytest.fixture
def integrate(pinecone_emulator: PineconeEmulator, make_pinecone_index: Callable[..., str]) -> Callable[..., str]:
    """``integrate(api, name, model)``: an index with integrated embedding, on a data plane kept between tests.

    The index is made like any fixture index, then converted by configure_index (2025-10's
    ``embed``), which is much quicker than a create-for-model that starts a new server each test.
    """

    def make(api: Api, name: str, model: str = "multilingual-e5-large") -> str:
        sparse = model == "pinecone-sparse-english-v0"
        made = make_pinecone_index(
            name, dimension=None if sparse else 1024, vector_type="sparse" if sparse else "dense"
        )
        embed = {"embed": {"model": model, "field_map": {"text": "chunk_text"}}}
        converted = httpx.patch(f"{api.control}/indexes/{made}", json=embed, headers=headers("2025-10"))
        assert converted.status_code == 202, converted.text
        api.data = f"http://{pinecone_emulator.index_host(made)}"
        return made

    return make


# --------------------------------------------------------------------- the stand-in model
def test_stand_in_embeddings_are_deterministic_unit_vectors_that_share_words() -> None:
    fox, again = embed_dense("The brown FOX", 384), embed_dense("the brown fox", 384)
    assert fox == again and abs(sum(v * v for v in fox) - 1.0) < 1e-9
    near = sum(a * b for a, b in zip(fox, embed_dense("a brown fox runs", 384), strict=True))
    far = sum(a * b for a, b in zip(fox, embed_dense("stock markets", 384), strict=True))
    assert near > 0.5 > abs(far)
    sparse = embed_sparse("red red blue")
    assert len(sparse.indices) == 2 and sorted(sparse.values) == pytest.approx([1 / 3, 2 / 3])


# ------------------------------------------------------------------------- create-for-model
def test_create_for_model_shows_the_embedding_in_the_versions_index_model(api: Api) -> None:
    created = api.create_for_model("semantic", model="llama-text-embed-v2", dimension=384)
    assert created.status_code == 201, created.text
    model = api.describe("semantic")
    parameters = {
        "read_parameters": {"input_type": "query", "truncate": "END"},
        "write_parameters": {"input_type": "passage", "truncate": "END"},
    }
    if api.version == "2026-07":
        assert model["schema"] == {
            "fields": {
                "chunk_text": {
                    "type": "semantic_text",
                    "model": "llama-text-embed-v2",
                    "metric": "cosine",
                    "dimension": 384,
                    "description": None,
                    **parameters,
                }
            }
        }
    else:
        assert (model["dimension"], model["metric"], model["vector_type"]) == (384, "cosine", "dense")
        assert model["embed"] == {
            "model": "llama-text-embed-v2",
            "metric": "cosine",
            "dimension": 384,
            "vector_type": "dense",
            "field_map": {"text": "chunk_text"},
            **parameters,
        }


@pytest.mark.parametrize(
    ("embed", "expected"),
    [
        ({"model": "text-embedding-3-small"}, "Unknown embedding model 'text-embedding-3-small'"),
        ({"model": "llama-text-embed-v2", "dimension": 100}, "supports the dimensions 384, 512, 768, 1024, 2048"),
        ({"model": "llama-text-embed-v2", "metric": "euclidean"}, "supports the metrics cosine, dotproduct"),
        ({"model": "pinecone-sparse-english-v0", "dimension": 8}, "produces sparse vectors: omit embed.dimension"),
        ({"model": "multilingual-e5-large", "field_map": {}}, "embed.field_map must name the text field"),
    ],
)
def test_create_for_model_refuses_what_the_model_cannot_do(api: Api, embed: dict, expected: str) -> None:
    response = api.create_for_model("bad-model", **embed)
    assert response.status_code == 400 and expected in response.json()["error"]["message"]


# ------------------------------------------------------------------------- records
def test_upsert_records_then_search_by_text_vector_and_id(api: Api, integrate: Callable[..., str]) -> None:
    integrate(api, "semantic")
    upserted = api.upsert_records(DOCS)
    assert upserted.status_code == 201 and upserted.content == b""

    found = api.search({"query": {"inputs": {"text": "lazy dog and fox"}, "top_k": 2}}).json()
    hits = found["result"]["hits"]
    assert [h["_id"] for h in hits] == ["fox", "cat"]
    assert hits[0]["fields"] == {"chunk_text": DOCS[0]["chunk_text"], "topic": "animals"}
    assert found["usage"] == {"read_units": 1, "embed_total_tokens": 4}

    filtered = api.search(
        {"query": {"inputs": {"text": "lazy"}, "top_k": 5, "filter": {"topic": "finance"}}, "fields": ["year"]}
    ).json()["result"]["hits"]
    assert [(h["_id"], h["fields"]) for h in filtered] == [("stocks", {"year": 2024})]

    by_id = api.search({"query": {"id": "cat", "top_k": 1}}).json()["result"]["hits"]
    assert by_id[0]["_id"] == "cat" and by_id[0]["_score"] == pytest.approx(1.0)
    by_vector = {"query": {"vector": {"values": embed_dense("rates rose", 1024)}, "top_k": 1}}
    assert api.search(by_vector).json()["result"]["hits"][0]["_id"] == "stocks"


def test_rerank_reorders_the_first_stage_hits_by_the_query_words(api: Api, integrate: Callable[..., str]) -> None:
    integrate(api, "semantic")
    api.upsert_records(DOCS)
    body = {
        # The first stage ranks fox first (it shares "lazy" and "dog" with the query text) ...
        "query": {"inputs": {"text": "lazy dog"}, "top_k": 3},
        # ... the rerank query's words are all in the cat's text only.
        "rerank": {"model": "bge-reranker-v2-m3", "rank_fields": ["chunk_text"], "top_n": 2, "query": "cat sun"},
        "fields": ["topic"],
    }
    found = api.search(body).json()
    assert [(h["_id"], h["_score"]) for h in found["result"]["hits"]] == [("cat", 1.0), ("fox", 0.0)]
    assert found["result"]["hits"][0]["fields"] == {"topic": "animals"}
    assert found["usage"]["rerank_units"] == 1


def test_sparse_model_embeds_and_matches_terms(api: Api, integrate: Callable[..., str]) -> None:
    integrate(api, "sparse-semantic", "pinecone-sparse-english-v0")
    assert api.upsert_records(DOCS).status_code == 201
    query = {"inputs": {"text": "lazy animals"}, "top_k": 3, "match_terms": {"terms": ["LAZY dog"], "strategy": "all"}}
    hits = api.search({"query": query}).json()["result"]["hits"]
    assert [h["_id"] for h in hits] == ["fox"]
    # Dense values for a sparse index: refused in the words an upsert of them gets.
    dense = api.search({"query": {"vector": {"values": [0.5, 0.5]}, "top_k": 1}})
    assert "Upserting dense vectors is not supported for sparse indexes" in error_message(dense, api.version)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (b"", "newline-delimited JSON objects"),
        (b"{not json}", "Line 1 of the body is not valid JSON"),
        ([{"_id": "a", "id": "b", "chunk_text": "x"}], "has both _id and id"),
        ([{"chunk_text": "x"}], "_id must be a string of 1 to 512"),
        ([{"_id": "a", "text": "x"}], "needs the text field 'chunk_text'"),
        ([{"_id": "a", "chunk_text": 5}], "needs the text field 'chunk_text'"),
        ([{"_id": "a", "chunk_text": "x", "nested": {"no": 1}}], "Metadata value must be a string, number"),
        ([{"_id": str(i), "chunk_text": "x"} for i in range(1001)], "1001 records; the maximum is 1000"),
    ],
)
def test_upsert_records_refuses_bad_records_in_the_versions_error_shape(
    api: Api, integrate: Callable[..., str], records: Any, expected: str
) -> None:
    integrate(api, "semantic")
    assert expected in error_message(api.upsert_records(records), api.version)
    assert api.search({"query": {"inputs": {"text": "x"}, "top_k": 5}}).json()["result"]["hits"] == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, "query must be a JSON object"),
        ({"query": {"inputs": {"text": "x"}}}, "query.top_k must be an integer from 1 to 10000"),
        ({"query": {"top_k": 1}}, "exactly one of inputs, vector or id; got none"),
        ({"query": {"top_k": 1, "id": "fox", "inputs": {"text": "x"}}}, "got inputs, id"),
        ({"query": {"top_k": 1, "inputs": {}}}, "query.inputs needs the query text"),
        ({"query": {"top_k": 1, "vector": {"values": [1.0]}}}, "Vector dimension 1 does not match"),
        ({"query": {"top_k": 1, "id": "nobody"}}, "No record with id 'nobody'"),
        (
            {"query": {"top_k": 1, "inputs": {"text": "x"}, "match_terms": {"terms": ["x"], "strategy": "all"}}},
            "sparse",
        ),
        ({"query": {"top_k": 1, "inputs": {"text": "x"}}, "rerank": {"model": "gpt"}}, "Unknown rerank model 'gpt'"),
        (
            {"query": {"top_k": 1, "inputs": {"text": "x"}}, "rerank": {"model": "bge-reranker-v2-m3"}},
            "rerank.rank_fields must name the fields",
        ),
        (
            {
                "query": {"top_k": 1, "inputs": {"text": "x"}},
                "rerank": {"model": "bge-reranker-v2-m3", "rank_fields": ["a", "b"]},
            },
            "takes 1 rank field; got 2",
        ),
        (
            {
                "query": {"top_k": 1, "id": "fox"},
                "rerank": {"model": "bge-reranker-v2-m3", "rank_fields": ["chunk_text"]},
            },
            "rerank.query is required",
        ),
        (
            {
                "query": {"top_k": 2, "inputs": {"text": "x"}},
                "rerank": {"model": "cohere-rerank-3.5", "rank_fields": ["chunk_text"], "top_n": 3},
            },
            "rerank.top_n must be an integer from 1 to 2",
        ),
        (
            {
                "query": {"top_k": 1, "inputs": {"text": "x"}},
                "rerank": {"model": "bge-reranker-v2-m3", "rank_fields": ["title"]},
            },
            "has no text field 'title' to rerank by",
        ),
        ({"query": {"top_k": 1, "inputs": {"text": "x"}}, "fields": "chunk_text"}, "fields must be an array"),
    ],
)
def test_search_refuses_bad_queries(api: Api, integrate: Callable[..., str], body: dict, expected: str) -> None:
    integrate(api, "semantic")
    api.upsert_records(DOCS[:1])
    assert expected in error_message(api.search(body), api.version)


def test_text_needs_an_integrated_index_but_vectors_do_not(
    api: Api, pinecone_emulator: PineconeEmulator, make_pinecone_index: Callable[..., str]
) -> None:
    api.data = f"http://{pinecone_emulator.index_host(make_pinecone_index(dimension=3))}"
    refused = api.upsert_records([{"_id": "a", "chunk_text": "x"}])
    assert "supported only for indexes with integrated embedding" in error_message(refused, api.version)
    text_search = api.search({"query": {"inputs": {"text": "x"}, "top_k": 1}})
    assert "Searching with text (inputs) is supported only" in error_message(text_search, api.version)

    httpx.post(
        f"{api.data}/vectors/upsert",
        json={"vectors": [{"id": "v", "values": [1.0, 0.0, 0.0], "metadata": {"k": "x"}}], "namespace": "docs"},
        headers=headers(api.version),
    )
    hits = api.search({"query": {"vector": {"values": [1.0, 0.0, 0.0]}, "top_k": 1}}).json()["result"]["hits"]
    assert hits == [{"_id": "v", "_score": pytest.approx(1.0), "fields": {"k": "x"}}]


# --------------------------------------------------------------------- configure_index
def test_configure_index_changes_protection_tags_and_embedding(api: Api, integrate: Callable[..., str]) -> None:
    integrate(api, "configurable")
    answered = api.configure(
        "configurable", {"deletion_protection": "enabled", "tags": {"team": "search", "env": "ci"}}
    )
    assert answered.status_code == (200 if api.version == "2026-07" else 202), answered.text
    assert answered.json()["deletion_protection"] == "enabled"
    assert answered.json()["tags"] == {"team": "search", "env": "ci"}
    delete = httpx.delete(f"{api.control}/indexes/configurable", headers=headers(api.version))
    assert delete.status_code == 403  # protected now

    api.configure("configurable", {"tags": {"env": "", "owner": "me"}})  # "" removes a tag
    assert api.describe("configurable")["tags"] == {"team": "search", "owner": "me"}

    new_read = {"input_type": "query", "truncate": "NONE"}
    if api.version == "2026-07":
        change = {"schema": {"fields": {"chunk_text": {"type": "semantic_text", "read_parameters": new_read}}}}
        api.configure("configurable", change)
        assert api.describe("configurable")["schema"]["fields"]["chunk_text"]["read_parameters"] == new_read
    else:
        api.configure("configurable", {"embed": {"field_map": {"text": "body"}, "read_parameters": new_read}})
        embed = api.describe("configurable")["embed"]
        assert embed["field_map"] == {"text": "body"} and embed["read_parameters"] == new_read


def test_configure_index_turns_a_fitting_index_into_an_integrated_one(
    pinecone_emulator: PineconeEmulator, make_pinecone_index: Callable[..., str]
) -> None:
    api = Api(pinecone_emulator.control_plane_url, "2025-10")
    name = make_pinecone_index(dimension=1024)
    converted = api.configure(name, {"embed": {"model": "multilingual-e5-large", "field_map": {"text": "body"}}})
    assert converted.status_code == 202 and converted.json()["embed"]["model"] == "multilingual-e5-large"
    api.data = f"http://{pinecone_emulator.index_host(name)}"
    assert api.upsert_records([{"_id": "a", "body": "hello"}]).status_code == 201


@pytest.mark.parametrize(
    ("version", "body", "expected"),
    [
        ("2025-10", {"deletion_protection": "on"}, r"deletion_protection .*got 'on'"),
        ("2025-10", {"tags": {"bad key": "x"}}, r"Invalid tag key 'bad key'"),
        ("2025-10", {"tags": {"k": "x" * 121}}, "at most 120 printable ASCII"),
        ("2025-10", {"tags": {f"k{i}": "v" for i in range(21)}}, "at most 20 tags"),
        ("2025-10", {"spec": {"pod": {"replicas": 2}}}, "only spec.serverless can be configured"),
        ("2025-10", {"spec": {"serverless": {"read_capacity": {"mode": "Dedicated"}}}}, r"read_capacity"),
        ("2025-10", {"embed": {"model": "llama-text-embed-v2"}}, "cannot be changed once set"),
        ("2025-10", {"deployment": {"replicas": 2}}, r"deployment"),
        ("2026-07", {"deployment": {"replicas": 2}}, "only be changed on pod-based indexes"),
        ("2026-07", {"read_capacity": {"mode": "Dedicated"}}, r"read_capacity"),
        ("2026-07", {"schema": {"fields": {"other": {"type": "semantic_text"}}}}, "its semantic_text field is"),
        ("2026-07", {"embed": {"model": "x"}}, r"embed"),
        ("2025-10", {"tags": None}, r"tags (may not be null|must be a JSON object, got null)"),
        ("2026-07", {"deletion_protection": None, "schema": None}, r"(deletion_protection|schema).* null"),
    ],
)
def test_configure_index_refusals_change_nothing(
    pinecone_emulator: PineconeEmulator, integrate: Callable[..., str], version: str, body: dict, expected: str
) -> None:
    api = Api(pinecone_emulator.control_plane_url, version)
    integrate(api, "configurable")
    before = api.describe("configurable")
    refused = api.configure("configurable", body)
    # A regex: where the spec's request schema already refuses the body, the gate's message wins.
    assert refused.status_code == 400 and re.search(expected, refused.json()["error"]["message"])
    assert api.describe("configurable") == before


def test_configure_an_unknown_index_is_404(api: Api) -> None:
    response = api.configure("nowhere", {"deletion_protection": "enabled"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


# ------------------------------------------------------------------------------ Pinecone SDK
@pytest.fixture
def pc(pinecone_emulator: PineconeEmulator) -> Iterator[Pinecone]:
    with Pinecone(api_key="k", host=pinecone_emulator.control_plane_url) as client:
        yield client


def test_pinecone_sdk_creates_for_model_upserts_searches_and_configures(
    pc: Pinecone, pinecone_emulator: PineconeEmulator
) -> None:
    pc.create_index_for_model(
        name="sdk-semantic",
        cloud="aws",
        region="us-east-1",
        embed={"model": "multilingual-e5-large", "field_map": {"text": "chunk_text"}},
    )
    # The SDK turns a bare host into https://; the emulator's data planes speak plain HTTP.
    with pc.Index(host=f"http://{pinecone_emulator.index_host('sdk-semantic')}") as index:
        index.upsert_records(namespace="docs", records=DOCS)
        result = index.search(namespace="docs", query={"inputs": {"text": "markets and rates"}, "top_k": 1})
        assert [hit.id for hit in result.result.hits] == ["stocks"]
        reranked = index.search(
            namespace="docs",
            query={"inputs": {"text": "lazy dog"}, "top_k": 2},
            rerank={"model": "bge-reranker-v2-m3", "rank_fields": ["chunk_text"], "query": "cat"},
        )
        assert [hit.id for hit in reranked.result.hits] == ["cat", "fox"]
    configured = pc.configure_index("sdk-semantic", deletion_protection="enabled", tags={"team": "search"})
    assert configured.deletion_protection == "enabled" and configured.tags == {"team": "search"}
