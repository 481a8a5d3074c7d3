from __future__ import annotations

import httpx
import pytest

from airflow_provider_pinecone.client import (
    ClientConfig,
    PineconeApiError,
    PineconeAuthenticationError,
    PineconeClient,
    PineconeConfigurationError,
    PineconeConnectionError,
    PineconeError,
    PineconeNotFoundError,
    PineconeRateLimitError,
    PineconeServerError,
    PineconeValidationError,
)
from airflow_provider_pinecone.client.errors import error_from_response
from airflow_provider_pinecone.client.validation import (
    validate_error_mode,
    validate_import_id,
    validate_import_uri,
    validate_list_limit,
)


def _response(status, content, headers=None):
    return httpx.Response(status, content=content, headers=headers or {})


def test_data_plane_rpc_status():
    err = error_from_response(_response(400, b'{"code": 3, "message": "bad uri", "details": []}'), "start_import")
    assert type(err) is PineconeApiError
    assert (err.status_code, err.code, err.message, err.operation) == (
        400,
        "INVALID_ARGUMENT",
        "bad uri",
        "start_import",
    )
    assert "start_import" in str(err) and "HTTP 400" in str(err) and "bad uri" in str(err)


def test_control_plane_error_shape():
    body = b'{"error": {"code": "NOT_FOUND", "message": "Resource docs not found"}, "status": 404}'
    err = error_from_response(_response(404, body), "describe_index")
    assert (
        isinstance(err, PineconeNotFoundError) and err.code == "NOT_FOUND" and err.message == "Resource docs not found"
    )


def test_plain_text_401_is_an_authentication_error_with_a_hint():
    err = error_from_response(_response(401, b"Invalid API Key"), "describe_import")
    assert isinstance(err, PineconeAuthenticationError) and err.code is None and err.message == "Invalid API Key"
    assert str(err).endswith("Check the API key: it must be a key of the project that owns the index")


def test_the_hint_names_where_the_key_was_read_from_when_told():
    err = error_from_response(_response(403, b"no"), "describe_import", api_key_source="the vault entry 'pc'")
    assert "Check the API key (read from the vault entry 'pc'): it must be a key" in str(err)
    other = error_from_response(_response(404, b"no"), "describe_import", api_key_source="the vault entry 'pc'")
    assert "vault" not in str(other)  # only an authentication error is about the key


def test_rate_limit_carries_retry_after_and_long_bodies_are_cut():
    err = error_from_response(_response(429, b"slow down", {"Retry-After": "3"}), "list_imports")
    assert isinstance(err, PineconeRateLimitError) and err.retry_after == 3.0
    html = error_from_response(_response(502, b"<html>" + b"x" * 5000), "describe_import")
    assert isinstance(html, PineconeServerError) and len(html.message) <= 500


@pytest.mark.parametrize(
    ("value", "expected"),
    [("continue", "continue"), ("ABORT", "abort"), (" Continue ", "continue")],
)
def test_error_mode_any_case(value, expected):
    assert validate_error_mode(value) == expected


@pytest.mark.parametrize(
    "uri",
    ["s3://bucket/dir", "s3://bucket", "gs://b/some/dir/", "https://acct1.blob.core.windows.net/container/dir"],
)
def test_accepted_uris(uri):
    assert validate_import_uri(uri) == uri


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: validate_import_uri("ftp://bucket/dir"), "s3://BUCKET/IMPORT_DIR"),
        (lambda: validate_import_uri("https://example.com/x"), "blob.core.windows.net"),
        (lambda: validate_import_uri(""), "empty"),
        (lambda: validate_import_uri("s3://b/" + "x" * 1500), "at most 1500"),
        (lambda: validate_error_mode("skip"), "'continue'"),
        (lambda: validate_import_id(""), "1 to 1000"),
        (lambda: validate_import_id("x" * 1001), "1 to 1000"),
        (lambda: validate_import_id(None), "string"),
        (lambda: validate_list_limit(101), "1 to 100"),
    ],
)
def test_bad_inputs_say_what_is_accepted(call, needle):
    with pytest.raises(PineconeValidationError) as info:
        call()
    assert needle in str(info.value)


@pytest.mark.parametrize(
    "uri",
    [
        "https://acct1.blob.core.windows.net/container/dir?sv=2024&sig=SECRETSIG",
        "https://user:SECRETSIG@acct1.blob.core.windows.net/container/dir",
        "s3://bucket/dir#SECRETSIG",
    ],
)
def test_credentials_in_the_uri_are_refused_and_never_echoed(uri):
    with pytest.raises(PineconeValidationError) as info:
        validate_import_uri(uri)
    assert "storage integration" in str(info.value) and "SECRETSIG" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"api_key": ""}, "No Pinecone API key was given."),
        ({"api_key": "  "}, "No Pinecone API key was given."),
        ({"api_key": "k", "api_version": "2024-01"}, "2025-10, 2026-07"),
        ({"api_key": "k", "index_host": "http://index.example.com"}, "allow_insecure"),
        ({"api_key": "k", "control_plane_url": "http://api.example.com"}, "unencrypted"),
    ],
)
def test_bad_configuration(kwargs, needle):
    with pytest.raises(PineconeConfigurationError) as info:
        ClientConfig(**kwargs)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("host", "allow_insecure", "expected"),
    [
        ("docs-abc.svc.pinecone.io", False, "https://docs-abc.svc.pinecone.io"),
        ("127.0.0.1:5081", False, "http://127.0.0.1:5081"),
        ("localhost:5081", False, "http://localhost:5081"),
        ("http://[::1]:5081", False, "http://[::1]:5081"),
        ("http://10.0.0.5:5081", True, "http://10.0.0.5:5081"),
    ],
)
def test_hosts_become_base_urls(host, allow_insecure, expected):
    config = ClientConfig(api_key="k", index_host=host, allow_insecure=allow_insecure)
    assert config.index_base_url(host) == expected


# Words of the Airflow layer, which the client must leave to the hook.
AIRFLOW_WORDS = (
    "Airflow",
    "Pinecone connection",
    "connection's",
    "Password",
    "Extra",
    "extra",
    "Admin",
    "worker",
    "task",
)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ClientConfig(api_key=""),
        lambda: ClientConfig(api_key="k", api_version="2024-01"),
        lambda: ClientConfig(api_key="k", timeout=0),
        lambda: ClientConfig(api_key="k", index_host="http://index.example.com"),
        lambda: ClientConfig(api_key="k", control_plane_url="https://user:pw@api.example.com"),
        lambda: PineconeClient(ClientConfig(api_key="k")).describe_index(),  # no index name
        lambda: (_ for _ in ()).throw(error_from_response(_response(401, b"Invalid API Key"), "describe_index")),
        lambda: (_ for _ in ()).throw(PineconeConnectionError("describe_index", "https://x", "ConnectError")),
    ],
)
def test_client_messages_state_facts_without_airflow_words(make):
    with pytest.raises(PineconeError) as info:
        make()
    assert not [word for word in AIRFLOW_WORDS if word in str(info.value)], str(info.value)


def test_repr_never_shows_the_key():
    assert "sekrit" not in repr(ClientConfig(api_key="sekrit-key"))
