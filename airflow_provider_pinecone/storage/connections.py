"""Building an :class:`~.base.ObjectStore` for a URI from Airflow connections or SDK defaults.

With a connection id, the official provider's hook supplies the credentials when that provider is
installed (``S3Hook``, ``GCSHook``, ``WasbHook``), so every credential form those providers support
works here too; the client is still built with the options' endpoint and pool size. Without the
provider, the connection's standard fields are read. With no connection, the SDK's own default
configuration applies (environment variables, credential files, metadata servers), which is also
how the local emulators are reached.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from airflow_provider_pinecone.storage.base import ObjectStore
from airflow_provider_pinecone.storage.options import StorageOptions
from airflow_provider_pinecone.uris import ImportLocation, parse_import_uri


def open_object_store(uri: str | ImportLocation, storage: StorageOptions | None = None, **options: Any) -> ObjectStore:
    """Return the object store that reads ``uri``, on its cloud's native SDK.

    :param storage: The connections, endpoint and pool size to use (default: ``StorageOptions()``,
        the SDKs' own configuration).
    :param options: Fields of :class:`StorageOptions` (``aws_conn_id``, ``endpoint_url``,
        ``max_connections``, ...), overriding those of ``storage``.
    """
    storage = dataclasses.replace(storage or StorageOptions(), **options)
    location = uri if isinstance(uri, ImportLocation) else parse_import_uri(uri)
    sizing = {"endpoint_url": storage.endpoint_url, "max_connections": storage.max_connections}
    conn_id = storage.conn_id_for(location.cloud)
    if location.cloud == "aws":
        from airflow_provider_pinecone.storage import s3

        client = _client(
            conn_id,
            default=lambda: s3.default_s3_client(**sizing),
            from_connection=lambda conn: s3.s3_client_from_connection(conn, **sizing),
            from_provider=lambda conn_id: _s3_hook_client(conn_id, storage),
        )
        return s3.S3ObjectStore(location, client)
    if location.cloud == "gcp":
        from airflow_provider_pinecone.storage import gcs

        client = _client(
            conn_id,
            default=lambda: gcs.default_gcs_client(**sizing),
            from_connection=lambda conn: gcs.gcs_client_from_connection(conn, **sizing),
            from_provider=lambda conn_id: _gcs_hook_client(conn_id, storage),
        )
        return gcs.GcsObjectStore(location, client)
    from airflow_provider_pinecone.storage import azure

    client = _client(
        conn_id,
        default=lambda: azure.default_azure_client(location, **sizing),
        from_connection=lambda conn: azure.azure_client_from_connection(conn, location, **sizing),
        from_provider=lambda conn_id: _wasb_hook_client(conn_id, storage),
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


# The official providers' hooks know every credential form of their connections, but build clients
# with their own endpoint and a default pool (10 connections). Each function below takes the
# hook's credentials and builds the client with ``storage``'s endpoint and pool size.


def _s3_hook_client(conn_id: str, storage: StorageOptions) -> Any:
    try:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    except ImportError:
        raise _ProviderMissing from None
    from botocore.config import Config

    hook = S3Hook(aws_conn_id=conn_id)
    # Keep the connection's own botocore settings (addressing style, retries); only widen the pool.
    config = (hook.config or Config()).merge(Config(max_pool_connections=storage.max_connections))
    if storage.endpoint_url:
        return hook.get_session().client("s3", endpoint_url=storage.endpoint_url, config=config, verify=hook.verify)
    return hook.get_client_type(config=config)  # the connection's own endpoint_url, if any


def _gcs_hook_client(conn_id: str, storage: StorageOptions) -> Any:
    try:
        from airflow.providers.google.cloud.hooks.gcs import GCSHook
    except ImportError:
        raise _ProviderMissing from None
    from airflow_provider_pinecone.storage import gcs

    hook = GCSHook(gcp_conn_id=conn_id)
    # GCSHook.get_conn() is storage.Client(credentials=..., project=...), with no endpoint or pool size.
    return gcs.client_with_credentials(
        hook.get_credentials(), hook.project_id,
        endpoint_url=storage.endpoint_url, max_connections=storage.max_connections,
    )  # fmt: skip


def _wasb_hook_client(conn_id: str, storage: StorageOptions) -> Any:
    try:
        from airflow.providers.microsoft.azure.hooks.wasb import WasbHook
    except ImportError:
        raise _ProviderMissing from None
    from airflow_provider_pinecone.storage import azure

    # WasbHook resolves the credential (connection string, SAS, service principal, managed identity).
    return azure.client_like(
        WasbHook(wasb_conn_id=conn_id).get_conn(),
        endpoint_url=storage.endpoint_url, max_connections=storage.max_connections,
    )  # fmt: skip
