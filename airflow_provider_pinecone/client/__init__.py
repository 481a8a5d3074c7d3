"""A small Pinecone REST client for bulk imports and upserts (httpx when blocking, aiohttp when async). No Airflow.

>>> from airflow_provider_pinecone.client import ClientConfig, PineconeClient
>>> client = PineconeClient(ClientConfig(api_key="...", index_name="my-index"))
>>> import_id = client.start_import("s3://bucket/import-dir", error_mode="abort")
"""

from airflow_provider_pinecone.client.api import AsyncPineconeClient, PineconeClient
from airflow_provider_pinecone.client.config import (
    DEFAULT_API_VERSION,
    DEFAULT_CONTROL_PLANE_URL,
    DEFAULT_TIMEOUT,
    SUPPORTED_API_VERSIONS,
    ClientConfig,
)
from airflow_provider_pinecone.client.errors import (
    PineconeApiError,
    PineconeAuthenticationError,
    PineconeConfigurationError,
    PineconeConnectionError,
    PineconeError,
    PineconeNotFoundError,
    PineconeRateLimitError,
    PineconeServerError,
    PineconeValidationError,
)
from airflow_provider_pinecone.client.models import (
    DEFAULT_NAMESPACE,
    TERMINAL_STATUSES,
    ImportModel,
    ImportStatus,
    IndexModel,
    IndexStats,
    QueryMatch,
)
from airflow_provider_pinecone.client.retry import RetryPolicy
from airflow_provider_pinecone.client.throttle import NamespaceThrottle
from airflow_provider_pinecone.client.upsert import (
    RecordTooLarge,
    UpsertBatch,
    UpsertBatcher,
    batches,
    encode_mapping,
    encode_record,
)
from airflow_provider_pinecone.client.upsert_sender import AsyncUpsertSender, SendStats
from airflow_provider_pinecone.client.validation import MAX_TOP_K

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_CONTROL_PLANE_URL",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TIMEOUT",
    "MAX_TOP_K",
    "SUPPORTED_API_VERSIONS",
    "TERMINAL_STATUSES",
    "AsyncPineconeClient",
    "AsyncUpsertSender",
    "ClientConfig",
    "ImportModel",
    "ImportStatus",
    "NamespaceThrottle",
    "IndexModel",
    "IndexStats",
    "PineconeApiError",
    "PineconeAuthenticationError",
    "PineconeClient",
    "PineconeConfigurationError",
    "PineconeConnectionError",
    "PineconeError",
    "PineconeNotFoundError",
    "PineconeRateLimitError",
    "PineconeServerError",
    "PineconeValidationError",
    "QueryMatch",
    "RecordTooLarge",
    "RetryPolicy",
    "SendStats",
    "UpsertBatch",
    "UpsertBatcher",
    "batches",
    "encode_mapping",
    "encode_record",
]
