"""Object storage for import sources: URI parsing, listing and ranged reads on S3, GCS and Azure.

Each cloud is read with its native SDK, installed with the matching extra
(``airflow-provider-pinecone[s3]``, ``[gcs]``, ``[azure]``). Nothing here needs Airflow except
:func:`open_object_store` when it is given a connection id.
"""

from airflow_provider_pinecone.storage.base import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_TAIL_BYTES,
    ObjectStore,
    RequestCounter,
    StoredObject,
)
from airflow_provider_pinecone.storage.connections import open_object_store
from airflow_provider_pinecone.storage.errors import (
    InvalidImportUri,
    StorageAccessDenied,
    StorageConfigurationError,
    StorageError,
    StorageNotFound,
    StorageSdkMissing,
)
from airflow_provider_pinecone.storage.options import StorageOptions
from airflow_provider_pinecone.uris import ACCEPTED_FORMS, ImportLocation, parse_import_uri, without_secrets

__all__ = [
    "ACCEPTED_FORMS",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_TAIL_BYTES",
    "ImportLocation",
    "InvalidImportUri",
    "ObjectStore",
    "RequestCounter",
    "StorageAccessDenied",
    "StorageConfigurationError",
    "StorageError",
    "StorageNotFound",
    "StorageOptions",
    "StorageSdkMissing",
    "StoredObject",
    "open_object_store",
    "parse_import_uri",
    "without_secrets",
]
