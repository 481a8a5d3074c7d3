"""The Pinecone operations this provider needs, as a sync and an async client.

Both clients build the same :class:`~.transport.ApiRequest` objects through :class:`_Requests` and
parse the answers with the same models; they differ only in how they send. Neither imports Airflow,
so they can be used on their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from airflow_provider_pinecone.client.config import ClientConfig, read_from
from airflow_provider_pinecone.client.errors import PineconeConfigurationError, PineconeNotFoundError
from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE, ImportModel, IndexModel, IndexStats, QueryMatch
from airflow_provider_pinecone.client.pool import shared_async_client
from airflow_provider_pinecone.client.transport import ApiRequest, AsyncTransport, SyncTransport
from airflow_provider_pinecone.client.upsert import UpsertBatch, batches, encode_mapping
from airflow_provider_pinecone.client.validation import (
    validate_error_mode,
    validate_import_id,
    validate_import_uri,
    validate_integration_id,
    validate_list_limit,
    validate_namespace,
    validate_top_k,
)


class _Requests:
    """Builds every request from a :class:`ClientConfig`; does no I/O."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config

    def index_name(self, name: str | None) -> str:
        name = name or self.config.index_name
        if not name:
            raise PineconeConfigurationError(
                "No index name was given, and no index host to use instead."
                + read_from(self.config.source_of("index_name"))
            )
        return name

    def data_plane(self, host: str, operation: str, method: str, path: str, **kwargs: Any) -> ApiRequest:
        return ApiRequest(operation, method, self.config.index_base_url(host) + path, **kwargs)

    def describe_index(self, name: str) -> ApiRequest:
        url = f"{self.config.control_plane_base_url()}/indexes/{quote(name, safe='')}"
        return ApiRequest("describe_index", "GET", url)

    def list_indexes(self) -> ApiRequest:
        return ApiRequest("list_indexes", "GET", f"{self.config.control_plane_base_url()}/indexes")

    def start_import(self, host: str, uri: str, integration_id: str | None, error_mode: str) -> ApiRequest:
        body: dict[str, Any] = {
            "uri": validate_import_uri(uri),
            # Always explicit: SDKs disagree on the server's default.
            "errorMode": {"onError": validate_error_mode(error_mode)},
        }
        integration = validate_integration_id(integration_id)
        if integration:
            body["integrationId"] = integration
        return self.data_plane(host, "start_import", "POST", "/bulk/imports", json=body, idempotent=False)

    def describe_import(self, host: str, import_id: str) -> ApiRequest:
        path = f"/bulk/imports/{quote(validate_import_id(import_id), safe='')}"
        return self.data_plane(host, "describe_import", "GET", path)

    def list_imports_page(self, host: str, limit: int | None, token: str | None) -> ApiRequest:
        params: dict[str, Any] = {}
        if limit is not None:
            params["limit"] = limit
        if token:
            params["paginationToken"] = token
        return self.data_plane(host, "list_imports", "GET", "/bulk/imports", params=params)

    def cancel_import(self, host: str, import_id: str) -> ApiRequest:
        path = f"/bulk/imports/{quote(validate_import_id(import_id), safe='')}"
        return self.data_plane(host, "cancel_import", "DELETE", path)

    def describe_index_stats(self, host: str) -> ApiRequest:
        return self.data_plane(host, "describe_index_stats", "POST", "/describe_index_stats", json={})

    def query(self, host: str, vector: list[float], top_k: int, namespace: str, include_metadata: bool) -> ApiRequest:
        body = {"vector": vector, "topK": top_k, "namespace": namespace, "includeMetadata": include_metadata}
        return self.data_plane(host, "query", "POST", "/query", json=body)

    def delete_namespace(self, host: str, namespace: str) -> ApiRequest:
        # Idempotent: a repeat finds the namespace gone (404), which delete_namespace reports as such.
        path = f"/namespaces/{quote(validate_namespace(namespace), safe='')}"
        return self.data_plane(host, "delete_namespace", "DELETE", path)

    def upsert(self, host: str, batch: UpsertBatch, retry_rate_limits: bool) -> ApiRequest:
        # Idempotent: writing the same records again leaves the same records, so 5xx are retried.
        return self.data_plane(
            host, "upsert", "POST", "/vectors/upsert", content=batch.body, retry_rate_limits=retry_rate_limits
        )


def _encoded(vectors: Iterable[Mapping[str, Any]], namespace: str) -> Iterator[UpsertBatch]:
    return batches((encode_mapping(vector) for vector in vectors), namespace)


def _parse_upserted(body: Any) -> int:
    return int(body.get("upsertedCount") or 0)


def _parse_start(body: Any) -> str:
    return str(body["id"])


def _parse_page(body: Any) -> tuple[list[ImportModel], str | None]:
    imports = [ImportModel.from_api(item) for item in body.get("data") or []]
    token = (body.get("pagination") or {}).get("next") or None
    return imports, token


def _namespace_deleted(error: PineconeNotFoundError | None, missing_ok: bool) -> bool:
    """``delete_namespace``'s answer: ``True`` if deleted, ``False`` (or the 404 raised) if it did not exist."""
    if error is None:
        return True
    if missing_ok:
        return False
    raise error


def _remember_host(client: PineconeClient | AsyncPineconeClient, name: str | None, index: IndexModel) -> IndexModel:
    """Cache the host of the configured index when describing it: index_host() need not ask again."""
    if client._index_host is None and name in (None, client.config.index_name) and index.host:
        client._index_host = index.host
    return index


class PineconeClient:
    """Blocking Pinecone client for the operations of a bulk import.

    :param config: where and how to connect.
    :param http_client: an ``httpx.Client`` to use instead of a new one (for tests).
    """

    def __init__(self, config: ClientConfig, http_client: httpx.Client | None = None) -> None:
        self.config = config
        self._requests = _Requests(config)
        self._transport = SyncTransport(config, http_client)
        # Looked up once per client: a host is stable for the life of an index, but an index that
        # is deleted and re-created gets a new one, so the cache must not outlive the client.
        self._index_host = config.index_host

    def index_host(self) -> str:
        """The data-plane host: the configured one, or the index's, looked up once and cached."""
        if self._index_host is None:
            self._index_host = self.describe_index().host
        return self._index_host

    def describe_index(self, name: str | None = None) -> IndexModel:
        """Describe an index (by default the configured one) from the control plane."""
        body = self._transport.send(self._requests.describe_index(self._requests.index_name(name)))
        return _remember_host(self, name, IndexModel.from_api(body))

    def list_indexes(self) -> list[IndexModel]:
        """Every index of the project."""
        body = self._transport.send(self._requests.list_indexes())
        return [IndexModel.from_api(item) for item in body.get("indexes") or []]

    def start_import(self, uri: str, *, integration_id: str | None = None, error_mode: str = "continue") -> str:
        """Start a bulk import of ``uri``; return its id."""
        request = self._requests.start_import(self.index_host(), uri, integration_id, error_mode)
        return _parse_start(self._transport.send(request))

    def describe_import(self, import_id: str) -> ImportModel:
        """The current state of one import."""
        return ImportModel.from_api(self._transport.send(self._requests.describe_import(self.index_host(), import_id)))

    def list_imports(self, *, limit: int | None = None) -> Iterator[ImportModel]:
        """Every recent and ongoing import, following pagination to the end.

        :param limit: the page size, 1 to 100 (the API's default is 100).
        """
        limit = validate_list_limit(limit)
        host = self.index_host()
        token: str | None = None
        while True:
            imports, token = _parse_page(self._transport.send(self._requests.list_imports_page(host, limit, token)))
            yield from imports
            if not token:
                return

    def cancel_import(self, import_id: str) -> None:
        """Cancel an unfinished import; a finished one is left as it is (the API ignores it)."""
        self._transport.send(self._requests.cancel_import(self.index_host(), import_id))

    def describe_index_stats(self) -> IndexStats:
        """Vector counts per namespace of the index."""
        return IndexStats.from_api(self._transport.send(self._requests.describe_index_stats(self.index_host())))

    def query(
        self, vector: list[float], *, top_k: int = 10, namespace: str = DEFAULT_NAMESPACE, include_metadata: bool = True
    ) -> list[QueryMatch]:
        """The ``top_k`` records of ``namespace`` nearest to ``vector``, best first."""
        top_k = validate_top_k(top_k)
        request = self._requests.query(
            self.index_host(), [float(v) for v in vector], top_k, namespace, include_metadata
        )
        return [QueryMatch.from_api(match) for match in self._transport.send(request).get("matches") or []]

    def delete_namespace(self, namespace: str, *, missing_ok: bool = True) -> bool:
        """Delete ``namespace`` and every record in it (irreversible), e.g. before importing the same files again.

        Transient failures are retried like every idempotent call; other errors raise at once.

        :param namespace: the namespace; ``""`` or ``"__default__"`` for the default namespace.
        :param missing_ok: when Pinecone answers 404 (no such namespace), return ``False`` instead of
            raising :class:`~.errors.PineconeNotFoundError`. A retry after a lost answer also sees 404.
        :return: ``True`` if the namespace existed and was deleted, ``False`` if it did not exist.
        """
        request = self._requests.delete_namespace(self.index_host(), namespace)
        try:
            self._transport.send(request)
        except PineconeNotFoundError as exc:
            return _namespace_deleted(exc, missing_ok)
        return _namespace_deleted(None, missing_ok)

    def upsert(self, vectors: Iterable[Mapping[str, Any]], namespace: str = "") -> int:
        """Write ``vectors`` into ``namespace`` in as few requests as the limits allow, one at a time.

        :param vectors: dicts with ``id`` and any of ``values``, ``sparse_values`` (or
            ``sparseValues``) and ``metadata`` (see :func:`~.upsert.encode_record`).
        :param namespace: ``""`` or ``"__default__"`` for the default namespace.
        :return: how many records Pinecone acknowledged.
        """
        return sum(self.upsert_batch(batch) for batch in _encoded(vectors, namespace))

    def upsert_batch(self, batch: UpsertBatch, *, retry_rate_limits: bool = True) -> int:
        """Send one prepared upsert request; return the acknowledged record count.

        :param retry_rate_limits: False raises a 429 at once as :class:`PineconeRateLimitError`
            (with ``retry_after``), for a caller that paces its own requests.
        """
        request = self._requests.upsert(self.index_host(), batch, retry_rate_limits)
        return _parse_upserted(self._transport.send(request))

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()


class AsyncPineconeClient:
    """Non-blocking twin of :class:`PineconeClient`, for triggers.

    Requests go through the event loop's shared connection pool unless ``http_client`` is given.
    """

    def __init__(self, config: ClientConfig, http_client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._requests = _Requests(config)
        self._transport = AsyncTransport(config, http_client)
        self._index_host = config.index_host

    async def index_host(self) -> str:
        """The data-plane host: the configured one, or the index's, looked up once and cached."""
        if self._index_host is None:
            self._index_host = (await self.describe_index()).host
        return self._index_host

    async def describe_index(self, name: str | None = None) -> IndexModel:
        """Describe an index (by default the configured one) from the control plane."""
        body = await self._transport.send(self._requests.describe_index(self._requests.index_name(name)))
        return _remember_host(self, name, IndexModel.from_api(body))

    async def start_import(self, uri: str, *, integration_id: str | None = None, error_mode: str = "continue") -> str:
        """Start a bulk import of ``uri``; return its id."""
        request = self._requests.start_import(await self.index_host(), uri, integration_id, error_mode)
        return _parse_start(await self._transport.send(request))

    async def describe_import(self, import_id: str) -> ImportModel:
        """The current state of one import."""
        request = self._requests.describe_import(await self.index_host(), import_id)
        return ImportModel.from_api(await self._transport.send(request))

    async def list_imports(self, *, limit: int | None = None) -> AsyncIterator[ImportModel]:
        """Every recent and ongoing import, following pagination to the end."""
        limit = validate_list_limit(limit)
        host = await self.index_host()
        token: str | None = None
        while True:
            imports, token = _parse_page(
                await self._transport.send(self._requests.list_imports_page(host, limit, token))
            )
            for item in imports:
                yield item
            if not token:
                return

    async def cancel_import(self, import_id: str) -> None:
        """Cancel an unfinished import; a finished one is left as it is."""
        await self._transport.send(self._requests.cancel_import(await self.index_host(), import_id))

    async def describe_index_stats(self) -> IndexStats:
        """Vector counts per namespace of the index."""
        request = self._requests.describe_index_stats(await self.index_host())
        return IndexStats.from_api(await self._transport.send(request))

    async def delete_namespace(self, namespace: str, *, missing_ok: bool = True) -> bool:
        """Async :meth:`PineconeClient.delete_namespace`."""
        request = self._requests.delete_namespace(await self.index_host(), namespace)
        try:
            await self._transport.send(request)
        except PineconeNotFoundError as exc:
            return _namespace_deleted(exc, missing_ok)
        return _namespace_deleted(None, missing_ok)

    async def upsert(self, vectors: Iterable[Mapping[str, Any]], namespace: str = "") -> int:
        """Async :meth:`PineconeClient.upsert` (requests one at a time; for many, see
        :class:`~.upsert_sender.AsyncUpsertSender`)."""
        total = 0
        async with shared_async_client():  # one pool and connection for every request
            for batch in _encoded(vectors, namespace):
                total += await self.upsert_batch(batch)
        return total

    async def upsert_batch(self, batch: UpsertBatch, *, retry_rate_limits: bool = True) -> int:
        """Async :meth:`PineconeClient.upsert_batch`."""
        request = self._requests.upsert(await self.index_host(), batch, retry_rate_limits)
        return _parse_upserted(await self._transport.send(request))
