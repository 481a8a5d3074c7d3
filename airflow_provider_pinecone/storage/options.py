"""How to reach object storage: the connection of each cloud, an endpoint override and the pool size."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_pinecone.storage.base import DEFAULT_MAX_CONNECTIONS
from airflow_provider_pinecone.uris import Cloud


@dataclass(frozen=True)
class StorageOptions:
    """Everything :func:`~airflow_provider_pinecone.storage.open_object_store` needs besides the URI.

    :param aws_conn_id: Airflow connection for ``s3://`` URIs; ``None``: the SDK's own configuration.
    :param gcp_conn_id: Airflow connection for ``gs://`` URIs.
    :param azure_conn_id: Airflow connection (``wasb``) for Azure Blob Storage URIs.
    :param endpoint_url: Overrides the storage endpoint: an S3-compatible store, or a local emulator
        (for Azure, the blob service URL of an Azurite account).
    :param max_connections: Size of the SDK client's connection pool, the most parallel requests.
    """

    aws_conn_id: str | None = None
    gcp_conn_id: str | None = None
    azure_conn_id: str | None = None
    endpoint_url: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def conn_id_for(self, cloud: Cloud) -> str | None:
        """The connection id for URIs on ``cloud``."""
        return {"aws": self.aws_conn_id, "gcp": self.gcp_conn_id, "azure": self.azure_conn_id}[cloud]
