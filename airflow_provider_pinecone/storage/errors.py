"""The errors of the storage layer: each names what went wrong and what to do about it."""

from __future__ import annotations

# Parsing import URIs is not storage access: its error lives with the parser, in the neutral
# ``uris`` module, and is re-exported here. It is a ``ValueError`` (a mistake in the task), not a
# ``StorageError``.
from airflow_provider_pinecone.uris import InvalidImportUri


class StorageError(Exception):
    """Object storage could not be read. The message says which bucket or object, and why."""


class StorageConfigurationError(StorageError, ValueError):
    """A connection's settings cannot work (a malformed key, URL or connection string); retrying won't help."""


class StorageNotFound(StorageError):
    """The bucket, container or object does not exist."""


class StorageAccessDenied(StorageError):
    """The credentials in use may not read the bucket, container or object."""


class StorageSdkMissing(StorageError, ImportError):
    """The cloud's SDK is not installed; the message names the extra to install."""

    def __init__(self, extra: str, package: str) -> None:
        super().__init__(
            f"Reading this URI needs the {package} package, which is not installed: install "
            f"airflow-provider-pinecone[{extra}] (pip install 'airflow-provider-pinecone[{extra}]')."
        )
        self.extra = extra


__all__ = [
    "InvalidImportUri",
    "StorageAccessDenied",
    "StorageConfigurationError",
    "StorageError",
    "StorageNotFound",
    "StorageSdkMissing",
]
