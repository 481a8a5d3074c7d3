"""Amazon S3 (and S3-compatible stores) through boto3.

With no client given, boto3's default configuration applies: its credential chain, and the
``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` variables that point it at a local server. With no
credentials at all, requests go unsigned, which is how public buckets (Pinecone's sample datasets
among them) are read.

Listing goes through boto3. So does the first ranged read; after it, reads are signed with botocore's
SigV4 signer and sent on a lean keep-alive pool (``_s3_signed``, ``_http``), to the URL and region botocore chose
for that first read: a third of the CPU per read (issue 13).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from airflow_provider_pinecone.connection_extras import connection_extra
from airflow_provider_pinecone.storage import _s3_signed
from airflow_provider_pinecone.storage._http import TransportError
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

    session = boto3.session.Session(botocore_session=_lean_botocore_session())
    config = Config(max_pool_connections=max_connections, retries={"mode": "standard"})
    if session.get_credentials() is None:
        config = config.merge(Config(signature_version=UNSIGNED))
    return session.client("s3", endpoint_url=endpoint_url, config=config)


def _lean_botocore_session() -> Any:
    """A botocore session whose responses keep timestamps as text.

    A listing's only timestamps are each object's ``LastModified``, which pre-flight does not use;
    parsing them with dateutil was about a third of the listing's client CPU (0.03 ms per key).
    """
    import botocore.session

    session = botocore.session.get_session()
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
    return session


class S3ObjectStore(ObjectStore):
    """An S3 bucket read with boto3. ``client`` is a boto3 S3 client (for example ``S3Hook().get_conn()``).

    :param page_size: Objects per listing page; ``None`` leaves the service default (1,000).
    :param fast_reads: Send ranged reads after the first on the lean pool, signed by botocore's signer
        (``False``: every read through boto3's ``get_object``).
    """

    def __init__(
        self,
        location: ImportLocation,
        client: Any | None = None,
        *,
        page_size: int | None = None,
        fast_reads: bool = True,
    ) -> None:
        super().__init__(location)
        self.client = client if client is not None else default_s3_client()
        self.page_size = page_size
        self._getter: _s3_signed.SignedGetter | None = None
        self._seen = threading.local()  # the GetObject request botocore sent on this thread
        self._learn_lock = threading.Lock()  # first reads run in parallel: one of them learns the route
        self._hook_id = f"pinecone-route-{id(self)}"
        self._learning = fast_reads and _s3_signed.fast_path_possible(self.client)
        if self._learning:
            self.client.meta.events.register(
                "before-send.s3.GetObject", self._remember_request, unique_id=self._hook_id
            )

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
        getter = self._getter
        if getter is not None:
            return self._fast_read(getter, key, start, end)
        data = self._sdk_read(key, start, end)
        if self._learning:
            self._learn(key)
        return data

    def _remember_request(self, request: Any, **_: Any) -> None:
        self._seen.request = request  # returns None: botocore then sends the request itself

    def _learn(self, key: str) -> None:
        """Take the route of the GetObject botocore just sent on this thread, if it is a plain one."""
        request = getattr(self._seen, "request", None)
        self._seen.request = None  # a signed request is kept no longer than this
        with self._learn_lock:
            if not self._learning:  # another first read learned it meanwhile
                return
            route = request is not None and _s3_signed.learn_route(request.url, request.headers, key)
            self._stop_learning()
            if route:
                self._getter = _s3_signed.SignedGetter(self.client, route)

    def _stop_learning(self) -> None:
        self._learning = False
        self.client.meta.events.unregister("before-send.s3.GetObject", unique_id=self._hook_id)

    def _fast_read(self, getter: _s3_signed.SignedGetter, key: str, start: int, end: int) -> bytes:
        what = self.location.url_of(key)
        try:
            response = getter.get(key, start, end, self.counter)
        except TransportError as error:
            raise StorageError(f"Reading {what} failed: {error.advice('S3')}") from None
        data = response.range_bytes(start, end)
        if data is None:
            raise self._error(_s3_signed.error_code(response.body) or str(response.status), what)
        self.counter.add(0, len(data))
        return data

    def _sdk_read(self, key: str, start: int, end: int) -> bytes:
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
        with self._learn_lock:
            if self._learning:  # no read succeeded: the hook must not outlive the store on a shared client
                self._stop_learning()
        if self._getter is not None:
            self._getter.close()
        self.client.close()

    def _call(self, operation: str, *, what: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        self.counter.add()
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            raise self._error(code or str(error), what) from None
        except BotoCoreError as error:
            raise StorageError(f"Reading {what} failed: {error}") from None

    def _error(self, code: str, what: str) -> StorageError:
        """The storage error for S3 error ``code`` (or HTTP status) on ``what``, naming what to grant."""
        if code == "NoSuchBucket":
            return StorageNotFound(f"The bucket {self.location.bucket!r} does not exist.")
        if code in _NOT_FOUND:
            return StorageNotFound(f"{what} does not exist ({code}).")
        if code in _DENIED:
            return StorageAccessDenied(
                f"Access to {what} was denied ({code}): give the AWS connection's credentials "
                "s3:ListBucket and s3:GetObject on this bucket."
            )
        return StorageError(f"Reading {what} failed: {code}.")


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
        botocore_session=_lean_botocore_session(),
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
