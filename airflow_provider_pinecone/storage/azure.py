"""Azure Blob Storage through azure-storage-blob.

With no client given, ``AZURE_STORAGE_CONNECTION_STRING`` is used when set (that is how Azurite is
reached: import URIs keep their ``https://ACCOUNT.blob.core.windows.net/...`` form while requests go
to the connection string's ``BlobEndpoint``). Otherwise the account's blob endpoint is read with
``DefaultAzureCredential`` when azure-identity is installed, or anonymously (public containers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_pinecone.connection_extras import connection_extra
from airflow_provider_pinecone.storage._support import (
    connection_name,
    import_sdk,
    size_connection_pool,
)
from airflow_provider_pinecone.storage.base import DEFAULT_MAX_CONNECTIONS, ObjectStore, StoredObject
from airflow_provider_pinecone.storage.errors import (
    StorageAccessDenied,
    StorageConfigurationError,
    StorageError,
    StorageNotFound,
)
from airflow_provider_pinecone.uris import ImportLocation

#: The service API version clients built here speak. Pinned so requests do not change with the SDK
#: version; old enough for azure-storage-blob 12.19 (our floor) and for Azurite.
AZURE_API_VERSION = "2023-11-03"
#: What one download request reads at most unless the client says otherwise (the SDK's default).
_DEFAULT_SINGLE_GET_SIZE = 32 * 1024 * 1024
_CONN_TYPE = "wasb"
_ACCESS_HINT = (
    "give the identity the Storage Blob Data Reader role on the container, or use a valid "
    "account key, SAS token (with read and list permissions) or connection string"
)


def _blob_sdk() -> Any:
    return import_sdk("azure.storage.blob", extra="azure", package="azure-storage-blob")


def default_azure_client(
    location: ImportLocation, *, endpoint_url: str | None = None, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> Any:
    """A ``BlobServiceClient`` for ``location``'s account from the environment.

    :param endpoint_url: The blob service URL to use instead of ``https://ACCOUNT.blob.core.windows.net``
        (ignored when ``AZURE_STORAGE_CONNECTION_STRING`` is set, which names its own endpoint).
    :param max_connections: Size of the HTTP connection pool, the most parallel requests.
    """
    blob = _blob_sdk()
    options = _client_options(max_connections)
    connection_string = os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
    if connection_string:
        return _from_connection_string(blob, connection_string, options, "AZURE_STORAGE_CONNECTION_STRING")
    return blob.BlobServiceClient(_account_url(location, endpoint_url), credential=_default_credential(), **options)


def azure_client_from_connection(
    conn: Any,
    location: ImportLocation,
    *,
    endpoint_url: str | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> Any:
    """A ``BlobServiceClient`` from an Airflow ``wasb`` connection's standard fields.

    In order: extra ``connection_string``; extra ``sas_token`` (a token, or a full SAS URL);
    login and password as a service principal's client id and secret when extra ``tenant_id`` is set
    (needs azure-identity); login and password as account name and key; extra
    ``shared_access_key`` (the account key); else the credentials of :func:`default_azure_client`.
    The endpoint is ``endpoint_url``, extra ``account_url`` or the host, else the URI's account.
    Extras are also accepted in their old ``extra__wasb__`` form. Used when the Azure provider is
    not installed; otherwise its ``WasbHook`` builds the client.
    """
    blob = _blob_sdk()
    options = _client_options(max_connections)
    extra = conn.extra_dejson or {}
    conn_name = connection_name(conn, "Azure")

    connection_string = connection_extra(extra, "connection_string", _CONN_TYPE)
    if connection_string:
        return _from_connection_string(blob, connection_string, options, f"The connection_string of {conn_name}")
    sas_token = connection_extra(extra, "sas_token", _CONN_TYPE) or ""
    if sas_token.startswith(("https://", "http://")):
        # A SAS URL carries its endpoint and token.
        return _service_client(blob, sas_token, None, options, f"The sas_token of {conn_name}")
    account_url = (
        endpoint_url
        or connection_extra(extra, "account_url", _CONN_TYPE)
        or _url_from_host(conn.host)
        or _account_url(location, None)
    )
    credential = _connection_credential(conn, extra, sas_token, location, conn_name)
    return _service_client(blob, account_url, credential, options, f"The account URL of {conn_name}")


def client_like(client: Any, *, endpoint_url: str | None = None, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> Any:
    """A ``BlobServiceClient`` with ``client``'s credential and URL, sized and pinned as every client here.

    For a client built elsewhere (``WasbHook().get_conn()``, say), which has neither this module's
    connection pool nor its API version. ``client`` is closed.

    :param endpoint_url: The blob service URL to use instead of ``client``'s (a SAS token in
        ``client``'s URL is kept).
    :param max_connections: Size of the HTTP connection pool, the most parallel requests.
    """
    blob = _blob_sdk()
    url = client.url  # includes a SAS token, when that is the credential
    if endpoint_url:
        query = urlsplit(url).query
        url = endpoint_url + (f"?{query}" if query else "")
    try:
        return _service_client(
            blob,
            url,
            client.credential,
            _client_options(max_connections),
            "The blob service URL of the Azure connection",
        )
    finally:
        client.close()


class AzureObjectStore(ObjectStore):
    """An Azure Blob Storage container read with azure-storage-blob.

    ``client`` is a ``BlobServiceClient`` (for example ``WasbHook().get_conn()``).

    :param page_size: Blobs per listing page; ``None`` leaves the service default (5,000).
    """

    def __init__(self, location: ImportLocation, client: Any | None = None, *, page_size: int | None = None) -> None:
        super().__init__(location)
        self.client = client if client is not None else default_azure_client(location)
        self.page_size = page_size
        self._container = self.client.get_container_client(location.bucket)

    def list_objects(self) -> Iterator[StoredObject]:
        what = self.location.url_of(self.location.prefix)
        token: str | None = None
        while True:
            # A fresh page iterator per page, resumed from the token, so each loop is exactly one request.
            with self._request(what):
                pages = self._container.list_blobs(
                    name_starts_with=self.location.prefix or None, results_per_page=self.page_size
                ).by_page(continuation_token=token)
                page = [StoredObject(key=blob.name, size=int(blob.size)) for blob in next(pages)]
            yield from page
            token = pages.continuation_token
            if not token:
                return

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Return bytes ``[start, end)`` of ``key``: one request up to the client's single-GET size.

        The SDK splits longer downloads into chunk requests; this reads them as several ranges
        instead, so the counter sees every request (32 MiB each by default).
        """
        blob = self._container.get_blob_client(key)
        # The client's max_single_get_size option lives in its (private) _config; the SDK default if absent.
        single_get = getattr(getattr(blob, "_config", None), "max_single_get_size", None) or _DEFAULT_SINGLE_GET_SIZE
        chunks = []
        for offset in range(start, end, single_get):
            with self._request(self.location.url_of(key)):
                chunks.append(blob.download_blob(offset=offset, length=min(single_get, end - offset)).readall())
        data = b"".join(chunks)
        self.counter.add(0, len(data))
        return data

    def close(self) -> None:
        self.client.close()

    @contextmanager
    def _request(self, what: str) -> Iterator[None]:
        """Count one request and translate the SDK's errors for ``what`` (a container prefix or blob)."""
        from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError

        self.counter.add()
        try:
            yield
        except (ClientAuthenticationError, HttpResponseError) as error:
            status = error.status_code
            if status is None:  # raised before any request: credentials that cannot sign or get a token
                raise StorageAccessDenied(
                    f"Reading {what} failed: the Azure credentials could not be used ({type(error).__name__}); "
                    f"{_ACCESS_HINT}."
                ) from None
            code = getattr(error, "error_code", None)
            code = getattr(code, "value", code)  # a StorageErrorCode member would print as its enum name
            reason = f"{status} {code}" if code else str(status)
            if code == "ContainerNotFound":
                raise StorageNotFound(f"The container {self.location.bucket!r} does not exist.") from None
            if status == 404:
                raise StorageNotFound(f"{what} does not exist ({reason}).") from None
            if status in (401, 403) or isinstance(error, ClientAuthenticationError):
                raise StorageAccessDenied(f"Access to {what} was denied ({reason}): {_ACCESS_HINT}.") from None
            raise StorageError(f"Reading {what} failed ({reason}).") from None
        except AzureError as error:
            # No connection or retries exhausted; the SDK's text can quote URLs with SAS tokens.
            raise StorageError(
                f"Reading {what} failed: Azure Blob Storage could not be reached ({type(error).__name__})."
            ) from None


def _connection_credential(
    conn: Any, extra: dict[str, Any], sas_token: str, location: ImportLocation, conn_name: str
) -> Any:
    """The credential of a ``wasb`` connection that has no connection string or SAS URL."""
    if sas_token:
        from azure.core.credentials import AzureSasCredential

        return AzureSasCredential(sas_token.lstrip("?"))
    tenant_id = connection_extra(extra, "tenant_id", _CONN_TYPE)
    if conn.password and tenant_id:
        try:
            from azure.identity import ClientSecretCredential
        except ImportError:
            raise StorageConfigurationError(
                f"{conn_name} names a service principal (tenant_id), which needs azure-identity: "
                "pip install azure-identity"
            ) from None
        return ClientSecretCredential(tenant_id, conn.login, conn.password)
    account_key = conn.password or connection_extra(extra, "shared_access_key", _CONN_TYPE)
    if account_key:
        return {"account_name": conn.login or location.account, "account_key": account_key}
    return _default_credential()


def _client_options(max_connections: int) -> dict[str, Any]:
    """Keyword arguments of every client built here: the pinned API version and a sized pool."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport

    session = size_connection_pool(requests.Session(), max_connections)
    return {"api_version": AZURE_API_VERSION, "transport": RequestsTransport(session=session, session_owner=True)}


def _service_client(blob: Any, url: str, credential: Any, options: dict[str, Any], source: str) -> Any:
    try:
        return blob.BlobServiceClient(url, credential=credential, **options)
    except ValueError:
        # Never the SDK's text ("Invalid URL: <url>"): a SAS URL's query string is a secret.
        raise StorageConfigurationError(
            f"{source} is not a valid blob service URL (expected https://ACCOUNT.blob.core.windows.net)."
        ) from None


def _from_connection_string(blob: Any, connection_string: str, options: dict[str, Any], source: str) -> Any:
    try:
        return blob.BlobServiceClient.from_connection_string(connection_string, **options)
    except ValueError:
        # Never the SDK's text or the string itself: it holds the account key.
        raise StorageConfigurationError(
            f"{source} is not a valid Azure Storage connection string "
            "(expected AccountName=...;AccountKey=... or BlobEndpoint=...;SharedAccessSignature=...)."
        ) from None


def _account_url(location: ImportLocation, endpoint_url: str | None) -> str:
    return endpoint_url or f"https://{location.account}.blob.core.windows.net"


def _url_from_host(host: str | None) -> str | None:
    """The connection's host as a blob service URL, as the Azure provider reads it."""
    if not host:
        return None
    if "://" in host:
        return host
    return f"https://{host}" if "." in host else None  # a bare name is not an endpoint


def _default_credential() -> Any:
    """``DefaultAzureCredential`` when azure-identity is installed, else ``None`` (anonymous)."""
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        return None
    return DefaultAzureCredential()
