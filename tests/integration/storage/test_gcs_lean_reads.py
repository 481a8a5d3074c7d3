"""GCS ranged reads on the lean pool, authorised by the client's google-auth credentials.

gcp-storage-emulator serves the objects through :class:`FaultProxy`, which records each request
and answers chosen ones itself (throttling, server errors, denials), so the behaviours the SDK's
download used to provide are checked on the new path against a real server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from airflow_provider_pinecone.storage import (
    StorageAccessDenied,
    StorageError,
    StorageNotFound,
    gcs,
    open_object_store,
    parse_import_uri,
)
from airflow_provider_pinecone.testing.object_stores import GCS_PROJECT, GcsEmulatorServer
from tests.integration.buckets import Bucket, new_bucket
from tests.integration.storage.fault_proxy import Fault, FaultProxy

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

DATA = bytes(range(256)) * 64
KEY = "imports/ns/a b+c.parquet"
TOKEN = "ya29.SECRET-token-never-in-messages"


def gcs_error(status: int, message: str) -> Fault:
    body = json.dumps({"error": {"code": status, "message": message, "errors": [{"message": message}]}})
    return Fault(status, body.encode(), {"Content-Type": "application/json", "Retry-After": "0"})


@pytest.fixture
def bucket(gcs_server: GcsEmulatorServer) -> Bucket:
    made = new_bucket("gcs", gcs_server)
    made.put(KEY, DATA)
    return made


@pytest.fixture
def proxy(gcs_server: GcsEmulatorServer) -> Iterator[FaultProxy]:
    with FaultProxy(gcs_server.endpoint_url) as running:
        yield running


@pytest.fixture
def store(bucket: Bucket, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> Iterator[gcs.GcsObjectStore]:
    """A store reaching the emulator through the proxy with bearer-token credentials."""
    from google.oauth2.credentials import Credentials

    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    client = gcs.client_with_credentials(Credentials(token=TOKEN), GCS_PROJECT, endpoint_url=proxy.url)
    with gcs.GcsObjectStore(parse_import_uri(bucket.uri()), client) as opened:
        yield opened


def reads(proxy: FaultProxy) -> list:
    return [seen for seen in proxy.seen if "alt=media" in seen.path]


def test_reads_go_on_the_lean_pool_with_the_credentials_bearer_token(store, proxy):
    assert store.read_range(KEY, 0, 100) == DATA[:100]
    assert store.read_range(KEY, 16000, 16384) == DATA[16000:16384]
    first, second = reads(proxy)
    for seen, wanted in zip((first, second), ("bytes=0-99", "bytes=16000-16383"), strict=True):
        assert seen.path.startswith("/download/storage/v1/b/") and "a%20b%2Bc.parquet" in seen.path
        headers = {name.lower(): value for name, value in seen.headers.items()}
        assert headers["range"] == wanted and headers["authorization"] == f"Bearer {TOKEN}"
        assert "gcloud-python" not in headers.get("user-agent", "")  # not the SDK's request
        assert not seen.answered_by_proxy
    assert (store.counter.requests, store.counter.bytes_read) == (2, 100 + 384)


def test_sdk_defaults_on_the_emulator_read_anonymously(bucket, proxy, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    with open_object_store(bucket.uri()) as opened:
        assert opened.read_range(KEY, 5, 10) == DATA[5:10]
    (seen,) = reads(proxy)
    assert "authorization" not in {name.lower() for name in seen.headers}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried(store, proxy, status):
    proxy.fail(gcs_error(status, "slow down"), when=lambda method, path: "alt=media" in path)
    assert store.read_range(KEY, 0, 100) == DATA[:100]
    assert [seen.answered_by_proxy for seen in reads(proxy)] == [True, False]
    assert store.counter.requests == 2


def test_denied_names_the_permission_and_the_services_reason_without_the_token(store, proxy):
    reason = "sa@p.iam.gserviceaccount.com does not have storage.objects.get access to the object."
    proxy.fail(gcs_error(403, reason))
    with pytest.raises(StorageAccessDenied, match=re.escape("storage.objects.get")) as info:
        store.read_range(KEY, 0, 10)
    message = str(info.value)
    assert reason in message and TOKEN not in message and "{" not in message
    assert len(reads(proxy)) == 1  # a refusal is not retried


def test_a_missing_object_is_not_found_from_the_real_server(store):
    with pytest.raises(StorageNotFound, match=r"imports/ns/missing\.parquet does not exist \(404\)"):
        store.read_range("imports/ns/missing.parquet", 0, 10)


def test_other_failures_name_the_status_and_object(store, proxy):
    proxy.fail(gcs_error(400, "Invalid argument."))
    with pytest.raises(StorageError, match=r"a b\+c\.parquet failed \(400\)\. Invalid argument\.") as info:
        store.read_range(KEY, 0, 10)
    assert type(info.value) is StorageError


def test_fast_reads_can_be_turned_off(bucket, proxy, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    with gcs.GcsObjectStore(parse_import_uri(bucket.uri()), fast_reads=False) as store:
        assert store.read_range(KEY, 0, 10) == DATA[:10]
    (seen,) = reads(proxy)
    assert "gcloud-python" in {name.lower(): value for name, value in seen.headers.items()}["user-agent"]


def test_a_client_behind_a_proxy_stays_on_the_sdk(bucket, proxy, monkeypatch):
    """The lean pool dials directly: where requests would use a proxy, reads stay on the SDK."""
    from google.oauth2.credentials import Credentials

    from airflow_provider_pinecone.storage._gcs_lean import GcsGetter

    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = gcs.client_with_credentials(Credentials(token=TOKEN), GCS_PROJECT, endpoint_url=proxy.url)
    assert GcsGetter.for_client(client, bucket.name, KEY) is not None
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    assert GcsGetter.for_client(client, bucket.name, KEY) is None
