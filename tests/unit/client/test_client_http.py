"""Client behaviour at the HTTP edge, with httpx.MockTransport standing in for Pinecone."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from airflow_provider_pinecone.client import (
    AsyncPineconeClient,
    ClientConfig,
    PineconeApiError,
    PineconeClient,
    PineconeConnectionError,
    PineconeServerError,
    PineconeValidationError,
    RetryPolicy,
)

HOST = "docs-abc.svc.pinecone.io"
FAST_RETRY = RetryPolicy(max_attempts=4, max_elapsed=10.0, initial_backoff=0.01, max_backoff=0.05)


class Script:
    """Answers requests from a list of responses and records what was asked."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(script, **config):
    config = ClientConfig(api_key="test-key", index_host=HOST, retry=FAST_RETRY, **config)
    return PineconeClient(config, http_client=httpx.Client(transport=httpx.MockTransport(script)))


def _import(i, status="Pending"):
    return {
        "id": str(i),
        "uri": "s3://b/d",
        "status": status,
        "percentComplete": 0.0,
        "recordsImported": 0,
        "createdAt": "2025-01-01T00:00:00Z",
    }


def test_start_import_sends_explicit_error_mode_and_headers():
    script = Script(httpx.Response(200, json={"id": "101"}))
    assert _client(script).start_import("s3://b/d", error_mode="ABORT", integration_id="integ-1") == "101"
    request = script.requests[0]
    assert request.url == f"https://{HOST}/bulk/imports"
    assert json.loads(request.content) == {
        "uri": "s3://b/d",
        "errorMode": {"onError": "abort"},
        "integrationId": "integ-1",
    }
    assert request.headers["Api-Key"] == "test-key"
    assert request.headers["X-Pinecone-Api-Version"] == "2025-10"


def test_429_with_retry_after_is_honoured_then_succeeds():
    script = Script(
        httpx.Response(429, text="Too many requests", headers={"Retry-After": "0.3"}),
        httpx.Response(200, json=_import(1)),
    )
    started = time.monotonic()
    assert _client(script).describe_import("1").id == "1"
    assert time.monotonic() - started >= 0.3
    assert len(script.requests) == 2


def test_503_then_success():
    script = Script(
        httpx.Response(503, json={"code": 14, "message": "unavailable"}), httpx.Response(200, json=_import(1))
    )
    assert _client(script).describe_import("1").status == "Pending"
    assert len(script.requests) == 2


def test_400_is_never_retried():
    script = Script(httpx.Response(400, json={"code": 3, "message": "Invalid uri"}), httpx.Response(200, json={}))
    with pytest.raises(PineconeApiError) as info:
        _client(script).describe_import("1")
    assert info.value.status_code == 400 and len(script.requests) == 1


def test_attempts_are_bounded():
    script = Script(*[httpx.Response(500, json={"code": 13, "message": "internal"})] * 10)
    with pytest.raises(PineconeServerError, match=r"Gave up after 4 attempt\(s\) over \d+ s, the retry budget") as info:
        _client(script).describe_import("1")
    assert len(script.requests) == FAST_RETRY.max_attempts and info.value.retry_budget_spent


def test_an_error_that_is_not_retried_does_not_claim_a_spent_budget():
    script = Script(httpx.Response(404, json={"code": 5, "message": "no such import"}))
    with pytest.raises(PineconeApiError) as info:
        _client(script).describe_import("1")
    assert "Gave up" not in str(info.value) and not getattr(info.value, "retry_budget_spent", False)


def test_total_retry_time_is_bounded():
    script = Script(*[httpx.Response(429, text="slow", headers={"Retry-After": "5"})] * 10)
    policy = RetryPolicy(max_attempts=10, max_elapsed=0.5, initial_backoff=0.01, max_backoff=0.05)
    client = PineconeClient(
        ClientConfig(api_key="k", index_host=HOST, retry=policy),
        http_client=httpx.Client(transport=httpx.MockTransport(script)),
    )
    started = time.monotonic()
    with pytest.raises(PineconeApiError):
        client.describe_import("1")
    assert time.monotonic() - started < 2.0


def test_connection_errors_are_retried_and_then_named():
    script = Script(*[httpx.ConnectError("connection refused")] * 4)
    with pytest.raises(PineconeConnectionError) as info:
        _client(script).describe_import("1")
    assert len(script.requests) == 4 and HOST in str(info.value) and "test-key" not in str(info.value)


def test_start_import_is_not_blindly_retried_after_an_ambiguous_failure():
    # A 500 may mean the import was created: retrying could start a second one.
    script = Script(
        httpx.Response(500, json={"code": 13, "message": "internal"}), httpx.Response(200, json={"id": "2"})
    )
    with pytest.raises(PineconeServerError):
        _client(script).start_import("s3://b/d")
    assert len(script.requests) == 1


def test_start_import_is_retried_when_pinecone_cannot_have_acted():
    script = Script(
        httpx.ConnectError("refused"),
        httpx.Response(429, text="slow", headers={"Retry-After": "0"}),
        httpx.Response(200, json={"id": "3"}),
    )
    assert _client(script).start_import("s3://b/d") == "3"


def test_list_imports_follows_pagination_to_the_end():
    script = Script(
        httpx.Response(200, json={"data": [_import(1), _import(2)], "pagination": {"next": "t1"}}),
        httpx.Response(200, json={"data": [_import(3), _import(4)], "pagination": {"next": "t2"}}),
        httpx.Response(200, json={"data": [_import(5)]}),
    )
    ids = [imp.id for imp in _client(script).list_imports(limit=2)]
    assert ids == ["1", "2", "3", "4", "5"]
    assert [r.url.params.get("paginationToken") for r in script.requests] == [None, "t1", "t2"]
    assert all(r.url.params["limit"] == "2" for r in script.requests)


def test_index_host_is_resolved_once_through_the_control_plane():
    index = {
        "name": "docs-cache-test",
        "host": HOST,
        "metric": "cosine",
        "dimension": 8,
        "vector_type": "dense",
        "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
        "status": {"ready": True, "state": "Ready"},
    }
    script = Script(
        httpx.Response(200, json=index), httpx.Response(200, json=_import(1)), httpx.Response(200, json=_import(1))
    )
    config = ClientConfig(
        api_key="cache-key", index_name="docs-cache-test", control_plane_url="https://cp.example.com", retry=FAST_RETRY
    )
    client = PineconeClient(config, http_client=httpx.Client(transport=httpx.MockTransport(script)))
    client.describe_import("1")
    client.describe_import("1")
    assert [str(r.url) for r in script.requests] == [
        "https://cp.example.com/indexes/docs-cache-test",
        f"https://{HOST}/bulk/imports/1",
        f"https://{HOST}/bulk/imports/1",
    ]


def test_async_client_retries_and_paginates():
    script = Script(
        httpx.Response(503, json={"code": 14, "message": "unavailable"}),
        httpx.Response(200, json={"data": [_import(1)], "pagination": {"next": "t1"}}),
        httpx.Response(200, json={"data": [_import(2, "Completed")]}),
    )

    async def scenario():
        async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
            client = AsyncPineconeClient(ClientConfig(api_key="k", index_host=HOST, retry=FAST_RETRY), http_client=http)
            return [imp.id async for imp in client.list_imports()]

    assert asyncio.run(scenario()) == ["1", "2"]
    assert len(script.requests) == 3


def test_shared_async_pool_is_one_per_loop_and_closes_with_its_last_user():
    from airflow_provider_pinecone.client.pool import open_shared_clients, shared_async_client

    async def scenario():
        async with shared_async_client() as first, shared_async_client() as second:
            assert first is second
            assert open_shared_clients() == 1
        return first

    shared = asyncio.run(scenario())
    assert shared.http.closed and open_shared_clients() == 0


def test_query_sends_camel_case_and_parses_matches():
    matches = [{"id": "rec-7", "score": 0.99, "metadata": {"category": "news"}}, {"id": "rec-2", "score": 0.5}]
    script = Script(httpx.Response(200, json={"matches": matches, "namespace": "ns1"}))
    found = _client(script).query([1, 2.5], top_k=2, namespace="ns1")
    assert [(m.id, m.score, m.metadata) for m in found] == [("rec-7", 0.99, {"category": "news"}), ("rec-2", 0.5, None)]
    request = script.requests[0]
    assert request.url == f"https://{HOST}/query"
    assert json.loads(request.content) == {"vector": [1.0, 2.5], "topK": 2, "namespace": "ns1", "includeMetadata": True}


def test_query_refuses_a_top_k_out_of_range_before_sending():
    script = Script()
    with pytest.raises(PineconeValidationError, match="top_k must be between 1 and 10,000"):
        _client(script).query([1.0], top_k=0)
    assert script.requests == []


def test_describing_the_configured_index_also_resolves_its_host():
    index = {
        "name": "docs",
        "host": HOST,
        "dimension": 8,
        "metric": "cosine",
        "spec": {"serverless": {"cloud": "aws"}},
        "status": {"ready": True, "state": "Ready"},
    }
    script = Script(httpx.Response(200, json=index), httpx.Response(200, json={"namespaces": {}}))
    config = ClientConfig(api_key="test-key", index_name="docs", retry=FAST_RETRY)
    client = PineconeClient(config, http_client=httpx.Client(transport=httpx.MockTransport(script)))
    client.describe_index()
    client.describe_index_stats()
    assert [r.url.path for r in script.requests] == ["/indexes/docs", "/describe_index_stats"]
