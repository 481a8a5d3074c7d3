"""HTTP with retries, for the sync client (workers) and the async client (triggerer).

The two transports share everything but the ``await``: request description, headers, response
handling and the retry policy. The async transport uses one pooled ``httpx.AsyncClient`` per event
loop, shared by every client on that loop (see :mod:`.pool`); the API key travels per request so a
shared pool never mixes credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import tenacity

from airflow_provider_pinecone import __version__
from airflow_provider_pinecone.client.config import ClientConfig
from airflow_provider_pinecone.client.errors import PineconeConnectionError, error_from_response
from airflow_provider_pinecone.client.pool import shared_async_client

USER_AGENT = f"airflow-provider-pinecone/{__version__}"
# The connection was never made, so the server cannot have acted on the request.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class ApiRequest:
    """One API call, described without doing any I/O."""

    operation: str
    method: str
    url: str
    params: dict[str, Any] | None = None
    json: Any = None
    idempotent: bool = True
    #: A body already encoded as JSON, sent as it is (upserts build theirs without a dict).
    content: bytes | None = None
    #: False: a 429 is raised at once, for a caller that paces its own requests (the upsert sender).
    retry_rate_limits: bool = True


def _headers(config: ClientConfig, request: ApiRequest) -> dict[str, str]:
    headers = {
        "Api-Key": config.api_key,
        "X-Pinecone-Api-Version": config.api_version,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }
    if request.content is not None:
        headers["Content-Type"] = "application/json"
    return headers


def _request_kwargs(config: ClientConfig, request: ApiRequest) -> dict[str, Any]:
    """Arguments for ``httpx.Client.request`` / ``httpx.AsyncClient.request``."""
    return {
        "method": request.method,
        "url": request.url,
        "params": request.params,
        "json": request.json,
        "content": request.content,
        "headers": _headers(config, request),
        "timeout": config.timeout,
    }


def _retrying_kwargs(config: ClientConfig, request: ApiRequest) -> dict[str, Any]:
    return config.retry.tenacity_kwargs(request.operation, request.idempotent, request.retry_rate_limits)


def _connection_error(exc: httpx.TransportError, request: ApiRequest, config: ClientConfig) -> PineconeConnectionError:
    # httpx messages name the failure, never the headers, so the key cannot leak through them.
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    control_plane = request.url.startswith(config.control_plane_base_url())
    return PineconeConnectionError(
        request.operation, request.url, reason, request_sent=not isinstance(exc, _NOT_SENT_ERRORS),
        host_source=config.source_of("control_plane_url" if control_plane else "index_host"),
    )  # fmt: skip


def _result(response: httpx.Response, request: ApiRequest, config: ClientConfig) -> Any:
    if response.is_error:
        raise error_from_response(response, request.operation, api_key_source=config.source_of("api_key"))
    return response.json() if response.content else {}


class SyncTransport:
    """Blocking HTTP for workers: one connection pool per transport, closed by :meth:`close`."""

    def __init__(self, config: ClientConfig, http_client: httpx.Client | None = None) -> None:
        self._config = config
        self._http = http_client or httpx.Client(timeout=config.timeout)

    def send(self, request: ApiRequest) -> Any:
        """Send ``request`` with retries; return the decoded JSON body."""
        retrying = tenacity.Retrying(**_retrying_kwargs(self._config, request))
        return retrying(self._send_once, request)

    def _send_once(self, request: ApiRequest) -> Any:
        try:
            response = self._http.request(**_request_kwargs(self._config, request))
        except httpx.TransportError as exc:
            raise _connection_error(exc, request, self._config) from None
        return _result(response, request, self._config)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


class AsyncTransport:
    """Non-blocking HTTP for the triggerer, on the event loop's shared connection pool.

    :param http_client: use this ``httpx.AsyncClient`` instead of the loop's shared one
        (tests pass one with an ``httpx.MockTransport``).
    """

    def __init__(self, config: ClientConfig, http_client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = http_client

    async def send(self, request: ApiRequest) -> Any:
        """Send ``request`` with retries; return the decoded JSON body."""
        retrying = tenacity.AsyncRetrying(**_retrying_kwargs(self._config, request))
        return await retrying(self._send_once, request)

    async def _send_once(self, request: ApiRequest) -> Any:
        kwargs = _request_kwargs(self._config, request)
        try:
            if self._http is not None:
                response = await self._http.request(**kwargs)
            else:
                async with shared_async_client() as shared:
                    response = await shared.request(**kwargs)
        except httpx.TransportError as exc:
            raise _connection_error(exc, request, self._config) from None
        return _result(response, request, self._config)
