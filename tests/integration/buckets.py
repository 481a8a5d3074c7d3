"""Fresh buckets on the local object-storage servers, shared by the storage and pre-flight tests."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pytest

from airflow_provider_pinecone.storage import ObjectStore, open_object_store
from airflow_provider_pinecone.testing.datasets import parquet_bytes
from airflow_provider_pinecone.testing.object_stores import AZURITE_ACCOUNT

CLOUDS = ("s3", "gcs", "azure")
SERVER_FIXTURES = {"s3": "s3_server", "gcs": "gcs_server", "azure": "azurite_server"}


@dataclass
class Bucket:
    """A fresh bucket (or container) on one cloud's local server."""

    cloud: str
    name: str
    server: Any

    def uri(self, prefix: str = "imports") -> str:
        """The import URI of ``prefix`` in this bucket, in the form Pinecone takes."""
        if self.cloud == "azure":
            return f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/{self.name}/{prefix}"
        return f"{'s3' if self.cloud == 's3' else 'gs'}://{self.name}/{prefix}"

    def put(self, key: str, data: bytes | pa.Table) -> None:
        """Write one object; a table is written as Parquet."""
        self.server.put(self.name, key, parquet_bytes(data) if isinstance(data, pa.Table) else data)

    def put_all(self, objects: dict[str, bytes | pa.Table]) -> None:
        """Write many objects, a few at a time: the servers answer in milliseconds, not microseconds."""
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda item: self.put(*item), objects.items()))

    def use_sdk_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point the cloud SDK's default configuration at this bucket's server."""
        for name, value in self.server.env().items():
            monkeypatch.setenv(name, value)

    def open(self, monkeypatch: pytest.MonkeyPatch, prefix: str = "imports", **kwargs: Any) -> ObjectStore:
        """The store for ``prefix``, built from SDK defaults pointed at the server."""
        self.use_sdk_defaults(monkeypatch)
        return open_object_store(self.uri(prefix), **kwargs)


def new_bucket(cloud: str, server: Any) -> Bucket:
    """Create a bucket with a unique name on ``server``."""
    bucket = Bucket(cloud, f"b-{uuid.uuid4().hex[:12]}", server)
    server.create_bucket(bucket.name)
    return bucket
