"""S3 ranged reads after the first: signed by botocore's SigV4 signer, sent on the lean pool.

The store talks to moto through :class:`FaultProxy`, which records every request and answers chosen
ones itself (throttling, server errors, denials, a body cut short), so each behaviour botocore used
to provide is checked on the new path against a real server, with requests and bytes counted by
moto's own counters.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from airflow_provider_pinecone.storage import (
    StorageAccessDenied,
    StorageError,
    StorageNotFound,
    open_object_store,
)
from airflow_provider_pinecone.storage.s3 import S3ObjectStore
from airflow_provider_pinecone.testing.object_stores import MotoS3Server
from tests.integration.buckets import Bucket, new_bucket
from tests.integration.storage.fault_proxy import Fault, FaultProxy

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

# A distinctive secret (moto accepts any), to show it never reaches a message.
SECRET = "s3cr3t-Never-In-Messages-0123456789abcdef"
DATA = bytes(range(256)) * 64  # 16 KiB
KEY = "imports/ns/0.parquet"


def s3_error(code: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>no</Message></Error>'.encode()


@pytest.fixture
def bucket(s3_server: MotoS3Server) -> Bucket:
    made = new_bucket("s3", s3_server)
    made.put_all({KEY: DATA, "imports/ns/1.parquet": DATA[:100]})
    return made


@pytest.fixture
def proxy(s3_server: MotoS3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint_url) as running:
        yield running


@pytest.fixture
def store(bucket: Bucket, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3ObjectStore]:
    """A store on ``bucket`` through the proxy whose first read (through botocore) is done."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    with open_object_store(bucket.uri(), endpoint_url=proxy.url) as opened:
        assert isinstance(opened, S3ObjectStore)
        assert opened.read_range(KEY, 0, 4) == DATA[:4]
        yield opened


def is_botocore(seen_headers: dict[str, str]) -> bool:
    return "Botocore" in seen_headers.get("User-Agent", "")


def test_reads_after_the_first_are_sigv4_signed_and_skip_botocore(store, proxy, s3_server):
    s3_server.reset_counts()
    assert store.read_range(KEY, 100, 300) == DATA[100:300]
    assert store.read_range(KEY, 16000, 16384) == DATA[16000:16384]
    first, *fast = proxy.requests_to("/0.parquet")
    assert is_botocore(first.headers) and not any(is_botocore(seen.headers) for seen in fast)
    for seen, wanted in zip(fast, ("bytes=100-299", "bytes=16000-16383"), strict=True):
        assert seen.headers["Range"] == wanted
        authorization = seen.headers["Authorization"]
        assert re.match(r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/us-east-1/s3/aws4_request, ", authorization)
        assert "range" in re.search(r"SignedHeaders=([^,]+)", authorization).group(1).split(";")
        assert SECRET not in str(seen.headers)
    # moto's own counters: one GET per read, and exactly the bytes asked for.
    assert s3_server.request_counts() == {"GET": 2}
    assert s3_server.bytes_sent() == {"GET": 200 + 384}
    assert (store.counter.requests, store.counter.bytes_read) == (3, 4 + 200 + 384)


def test_an_unsigned_client_reads_without_an_authorization_header(bucket, proxy, s3_server, monkeypatch, tmp_path):
    s3_server.admin.put_object_acl(Bucket=bucket.name, Key=KEY, ACL="public-read")  # as Pinecone's sample data
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with open_object_store(bucket.uri(), endpoint_url=proxy.url) as store:
        assert store.read_range(KEY, 0, 10) == DATA[:10]
        assert store.read_range(KEY, 10, 20) == DATA[10:20]
    first, second = proxy.requests_to("/0.parquet")
    assert is_botocore(first.headers) and not is_botocore(second.headers)
    assert "Authorization" not in second.headers


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttling_and_server_errors_are_retried(store, proxy, s3_server, status):
    proxy.fail(Fault(status, s3_error("SlowDown"), {"Retry-After": "0"}))
    s3_server.reset_counts()
    assert store.read_range(KEY, 0, 100) == DATA[:100]
    assert [seen.answered_by_proxy for seen in proxy.requests_to("/0.parquet")[1:]] == [True, False]
    assert s3_server.request_counts() == {"GET": 1}
    assert store.counter.requests == 1 + 2  # the first read, then both attempts of this one


def test_retry_after_is_waited_for(store, proxy):
    proxy.fail(Fault(503, s3_error("SlowDown"), {"Retry-After": "1"}))
    started = time.monotonic()
    assert store.read_range(KEY, 0, 100) == DATA[:100]
    assert time.monotonic() - started >= 0.95


def test_retries_stop_after_the_clients_attempts_naming_the_code_and_object(store, proxy):
    proxy.fail(Fault(503, s3_error("SlowDown"), {"Retry-After": "0"}), times=10)
    with pytest.raises(StorageError, match=r"s3://.*/imports/ns/0\.parquet failed: SlowDown") as info:
        store.read_range(KEY, 0, 100)
    assert type(info.value) is StorageError
    assert len(proxy.requests_to("/0.parquet")) == 1 + 3  # botocore's standard mode: 3 attempts in all


def test_a_body_cut_short_is_retried(store, proxy, s3_server):
    proxy.fail(Fault(cut=True))
    s3_server.reset_counts()
    assert store.read_range(KEY, 0, 1000) == DATA[:1000]
    assert len(proxy.requests_to("/0.parquet")) == 1 + 2
    assert s3_server.bytes_sent() == {"GET": 1000}


def test_a_kept_alive_connection_the_server_dropped_is_replaced_without_a_retry(store, proxy, s3_server):
    assert store.read_range(KEY, 0, 10) == DATA[:10]  # the lean path's connection is now open
    proxy.fail(Fault(then_close=True))
    assert store.read_range(KEY, 10, 20) == DATA[10:20]  # answered, then the connection is closed
    s3_server.reset_counts()
    started = time.monotonic()
    assert store.read_range(KEY, 20, 30) == DATA[20:30]  # on the dropped connection first, then a new one
    assert time.monotonic() - started < 0.5  # no backoff: the request never reached the server
    assert s3_server.request_counts() == {"GET": 1}
    assert store.counter.requests == 1 + 3  # the first read, then one request per read


def test_an_unreachable_server_is_a_storage_error_without_secrets(store, proxy, monkeypatch):
    monkeypatch.setattr("airflow_provider_pinecone.storage._http.retry_delay", lambda attempt, after: 0.0)
    proxy.__exit__()  # the port now refuses connections
    with pytest.raises(StorageError, match=r"imports/ns/0\.parquet failed: .*(Connection|refused)") as info:
        store.read_range(KEY, 0, 100)
    assert SECRET not in str(info.value) and "AKIDEXAMPLE" not in str(info.value)
    assert "Check the network, any proxy, and the storage connection's endpoint URL" in str(info.value)


@pytest.mark.parametrize(
    ("status", "code", "error", "says"),
    [
        (403, "AccessDenied", StorageAccessDenied, "s3:ListBucket and s3:GetObject"),
        (403, "InvalidAccessKeyId", StorageAccessDenied, "s3:ListBucket and s3:GetObject"),
        (403, "SignatureDoesNotMatch", StorageAccessDenied, "s3:ListBucket and s3:GetObject"),
        (404, "NoSuchBucket", StorageNotFound, "does not exist"),
        (400, "InvalidArgument", StorageError, "failed: InvalidArgument"),
    ],
)
def test_refusals_name_what_to_fix_without_secrets(store, proxy, status, code, error, says):
    proxy.fail(Fault(status, s3_error(code), {"Content-Type": "application/xml"}))
    with pytest.raises(error, match=re.escape(says)) as info:
        store.read_range(KEY, 0, 100)
    assert type(info.value) is error
    message = str(info.value)
    assert SECRET not in message and "Signature=" not in message and "<Code>" not in message
    assert len(proxy.requests_to("/0.parquet")) == 2  # not retried


def test_a_missing_object_is_not_found_from_the_real_server(store, s3_server):
    s3_server.reset_counts()
    with pytest.raises(StorageNotFound, match=r"imports/ns/missing\.parquet does not exist \(NoSuchKey\)"):
        store.read_range("imports/ns/missing.parquet", 0, 10)
    assert s3_server.request_counts() == {"GET": 1}


def test_with_a_proxy_configured_every_read_stays_on_botocore(bucket, proxy, monkeypatch):
    # botocore honours HTTP_PROXY and NO_PROXY; the lean pool does not, so it is not used at all.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    with open_object_store(bucket.uri(), endpoint_url=proxy.url) as store:
        for start in (0, 10, 20):
            assert store.read_range(KEY, start, start + 10) == DATA[start : start + 10]
    assert all(is_botocore(seen.headers) for seen in proxy.requests_to("/0.parquet"))


def test_fast_reads_can_be_turned_off(bucket, proxy, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    with open_object_store(bucket.uri(), endpoint_url=proxy.url) as opened:
        store = S3ObjectStore(opened.location, opened.client, fast_reads=False)  # type: ignore[attr-defined]
        for start in (0, 10):
            assert store.read_range(KEY, start, start + 10) == DATA[start : start + 10]
    assert all(is_botocore(seen.headers) for seen in proxy.requests_to("/0.parquet"))
