"""Building an :class:`~.base.ObjectStore` for a URI from Airflow connections or SDK defaults.

With a connection id, the official provider's hook builds the native client when that provider is
installed (``S3Hook``, ``GCSHook``, ``WasbHook``), so every credential form those providers support
works here too. Without the provider, the connection's standard fields are read. With no connection,
the SDK's own default configuration applies (environment variables, credential files, metadata
servers), which is also how the local emulators are reached.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_pinecone.storage.base import ObjectStore
from airflow_provider_pinecone.storage.locations import ImportLocation, parse_import_uri

#: Parallel requests a store is sized for: its SDK client's connection pool.
DEFAULT_MAX_CONNECTIONS = 32


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
    if location.cloud == "aws":
        from airflow_provider_pinecone.storage import s3

        return s3.S3ObjectStore(location, _s3_client(aws_conn_id, endpoint_url, max_connections))
    if location.cloud == "gcp":
        from airflow_provider_pinecone.storage import gcs

        return gcs.GcsObjectStore(location, _gcs_client(gcp_conn_id, endpoint_url, max_connections))
    from airflow_provider_pinecone.storage import azure

    return azure.AzureObjectStore(location, _azure_client(location, azure_conn_id, endpoint_url, max_connections))


def _connection(conn_id: str) -> Any:
    from airflow.sdk import BaseHook

    return BaseHook.get_connection(conn_id)


def _s3_client(conn_id: str | None, endpoint_url: str | None, max_connections: int) -> Any:
    from airflow_provider_pinecone.storage import s3

    if conn_id is None:
        return s3.default_s3_client(endpoint_url=endpoint_url, max_connections=max_connections)
    try:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    except ImportError:
        return s3.s3_client_from_connection(
            _connection(conn_id), endpoint_url=endpoint_url, max_connections=max_connections
        )
    from botocore.config import Config

    hook = S3Hook(aws_conn_id=conn_id, config=Config(max_pool_connections=max_connections))
    if endpoint_url:
        return hook.get_session().client("s3", endpoint_url=endpoint_url, config=hook.config)
    return hook.get_conn()


def _gcs_client(conn_id: str | None, endpoint_url: str | None, max_connections: int) -> Any:
    from airflow_provider_pinecone.storage import gcs

    if conn_id is None:
        return gcs.default_gcs_client(endpoint_url=endpoint_url, max_connections=max_connections)
    try:
        from airflow.providers.google.cloud.hooks.gcs import GCSHook
    except ImportError:
        return gcs.gcs_client_from_connection(
            _connection(conn_id), endpoint_url=endpoint_url, max_connections=max_connections
        )
    return GCSHook(gcp_conn_id=conn_id).get_conn()


def _azure_client(
    location: ImportLocation, conn_id: str | None, endpoint_url: str | None, max_connections: int
) -> Any:
    from airflow_provider_pinecone.storage import azure

    if conn_id is None:
        return azure.default_azure_client(location, endpoint_url=endpoint_url, max_connections=max_connections)
    try:
        from airflow.providers.microsoft.azure.hooks.wasb import WasbHook
    except ImportError:
        return azure.azure_client_from_connection(
            _connection(conn_id), location, endpoint_url=endpoint_url, max_connections=max_connections
        )
    return WasbHook(wasb_conn_id=conn_id).get_conn()
