"""``delete_namespace`` of the sync and async clients at the HTTP edge (httpx.MockTransport as Pinecone)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from airflow_provider_pinecone.client import (
    AsyncPineconeClient,
    ClientConfig,
    PineconeApiError,
    PineconeClient,
    PineconeNotFoundError,
    PineconeValidationError,
    RetryPolicy,
)

HOST = "docs-abc.svc.pinecone.io"
FAST_RETRY = RetryPolicy(max_attempts=3, max_elapsed=10.0, initial_backoff=0.01, max_backoff=0.02)
NOT_FOUND = {"code": 5, "message": "Namespace not found", "details": []}


class Script:
    """Answers requests from a list of responses and records what was asked."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)


def _config() -> ClientConfig:
    return ClientConfig(api_key="test-key", index_host=HOST, retry=FAST_RETRY)


def _client(script: Script) -> PineconeClient:
    return PineconeClient(_config(), http_client=httpx.Client(transport=httpx.MockTransport(script)))


def _run_async(script: Script, namespace: str, **kwargs: bool) -> bool:
    async def scenario() -> bool:
        async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
            return await AsyncPineconeClient(_config(), http_client=http).delete_namespace(namespace, **kwargs)

    return asyncio.run(scenario())


@pytest.mark.parametrize(
    ("namespace", "path"),
    [
        ("docs/2024 v1", "/namespaces/docs%2F2024%20v1"),
        ("", "/namespaces/__default__"),
        ("__default__", "/namespaces/__default__"),
    ],
)
def test_sends_delete_to_the_quoted_namespace(namespace: str, path: str) -> None:
    script = Script(httpx.Response(200, json={}))
    assert _client(script).delete_namespace(namespace) is True
    (request,) = script.requests
    assert request.method == "DELETE"
    assert request.url.raw_path.decode() == path and request.url.host == HOST
    assert request.headers["Api-Key"] == "test-key"


def test_a_missing_namespace_returns_false_or_raises_when_asked() -> None:
    assert _client(Script(httpx.Response(404, json=NOT_FOUND))).delete_namespace("gone") is False
    with pytest.raises(PineconeNotFoundError, match="Namespace not found") as caught:
        _client(Script(httpx.Response(404, json=NOT_FOUND))).delete_namespace("gone", missing_ok=False)
    assert caught.value.status_code == 404 and caught.value.operation == "delete_namespace"


def test_transient_failures_are_retried_and_other_4xx_are_not() -> None:
    script = Script(httpx.Response(503, json={"code": 14, "message": "busy"}), httpx.Response(200, json={}))
    assert _client(script).delete_namespace("ns") is True and len(script.requests) == 2

    script = Script(httpx.Response(400, json={"code": 3, "message": "bad namespace"}))
    with pytest.raises(PineconeApiError, match="bad namespace"):
        _client(script).delete_namespace("ns")
    assert len(script.requests) == 1


@pytest.mark.parametrize(("bad", "expected"), [(None, "must be a string"), ("x" * 513, "1 to 512"), ("né", "ASCII")])
def test_invalid_namespaces_are_refused_before_sending(bad: object, expected: str) -> None:
    script = Script()
    with pytest.raises(PineconeValidationError, match=expected):
        _client(script).delete_namespace(bad)  # type: ignore[arg-type]
    assert script.requests == []


def test_async_twin_has_the_same_semantics() -> None:
    retried = Script(httpx.Response(429, headers={"Retry-After": "0"}, json={}), httpx.Response(200, json={}))
    assert _run_async(retried, "ns") is True and len(retried.requests) == 2
    assert _run_async(Script(httpx.Response(404, json=NOT_FOUND)), "ns") is False
    with pytest.raises(PineconeNotFoundError):
        _run_async(Script(httpx.Response(404, json=NOT_FOUND)), "ns", missing_ok=False)
