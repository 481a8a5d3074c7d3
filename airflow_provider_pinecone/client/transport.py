"""HTTP with retries, for the sync client (workers) and the async client (triggerer).

The two transports share everything but the HTTP library: request description, headers, response
handling and the retry policy. The sync transport sends through ``httpx``. The async transport sends
through the event loop's shared ``aiohttp.ClientSession`` (see :mod:`.pool` for why aiohttp), or
through an ``httpx.AsyncClient`` when one is given (tests use ``httpx.MockTransport``). The API key
travels per request so a shared pool never mixes credentials.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx
import tenacity
from aiohttp.abc import AbstractStreamWriter
from yarl import URL

from airflow_provider_pinecone import __version__
from airflow_provider_pinecone.client.config import ClientConfig
from airflow_provider_pinecone.client.errors import AnsweredError, PineconeConnectionError, error_from_response
from airflow_provider_pinecone.client.pool import SharedAsyncClient, shared_async_client
from airflow_provider_pinecone.client.retry import is_retryable

USER_AGENT = f"airflow-provider-pinecone/{__version__}"
# The connection was never made, so the server cannot have acted on the request. aiohttp's
# ConnectionTimeoutError covers both the connect and the wait for a free pooled connection.
_NOT_SENT_ERRORS = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
    aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError,
)  # fmt: skip


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


def _connection_error(exc: Exception, request: ApiRequest, config: ClientConfig) -> PineconeConnectionError:
    # httpx's and aiohttp's messages name the failure and the host, never the headers, so the key
    # cannot leak through them.
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
    """Non-blocking HTTP for the triggerer, on the event loop's shared ``aiohttp`` session.

    :param http_client: use this ``httpx.AsyncClient`` instead of the loop's shared session
        (tests pass one with an ``httpx.MockTransport``).
    """

    def __init__(self, config: ClientConfig, http_client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = http_client
        # httpx's single timeout bounds connect, each read, each write and the wait for a pooled
        # connection. aiohttp's "connect" covers the pool wait and the connect; sock_read each read,
        # and a stalled upload too, as its timer runs while the body goes out.
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=config.timeout, sock_connect=config.timeout, sock_read=config.timeout
        )

    async def send(self, request: ApiRequest) -> Any:
        """Send ``request`` with retries; return the decoded JSON body.

        The first attempt runs outside tenacity, whose bookkeeping cost as much CPU as the request
        itself; only a retryable failure enters the retry loop, as its first attempt (see
        :meth:`_retry`), so attempts, waits, logs and the budget are the same as with tenacity alone.
        """
        started = time.monotonic()
        try:
            return await self._send_once(request)
        except Exception as exc:
            if not is_retryable(exc, request.idempotent, request.retry_rate_limits):
                raise  # as tenacity would: no retry, the error as it is
            failure = exc
        # Outside the except block: later errors must not carry this one as their context.
        return await self._retry(request, failure, started)

    async def _retry(self, request: ApiRequest, first_failure: Exception, started: float) -> Any:
        """Carry on under the retry policy from a first attempt that failed with ``first_failure``."""
        pending = [first_failure]

        async def attempt(request: ApiRequest) -> Any:
            if pending:  # tenacity's attempt 1 is the one already made
                raise pending.pop()
            return await self._send_once(request)

        def backdate(state: tenacity.RetryCallState) -> None:
            if state.attempt_number == 1:  # the budget (max_elapsed) counts from the first attempt's start
                state.start_time = started

        retrying = tenacity.AsyncRetrying(**_retrying_kwargs(self._config, request), before=backdate)
        return await retrying(attempt, request)

    async def _send_once(self, request: ApiRequest) -> Any:
        if self._http is not None:
            try:
                response = await self._http.request(**_request_kwargs(self._config, request))
            except httpx.TransportError as exc:
                raise _connection_error(exc, request, self._config) from None
            return _result(response, request, self._config)
        async with shared_async_client() as shared, shared.slots:
            return await self._send_on(shared, request)

    async def _send_on(self, shared: SharedAsyncClient, request: ApiRequest) -> Any:
        # Our URLs are built quoted (client/api.py), so yarl need not parse them for quoting again.
        url = URL(request.url, encoded=True)
        proxy, proxy_auth = shared.proxy_for(url.origin())
        body: bytes | PreparedBody | None = None
        if request.content is not None:
            body = PreparedBody(request.content)
        elif request.json is not None:
            # As httpx encodes json=: compact, UTF-8, NaN refused.
            body = json.dumps(request.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        headers = _headers(self._config, request)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            async with shared.http.request(
                request.method, url, params=request.params, data=body, headers=headers, timeout=self._timeout,
                proxy=proxy, proxy_auth=proxy_auth, allow_redirects=False,  # httpx follows none either
            ) as response:  # fmt: skip
                content = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _connection_error(exc, request, self._config) from None
        if response.status >= 400:
            raise error_from_response(
                _answered(response, content), request.operation, api_key_source=self._config.source_of("api_key")
            )
        return json.loads(content) if content else {}


class PreparedBody(aiohttp.BytesPayload):
    """A body encoded before the request (an upsert's, up to 2 MiB), sent as the very object given.

    aiohttp sends a body's first chunk together with the buffered headers; before Python 3.12.9 it
    joins the two into one new bytes object, a copy of the whole body. Writing an empty chunk first
    sends the headers on their own, so the body reaches the socket as it is.
    """

    def __init__(self, body: bytes) -> None:
        super().__init__(body, content_type="application/json")
        #: The bytes given, not a copy.
        self.body = body

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        """Send the headers alone, then the body in one piece."""
        await writer.write(b"")
        await super().write_with_length(writer, content_length)


def _answered(response: aiohttp.ClientResponse, content: bytes) -> AnsweredError:
    """An aiohttp error answer, decoded as httpx would (the declared charset, else UTF-8)."""
    try:
        text = content.decode(response.charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = content.decode("utf-8", errors="replace")
    return AnsweredError(response.status, response.headers, text, response.reason or "")
