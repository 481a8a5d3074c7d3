"""The storage layer against real local servers: moto's S3, gcp-storage-emulator and Azurite.

Every request goes over HTTP through the cloud's own SDK. Errors the emulators cannot produce
(403 from S3 and GCS, other HTTP failures) come from a local server answering every request with
the response the real service would send, so the SDK builds its own exception from a real response.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import psutil
import pytest

from airflow_provider_pinecone.storage import (
    DEFAULT_MAX_CONNECTIONS,
    ObjectStore,
    StorageAccessDenied,
    StorageError,
    StorageNotFound,
    StorageOptions,
    StorageSdkMissing,
    StoredObject,
    open_object_store,
    parse_import_uri,
)
from airflow_provider_pinecone.testing import object_stores
from airflow_provider_pinecone.testing.object_stores import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    AzuriteServer,
    ObjectStoreStartupError,
)
from tests.integration.buckets import CLOUDS, SERVER_FIXTURES, Bucket, new_bucket
from tests.integration.storage.fault_proxy import LocalHttpServer
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SDK_MODULES = {"s3": "boto3", "gcs": "google.cloud.storage", "azure": "azure.storage.blob"}
CONN_ID = "storage_test"
# Base64, like a real account key, and never to appear in a message.
WRONG_ACCOUNT_KEY = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWstMTIzNDU2Nzg5MA=="


def use_sdk_defaults(monkeypatch: pytest.MonkeyPatch, server: Any) -> None:
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)


@pytest.fixture(params=CLOUDS)
def bucket(request: pytest.FixtureRequest) -> Bucket:
    """A fresh, empty bucket on each cloud's server in turn."""
    return new_bucket(request.param, request.getfixturevalue(SERVER_FIXTURES[request.param]))


def set_connection(monkeypatch: pytest.MonkeyPatch, **fields: Any) -> None:
    """Airflow connection ``CONN_ID``, defined through its environment variable."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(fields))


# ---- listing --------------------------------------------------------------------------------------------


def test_listing_returns_the_prefix_in_key_order_with_sizes_page_by_page(bucket, monkeypatch):
    inside = {f"imports/ns{i % 3}/{i:03d}.parquet": b"x" * (i + 1) for i in range(25)}
    siblings = {"imports-old/0.parquet": b"old", "imports": b"a key, not a directory", "other/imports/0.parquet": b"o"}
    shuffled = list({**inside, **siblings}.items())
    random.Random(7).shuffle(shuffled)  # the emulators must not get away with insertion order
    bucket.put_all(dict(shuffled))
    if bucket.cloud == "s3":
        bucket.server.reset_counts()

    with bucket.open(monkeypatch) as store:
        store.page_size = 10
        listed = list(store.list_objects())

    assert listed == [StoredObject(key, len(data)) for key, data in sorted(inside.items())]
    assert store.counter.requests == 3  # pages of 10, 10 and 5: one request each
    if bucket.cloud == "s3":
        assert bucket.server.request_counts() == {"GET": 3}


def test_listing_an_empty_prefix_costs_one_request(bucket, monkeypatch):
    with bucket.open(monkeypatch, prefix="nothing-here") as store:
        assert list(store.list_objects()) == []
    assert store.counter.requests == 1


def test_listing_the_whole_bucket(bucket, monkeypatch):
    bucket.put_all({"a/1": b"1", "b": b"22"})
    with bucket.open(monkeypatch, prefix="") as store:
        assert list(store.list_objects()) == [StoredObject("a/1", 1), StoredObject("b", 2)]


# ---- ranged reads ---------------------------------------------------------------------------------------


def test_read_range_and_read_tail_make_one_request_each(bucket, monkeypatch):
    data = bytes(range(256)) * 8
    bucket.put_all({"imports/0.parquet": data})
    if bucket.cloud == "s3":
        bucket.server.reset_counts()

    with bucket.open(monkeypatch) as store:
        assert store.read_range("imports/0.parquet", 10, 30) == data[10:30]
        assert (store.counter.requests, store.counter.bytes_read) == (1, 20)
        (obj,) = store.list_objects()
        assert store.read_tail(obj, 100) == data[-100:]
        assert (store.counter.requests, store.counter.bytes_read) == (3, 120)
        assert store.read_tail(obj) == data  # a tail longer than the object is the whole object
        assert store.read_range("imports/0.parquet", 5, 5) == b""
        assert (store.counter.requests, store.counter.bytes_read) == (4, 120 + len(data))
    if bucket.cloud == "s3":
        assert bucket.server.request_counts() == {"GET": 4}


def test_azure_reads_longer_than_one_get_are_split_into_counted_requests(azurite_server):
    from azure.storage.blob import BlobServiceClient

    from airflow_provider_pinecone.storage.azure import AzureObjectStore

    bucket = new_bucket("azure", azurite_server)
    data = os.urandom(2500)
    bucket.put_all({"imports/0.parquet": data})
    client = BlobServiceClient.from_connection_string(azurite_server.connection_string, max_single_get_size=1024)
    with AzureObjectStore(parse_import_uri(bucket.uri()), client) as store:
        assert store.read_range("imports/0.parquet", 100, 2500) == data[100:]
    assert (store.counter.requests, store.counter.bytes_read) == (3, 2400)


# ---- not found, access denied, other failures -----------------------------------------------------------


def test_a_missing_bucket_is_not_found(bucket, monkeypatch):
    missing = Bucket(bucket.cloud, f"missing-{uuid.uuid4().hex[:8]}", bucket.server)
    kind = "container" if bucket.cloud == "azure" else "bucket"
    with missing.open(monkeypatch) as store, pytest.raises(StorageNotFound, match=f"The {kind} '{missing.name}'"):
        list(store.list_objects())
    with missing.open(monkeypatch) as store, pytest.raises(StorageNotFound, match=missing.name):
        store.read_range("imports/0.parquet", 0, 10)


def test_a_missing_object_is_not_found(bucket, monkeypatch):
    with bucket.open(monkeypatch) as store, pytest.raises(StorageNotFound, match=r"imports/absent\.parquet"):
        store.read_range("imports/absent.parquet", 0, 10)
    assert store.counter.requests == 1


class CannedResponseServer(LocalHttpServer):
    """A local HTTP server answering every request with one fixed response."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        canned = (status, body, headers)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, body, headers = canned
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)


def s3_error(status: int, code: str) -> CannedResponseServer:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>no</Message></Error>'
    return CannedResponseServer(status, body.encode(), {"Content-Type": "application/xml"})


def gcs_error(status: int, message: str) -> CannedResponseServer:
    body = json.dumps({"error": {"code": status, "message": message, "errors": [{"message": message}]}})
    return CannedResponseServer(status, body.encode(), {"Content-Type": "application/json"})


def azure_error(status: int, code: str) -> CannedResponseServer:
    body = f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>no</Message></Error>'
    return CannedResponseServer(status, body.encode(), {"Content-Type": "application/xml", "x-ms-error-code": code})


def open_on(cloud: str, server: CannedResponseServer, monkeypatch: pytest.MonkeyPatch) -> ObjectStore:
    """A store for ``cloud`` whose requests all go to ``server``."""
    if cloud == "s3":
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
            monkeypatch.setenv(name, value)
        return open_object_store("s3://bucket/imports", endpoint_url=server.url)
    if cloud == "gcs":
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.url)
        return open_object_store("gs://bucket/imports")
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={server.url}/{AZURITE_ACCOUNT};",
    )
    return open_object_store(f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/bucket/imports")


@pytest.mark.parametrize(
    ("cloud", "server", "permission"),
    [
        ("s3", lambda: s3_error(403, "AccessDenied"), "s3:ListBucket and s3:GetObject"),
        ("gcs", lambda: gcs_error(403, "x does not have storage.objects.list access"), "storage.objects.list"),
        ("azure", lambda: azure_error(403, "AuthorizationPermissionMismatch"), "Storage Blob Data Reader"),
    ],
)
def test_access_denied_names_the_permission_to_grant(cloud, server, permission, monkeypatch):
    with server() as denying, open_on(cloud, denying, monkeypatch) as store:
        with pytest.raises(StorageAccessDenied, match=re.escape(permission)) as listing:
            list(store.list_objects())
        with pytest.raises(StorageAccessDenied, match=re.escape(permission)) as reading:
            store.read_range("imports/0.parquet", 0, 10)
        assert store.counter.requests == 2
    for message in (str(listing.value), str(reading.value)):
        assert not re.search(r"[<{]|https?://127", message), message  # no raw response body, no endpoint URL


@pytest.mark.parametrize(
    ("cloud", "server"),
    [
        ("s3", lambda: s3_error(400, "InvalidArgument")),
        ("gcs", lambda: gcs_error(400, "Invalid argument.")),
        ("azure", lambda: azure_error(400, "InvalidQueryParameterValue")),
    ],
)
def test_other_failures_are_storage_errors_naming_what_was_read(cloud, server, monkeypatch):
    with server() as failing, open_on(cloud, failing, monkeypatch) as store:
        with pytest.raises(StorageError, match="imports/0.parquet failed") as info:
            store.read_range("imports/0.parquet", 0, 10)
    assert type(info.value) is StorageError


@pytest.mark.usefixtures("without_official_providers")
@pytest.mark.parametrize(
    ("account_key", "reason"),
    [(WRONG_ACCOUNT_KEY, "403 AuthorizationFailure"), ("not-base64-SECRET!", "AzureSigningError")],
)
def test_a_wrong_azure_account_key_is_denied_without_the_key_in_the_message(
    azurite_server, monkeypatch, account_key, reason
):
    bucket = new_bucket("azure", azurite_server)
    endpoint = azurite_server.blob_endpoint
    set_connection(monkeypatch, conn_type="wasb", login=AZURITE_ACCOUNT, password=account_key, host=endpoint)
    with open_object_store(bucket.uri(), azure_conn_id=CONN_ID) as store:
        with pytest.raises(StorageAccessDenied, match="Storage Blob Data Reader") as info:
            list(store.list_objects())
    assert reason in str(info.value)
    assert account_key not in str(info.value) and "SECRET" not in str(info.value) and info.value.__cause__ is None


def test_a_malformed_azure_connection_string_is_refused_without_quoting_it(monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", f"AccountKey={WRONG_ACCOUNT_KEY}")
    with pytest.raises(StorageError, match="not a valid Azure Storage connection string") as info:
        open_object_store(f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/c/imports")
    assert WRONG_ACCOUNT_KEY not in str(info.value)


# ---- Airflow connections without the official providers (the *_from_connection paths) -------------------
# The providers are installed in the dev environment; these tests hide them (without_official_providers).


@pytest.mark.usefixtures("without_official_providers")
def test_an_aws_connection_reaches_the_server(s3_server, monkeypatch):
    bucket = new_bucket("s3", s3_server)
    bucket.put_all({"imports/0.parquet": b"abc"})
    set_connection(
        monkeypatch,
        conn_type="aws",
        login="testing",
        password="testing",
        extra={"endpoint_url": s3_server.endpoint_url, "region_name": "us-east-1"},
    )
    with open_object_store(bucket.uri(), aws_conn_id=CONN_ID) as store:
        assert list(store.list_objects()) == [StoredObject("imports/0.parquet", 3)]


@pytest.mark.usefixtures("without_official_providers")
@pytest.mark.parametrize(
    ("extra", "emulator_env"),
    [
        ({"project": "test"}, True),  # the emulator is reached anonymously
        ({"extra__google_cloud_platform__is_anonymous": True}, False),  # old prefixed extras, endpoint_url
    ],
)
def test_a_gcp_connection_reaches_the_server(gcs_server, monkeypatch, extra, emulator_env):
    bucket = new_bucket("gcs", gcs_server)
    bucket.put_all({"imports/0.parquet": b"abc"})
    set_connection(monkeypatch, conn_type="google_cloud_platform", extra=extra)
    if emulator_env:
        use_sdk_defaults(monkeypatch, gcs_server)
        kwargs = {}
    else:
        monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
        kwargs = {"endpoint_url": gcs_server.endpoint_url}
    with open_object_store(bucket.uri(), gcp_conn_id=CONN_ID, **kwargs) as store:
        assert list(store.list_objects()) == [StoredObject("imports/0.parquet", 3)]
        assert store.read_range("imports/0.parquet", 1, 3) == b"bc"


def _service_account_key() -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "type": "service_account",
        "project_id": "key-project",
        "private_key_id": "0",
        "private_key": pem.decode(),
        "client_email": "importer@key-project.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


@pytest.mark.usefixtures("without_official_providers")
@pytest.mark.parametrize("form", ["json", "dict", "prefixed", "key_path"])
def test_a_gcp_connection_key_becomes_service_account_credentials(monkeypatch, tmp_path, form):
    key = _service_account_key()
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(key))
    extra = {
        "json": {"keyfile_dict": json.dumps(key), "project": "conn-project"},
        "dict": {"keyfile_dict": key},
        "prefixed": {"extra__google_cloud_platform__keyfile_dict": json.dumps(key)},
        "key_path": {"key_path": str(key_file)},
    }[form]
    set_connection(monkeypatch, conn_type="google_cloud_platform", extra=extra)
    # No request is made: a token could only come from Google's real token endpoint.
    with open_object_store("gs://bucket/imports", gcp_conn_id=CONN_ID) as store:
        assert store.client._credentials.service_account_email == key["client_email"]
        assert store.client.project == ("conn-project" if form == "json" else "key-project")


@pytest.mark.usefixtures("without_official_providers")
def test_a_broken_gcp_key_is_refused_without_quoting_it(monkeypatch):
    key = _service_account_key()
    del key["client_email"]
    set_connection(monkeypatch, conn_type="google_cloud_platform", extra={"keyfile_dict": json.dumps(key)})
    with pytest.raises(StorageError, match="not a usable service-account key") as info:
        open_object_store("gs://bucket/imports", gcp_conn_id=CONN_ID)
    assert "PRIVATE KEY" not in str(info.value) and CONN_ID in str(info.value)


@pytest.mark.usefixtures("without_official_providers")
def test_an_unreadable_gcp_key_path_is_named(monkeypatch, tmp_path):
    set_connection(monkeypatch, conn_type="google_cloud_platform", extra={"key_path": str(tmp_path / "absent.json")})
    with pytest.raises(StorageError, match=r"absent\.json', cannot be read \(No such file"):
        open_object_store("gs://bucket/imports", gcp_conn_id=CONN_ID)


def _azure_sas(bucket: Bucket) -> str:
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    return generate_container_sas(
        AZURITE_ACCOUNT,
        bucket.name,
        account_key=AZURITE_KEY,
        permission=ContainerSasPermissions(read=True, list=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )


@pytest.mark.usefixtures("without_official_providers")
@pytest.mark.parametrize("form", ["connection_string", "account_key", "sas_token", "prefixed_sas_token"])
def test_an_azure_connection_reaches_azurite(azurite_server, monkeypatch, form):
    bucket = new_bucket("azure", azurite_server)
    bucket.put_all({"imports/0.parquet": b"abc"})
    endpoint = azurite_server.blob_endpoint
    fields: dict[str, Any] = {
        "connection_string": {"extra": {"connection_string": azurite_server.connection_string}},
        "account_key": {"login": AZURITE_ACCOUNT, "password": AZURITE_KEY, "host": endpoint},
        "sas_token": {"extra": {"sas_token": _azure_sas(bucket), "account_url": endpoint}},
        "prefixed_sas_token": {"host": endpoint, "extra": {"extra__wasb__sas_token": "?" + _azure_sas(bucket)}},
    }[form]
    set_connection(monkeypatch, conn_type="wasb", **fields)
    with open_object_store(bucket.uri(), azure_conn_id=CONN_ID) as store:
        assert list(store.list_objects()) == [StoredObject("imports/0.parquet", 3)]
        assert store.read_range("imports/0.parquet", 1, 3) == b"bc"


# ---- the official providers' hooks (S3Hook, GCSHook, WasbHook) -------------------------------------------
# The real hooks of apache-airflow-providers-amazon, -google and -microsoft-azure (in the dev extra),
# from connections defined in AIRFLOW_CONN_* variables. With an endpoint in the options, the
# connection points where nothing listens, so only a client built with the options' endpoint reaches
# the local server; without one, the hook's own endpoint applies. Either way the pool has the
# options' size, not the hook's default (10).

WRONG_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there
POOL = 5
HOOKS = {
    "s3": ("airflow.providers.amazon.aws.hooks.s3", "S3Hook"),
    "gcs": ("airflow.providers.google.cloud.hooks.gcs", "GCSHook"),
    "azure": ("airflow.providers.microsoft.azure.hooks.wasb", "WasbHook"),
}


def spy_on_hook(monkeypatch: pytest.MonkeyPatch, cloud: str) -> list[Any]:
    """Record every instance of the provider's real hook class made while the test runs."""
    module_name, class_name = HOOKS[cloud]
    module = importlib.import_module(module_name)
    made: list[Any] = []

    class Spy(getattr(module, class_name)):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(module, class_name, Spy)
    return made


@pytest.fixture
def without_official_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the providers' hook modules fail to import, as where the providers are not installed."""
    for module_name, _ in HOOKS.values():
        monkeypatch.setitem(sys.modules, module_name, None)


def pool_size(session: Any) -> int:
    return session.adapters["http://"]._pool_maxsize


def read_through(store: ObjectStore) -> None:
    """A listing and a ranged read of the one object every hook test puts, reached on the local server."""
    assert list(store.list_objects()) == [StoredObject("imports/0.parquet", 3)]
    assert store.read_range("imports/0.parquet", 1, 3) == b"bc"


@pytest.mark.parametrize("endpoint_in", ["options", "connection"])
def test_the_s3_hook_path_uses_the_endpoint_and_pool_size(s3_server, monkeypatch, endpoint_in):
    hooks = spy_on_hook(monkeypatch, "s3")
    bucket = new_bucket("s3", s3_server)
    bucket.put_all({"imports/0.parquet": b"abc"})
    extra = {
        "endpoint_url": WRONG_ENDPOINT if endpoint_in == "options" else s3_server.endpoint_url,
        "region_name": "us-east-1",
        "config_kwargs": {"s3": {"addressing_style": "path"}},  # the connection's own botocore settings
    }
    set_connection(monkeypatch, conn_type="aws", login="testing", password="testing", extra=extra)
    storage = StorageOptions(
        aws_conn_id=CONN_ID,
        endpoint_url=s3_server.endpoint_url if endpoint_in == "options" else None,
        max_connections=POOL,
    )
    s3_server.reset_counts()
    with open_object_store(bucket.uri(), storage=storage) as store:
        # The client's endpoint and pool first: a client sent elsewhere would retry for a minute.
        assert store.client.meta.endpoint_url == s3_server.endpoint_url
        assert store.client.meta.config.max_pool_connections == POOL
        assert store.client.meta.config.s3 == {"addressing_style": "path"}
        read_through(store)
    assert s3_server.request_counts() == {"GET": 2}
    assert [hook.aws_conn_id for hook in hooks] == [CONN_ID]


@pytest.mark.parametrize("endpoint_in", ["options", "environment"])
def test_the_gcs_hook_path_uses_the_endpoint_and_pool_size(gcs_server, monkeypatch, endpoint_in):
    # GCSHook has no endpoint setting: the google-cloud-storage client it builds reaches an emulator
    # through STORAGE_EMULATOR_HOST. Credentials: the connection's is_anonymous (the emulator takes
    # none, and Application Default Credentials do not exist here).
    from google.auth.credentials import AnonymousCredentials

    hooks = spy_on_hook(monkeypatch, "gcs")
    bucket = new_bucket("gcs", gcs_server)
    bucket.put_all({"imports/0.parquet": b"abc"})
    set_connection(monkeypatch, conn_type="google_cloud_platform", extra={"project": "test", "is_anonymous": True})
    if endpoint_in == "options":
        monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    else:
        use_sdk_defaults(monkeypatch, gcs_server)
    storage = StorageOptions(
        gcp_conn_id=CONN_ID,
        endpoint_url=gcs_server.endpoint_url if endpoint_in == "options" else None,
        max_connections=POOL,
    )
    with open_object_store(bucket.uri(), storage=storage) as store:
        assert store.client._connection.API_BASE_URL == gcs_server.endpoint_url
        assert pool_size(store.client._http) == POOL
        assert isinstance(store.client._credentials, AnonymousCredentials) and store.client.project == "test"
        read_through(store)
    assert [hook.gcp_conn_id for hook in hooks] == [CONN_ID]


@pytest.mark.parametrize("endpoint_in", ["options", "connection"])
@pytest.mark.parametrize("form", ["connection_string", "account_key", "shared_access_key", "sas_token"])
def test_the_wasb_hook_path_uses_the_endpoint_and_pool_size(azurite_server, monkeypatch, form, endpoint_in):
    hooks = spy_on_hook(monkeypatch, "azure")
    bucket = new_bucket("azure", azurite_server)
    bucket.put_all({"imports/0.parquet": b"abc"})
    # The connection's blob service URL: Azurite's, or (with the endpoint in the options) a dead one.
    blob_endpoint = (
        azurite_server.blob_endpoint if endpoint_in == "connection" else f"{WRONG_ENDPOINT}/{AZURITE_ACCOUNT}"
    )
    connection_string = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={blob_endpoint};"
    )
    fields: dict[str, Any] = {
        "connection_string": {"extra": {"connection_string": connection_string}},
        "account_key": {"login": AZURITE_ACCOUNT, "password": AZURITE_KEY, "host": blob_endpoint},
        "shared_access_key": {"host": blob_endpoint, "extra": {"shared_access_key": AZURITE_KEY}},
        "sas_token": {"host": blob_endpoint, "extra": {"sas_token": _azure_sas(bucket)}},
    }[form]
    set_connection(monkeypatch, conn_type="wasb", **fields)
    storage = StorageOptions(
        azure_conn_id=CONN_ID,
        endpoint_url=azurite_server.blob_endpoint if endpoint_in == "options" else None,
        max_connections=POOL,
    )
    with open_object_store(bucket.uri(), storage=storage) as store:
        assert store.client.url.startswith(azurite_server.blob_endpoint)
        assert pool_size(store.client._pipeline._transport.session) == POOL
        read_through(store)
    assert [hook.conn_id for hook in hooks] == [CONN_ID]


def test_a_wasb_hook_sas_url_is_kept_without_an_endpoint(monkeypatch):
    # WasbHook takes a sas_token that is a whole https URL as the client's URL; no request is made.
    sas_url = f"https://{AZURITE_ACCOUNT}.blob.core.windows.net?sv=1&sig=SECRET"
    set_connection(monkeypatch, conn_type="wasb", extra={"sas_token": sas_url})
    hooks = spy_on_hook(monkeypatch, "azure")
    with open_object_store(
        f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/c/imports", azure_conn_id=CONN_ID
    ) as store:
        assert store.client.url == f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/?sv=1&sig=SECRET"
        assert pool_size(store.client._pipeline._transport.session) == DEFAULT_MAX_CONNECTIONS
    assert len(hooks) == 1


# ---- SDKs not installed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_missing_sdk_names_the_extra_to_install(cloud, monkeypatch):
    monkeypatch.setitem(sys.modules, SDK_MODULES[cloud], None)  # makes `import` of it fail
    uri = Bucket(cloud, "bucket", None).uri()
    with pytest.raises(StorageSdkMissing, match=re.escape(f"airflow-provider-pinecone[{cloud}]")) as info:
        open_object_store(uri)
    assert info.value.extra == cloud


# ---- the servers themselves ----------------------------------------------------------------------------


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_server_that_exits_early_is_reported_with_its_output():
    process = object_stores._ServerProcess("broken", _python("print('no port for you'); raise SystemExit(3)"))
    with pytest.raises(ObjectStoreStartupError, match=r"(?s)exited with code 3.*no port for you"):
        process.start(timeout=30)


def test_a_server_that_never_listens_is_killed_after_the_timeout():
    code = "import os, time; print(os.getpid(), flush=True); time.sleep(60)"
    process = object_stores._ServerProcess("silent", _python(code))
    started = time.monotonic()
    with pytest.raises(ObjectStoreStartupError, match="did not start listening within") as info:
        process.start(timeout=1)
    assert time.monotonic() - started < 10
    pid = int(re.search(r"output:\n(\d+)", str(info.value)).group(1))
    assert not psutil.pid_exists(pid)


def test_stop_kills_a_server_that_ignores_terminate():
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('listening on http://127.0.0.1:1', flush=True); time.sleep(60)"
    )
    process = object_stores._ServerProcess("stubborn", _python(code))
    assert process.start(timeout=30) == "http://127.0.0.1:1"
    pid = process._proc.pid
    process.stop(timeout=0.5)
    process.stop()  # idempotent
    assert not psutil.pid_exists(pid) and not process.running


def test_azurite_not_installed_says_how_to_install_it(tmp_path):
    with pytest.raises(ObjectStoreStartupError, match="make node_modules"):
        AzuriteServer(executable=tmp_path / "azurite-blob").start()


def test_python_servers_exit_when_their_parent_dies(tmp_path):
    # A parent that starts a server and is then killed outright, skipping every cleanup.
    script = (
        "import os, signal, sys; from airflow_provider_pinecone.testing.object_stores import GcsEmulatorServer; "
        "server = GcsEmulatorServer().start(); print(server._process._proc.pid, flush=True); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    parent = subprocess.run(_python(script), capture_output=True, text=True, timeout=60, env={**os.environ})
    pid = int(parent.stdout.split()[0])
    wait_until(lambda: _gone(pid), timeout=10, what=f"the orphaned server (pid {pid}) to exit")


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_s3_middleware_adds_latency_and_counts_by_method():
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        return iter([b"ok"])

    wrapped = object_stores._InstrumentedApp(app, latency_ms=30, count_requests=True)
    started = time.monotonic()
    assert list(wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": "/b/k"}, lambda *args: None)) == [b"ok"]
    assert time.monotonic() - started >= 0.03
    wrapped({"REQUEST_METHOD": "PUT", "PATH_INFO": "/b/k"}, lambda *args: None)
    counts = b"".join(wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": object_stores.COUNTS_PATH}, lambda *a: None))
    assert json.loads(counts) == {"GET": 1, "PUT": 1}
    wrapped({"REQUEST_METHOD": "DELETE", "PATH_INFO": object_stores.COUNTS_PATH}, lambda *args: None)
    counts = b"".join(wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": object_stores.COUNTS_PATH}, lambda *a: None))
    assert json.loads(counts) == {}


def test_s3_server_population_and_byte_counts_serve_benchmarks(s3_server, monkeypatch):
    bucket = new_bucket("s3", s3_server)
    written = s3_server.populate(bucket.name, [f"imports/ns/{i}.parquet" for i in range(50)], b"y" * 300)
    assert written == 50
    s3_server.reset_counts()
    with bucket.open(monkeypatch) as store:
        listed = list(store.list_objects())
        assert [obj.size for obj in listed] == [300] * 50
        assert store.read_tail(listed[0], 100) == b"y" * 100
    assert s3_server.request_counts() == {"GET": 2}
    sent = s3_server.bytes_sent()["GET"]
    assert sent > 100  # the listing's XML plus the 100 bytes read
    s3_server.reset_counts()
    assert s3_server.bytes_sent() == {}
