"""The one interface pre-flight and the emulator read object storage through.

An :class:`ObjectStore` lists everything under an import directory and reads byte ranges. Each
cloud implements it on its native SDK (``s3.py``, ``gcs.py``, ``azure.py``). Every request is
counted, so a report (and the benchmark) can say how many requests and bytes a check cost.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from airflow_provider_pinecone.uris import ImportLocation

#: Parallel requests a store is sized for (its SDK client's connection pool), and so the files
#: pre-flight reads at once.
DEFAULT_MAX_CONNECTIONS = 32
#: How much of a file's end one request reads: enough for the footer of almost any Parquet file.
DEFAULT_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object: its full key in the bucket and its size in bytes."""

    key: str
    size: int


class RequestCounter:
    """Thread-safe tallies of storage requests made and bytes read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.bytes_read = 0

    def add(self, requests: int = 1, bytes_read: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.bytes_read += bytes_read


class ObjectStore(ABC):
    """Listing and ranged reads on one bucket or container, for one import location.

    Implementations translate their SDK's errors into :class:`~.errors.StorageNotFound`,
    :class:`~.errors.StorageAccessDenied` and :class:`~.errors.StorageError`, and call
    ``self.counter.add`` once per request they make.
    """

    def __init__(self, location: ImportLocation) -> None:
        self.location = location
        self.counter = RequestCounter()

    @abstractmethod
    def list_objects(self) -> Iterator[StoredObject]:
        """Yield every object under the location's prefix, following pagination, in key order."""

    @abstractmethod
    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Return bytes ``[start, end)`` of object ``key`` in one request."""

    def read_tail(self, obj: StoredObject, length: int = DEFAULT_TAIL_BYTES) -> bytes:
        """Return the last ``length`` bytes of ``obj`` (all of it if smaller) in one request."""
        if obj.size == 0:
            return b""
        return self.read_range(obj.key, max(0, obj.size - length), obj.size)

    def close(self) -> None:  # noqa: B027  (optional: a store with nothing to release keeps this no-op)
        """Release the SDK client's connections. The default does nothing."""

    def __enter__(self) -> ObjectStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
