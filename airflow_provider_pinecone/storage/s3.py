"""Amazon S3 (and S3-compatible stores) through boto3.

With no client given, boto3's default configuration applies: its credential chain, and the
``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` variables that point it at a local server. With no
credentials at all, requests go unsigned, which is how public buckets (Pinecone's sample datasets
among them) are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airflow_provider_pinecone.connection_extras import connection_extra
from airflow_provider_pinecone.storage._support import import_sdk
from airflow_provider_pinecone.storage.base import DEFAULT_MAX_CONNECTIONS, ObjectStore, StoredObject
from airflow_provider_pinecone.storage.errors import (
    StorageAccessDenied,
    StorageError,
    StorageNotFound,
)
from airflow_provider_pinecone.uris import ImportLocation

_NOT_FOUND = {"NoSuchBucket", "NoSuchKey", "404", "NotFound"}
_DENIED = {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}


def _boto3() -> Any:
    return import_sdk("boto3", extra="s3", package="boto3")


def default_s3_client(*, endpoint_url: str | None = None, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> Any:
    """A boto3 S3 client from the SDK's default configuration, unsigned if it finds no credentials."""
    boto3 = _boto3()
    from botocore import UNSIGNED
    from botocore.config import Config

    session = boto3.session.Session()
    config = Config(max_pool_connections=max_connections, retries={"mode": "standard"})
    if session.get_credentials() is None:
        config = config.merge(Config(signature_version=UNSIGNED))
    return session.client("s3", endpoint_url=endpoint_url, config=config)


class S3ObjectStore(ObjectStore):
    """An S3 bucket read with boto3. ``client`` is a boto3 S3 client (for example ``S3Hook().get_conn()``).

    :param page_size: Objects per listing page; ``None`` leaves the service default (1,000).
    """

    def __init__(self, location: ImportLocation, client: Any | None = None, *, page_size: int | None = None) -> None:
        super().__init__(location)
        self.client = client if client is not None else default_s3_client()
        self.page_size = page_size

    def list_objects(self) -> Iterator[StoredObject]:
        kwargs: dict[str, Any] = {"Bucket": self.location.bucket, "Prefix": self.location.prefix}
        if self.page_size:
            kwargs["MaxKeys"] = self.page_size
        while True:
            page = self._call("list_objects_v2", what=self.location.url_of(self.location.prefix), **kwargs)
            for item in page.get("Contents", ()):
                yield StoredObject(key=item["Key"], size=int(item["Size"]))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            kwargs["ContinuationToken"] = token

    def read_range(self, key: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        response = self._call(
            "get_object",
            what=self.location.url_of(key),
            Bucket=self.location.bucket,
            Key=key,
            Range=f"bytes={start}-{end - 1}",
        )
        from botocore.exceptions import BotoCoreError

        try:
            data = response["Body"].read()
        except (BotoCoreError, OSError) as error:  # the body streams after the call returned
            raise StorageError(f"Reading {self.location.url_of(key)} failed mid-download: {error}") from None
        self.counter.add(0, len(data))
        return data

    def close(self) -> None:
        self.client.close()

    def _call(self, operation: str, *, what: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        self.counter.add()
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code == "NoSuchBucket":
                raise StorageNotFound(f"The bucket {self.location.bucket!r} does not exist.") from None
            if code in _NOT_FOUND:
                raise StorageNotFound(f"{what} does not exist ({code}).") from None
            if code in _DENIED:
                raise StorageAccessDenied(
                    f"Access to {what} was denied ({code}): give the AWS connection's credentials "
                    "s3:ListBucket and s3:GetObject on this bucket."
                ) from None
            raise StorageError(f"Reading {what} failed: {code or error}.") from None
        except BotoCoreError as error:
            raise StorageError(f"Reading {what} failed: {error}") from None


def s3_client_from_connection(
    conn: Any, *, endpoint_url: str | None = None, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> Any:
    """A boto3 S3 client from an Airflow ``aws`` connection's standard fields.

    Login and password are the access key id and secret; the extra may carry ``region_name``,
    ``endpoint_url`` (or ``host``) and ``aws_session_token``. Used when the Amazon provider is not
    installed; otherwise its ``S3Hook`` builds the client.
    """
    boto3 = _boto3()
    from botocore.config import Config

    extra = conn.extra_dejson or {}
    session = boto3.session.Session(
        aws_access_key_id=conn.login or None,
        aws_secret_access_key=conn.password or None,
        aws_session_token=connection_extra(extra, "aws_session_token", "aws"),
        region_name=connection_extra(extra, "region_name", "aws"),
    )
    return session.client(
        "s3",
        endpoint_url=endpoint_url
        or connection_extra(extra, "endpoint_url", "aws")
        or connection_extra(extra, "host", "aws"),
        config=Config(max_pool_connections=max_connections, retries={"mode": "standard"}),
    )
