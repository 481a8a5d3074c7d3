"""Building an :class:`~.base.ObjectStore` for a URI from Airflow connections or SDK defaults.

With a connection id, the official provider's hook builds the native client when that provider is
installed (``S3Hook``, ``GCSHook``, ``WasbHook``), so every credential form those providers support
works here too. Without the provider, the connection's standard fields are read. With no connection,
the SDK's own default configuration applies (environment variables, credential files, metadata
servers), which is also how the local emulators are reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_pinecone.storage.base import DEFAULT_MAX_CONNECTIONS, ObjectStore
from airflow_provider_pinecone.uris import ImportLocation, parse_import_uri



def open_object_store(
    uri: str | ImportLocation,
    *,
    aws_conn_id: str | None = None,
    gcp_conn_id: str | None = None,
    azure_conn_id: str | None = None,
    endpoint_url: str | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> ObjectStore:
    """Return the object store that reads ``uri``, on its cloud's native SDK.

    :param aws_conn_id: Airflow connection for ``s3://`` URIs.
    :param gcp_conn_id: Airflow connection for ``gs://`` URIs.
    :param azure_conn_id: Airflow connection for Azure Blob Storage URIs.
    :param endpoint_url: Overrides the storage endpoint: an S3-compatible store, or a local emulator
        (for Azure, the blob service URL of an Azurite account).
    :param max_connections: Size of the client's connection pool, the most parallel requests.
    """
    location = uri if isinstance(uri, ImportLocation) else parse_import_uri(uri)
    sizing = {"endpoint_url": endpoint_url, "max_connections": max_connections}
    if location.cloud == "aws":
        from airflow_provider_pinecone.storage import s3

        client = _client(
            aws_conn_id,
            default=lambda: s3.default_s3_client(**sizing),
            from_connection=lambda conn: s3.s3_client_from_connection(conn, **sizing),
            from_provider=lambda conn_id: _s3_hook_client(conn_id, endpoint_url, max_connections),
        )
        return s3.S3ObjectStore(location, client)
    if location.cloud == "gcp":
        from airflow_provider_pinecone.storage import gcs

        client = _client(
            gcp_conn_id,
            default=lambda: gcs.default_gcs_client(**sizing),
            from_connection=lambda conn: gcs.gcs_client_from_connection(conn, **sizing),
            from_provider=_gcs_hook_client,
        )
        return gcs.GcsObjectStore(location, client)
    from airflow_provider_pinecone.storage import azure

    client = _client(
        azure_conn_id,
        default=lambda: azure.default_azure_client(location, **sizing),
        from_connection=lambda conn: azure.azure_client_from_connection(conn, location, **sizing),
        from_provider=_wasb_hook_client,
    )
    return azure.AzureObjectStore(location, client)


def _client(
    conn_id: str | None,
    *,
    default: Callable[[], Any],
    from_connection: Callable[[Any], Any],
    from_provider: Callable[[str], Any],
) -> Any:
    """The SDK's defaults without a connection; else the provider's hook, or the connection's fields."""
    if conn_id is None:
        return default()
    try:
        return from_provider(conn_id)
    except _ProviderMissing:
        from airflow.sdk import BaseHook

        return from_connection(BaseHook.get_connection(conn_id))


class _ProviderMissing(Exception):
    """The official provider for this cloud is not installed."""


def _s3_hook_client(conn_id: str, endpoint_url: str | None, max_connections: int) -> Any:
    try:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    except ImportError:
        raise _ProviderMissing from None
    from botocore.config import Config

    hook = S3Hook(aws_conn_id=conn_id)
    # Keep the connection's own botocore settings (addressing style, retries); only widen the pool.
    config = (hook.config or Config()).merge(Config(max_pool_connections=max_connections))
    if endpoint_url:
        return hook.get_session().client("s3", endpoint_url=endpoint_url, config=config, verify=hook.verify)
    return hook.get_client_type(config=config)


def _gcs_hook_client(conn_id: str) -> Any:
    try:
        from airflow.providers.google.cloud.hooks.gcs import GCSHook
    except ImportError:
        raise _ProviderMissing from None
    return GCSHook(gcp_conn_id=conn_id).get_conn()


def _wasb_hook_client(conn_id: str) -> Any:
    try:
        from airflow.providers.microsoft.azure.hooks.wasb import WasbHook
    except ImportError:
        raise _ProviderMissing from None
    return WasbHook(wasb_conn_id=conn_id).get_conn()
