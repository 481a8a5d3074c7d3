"""Reading the Pinecone connection: both types, and every bad setting as a clear error.

Runs under the oldest Airflow (3.1) too; nothing here needs the network except where the emulator
is used on purpose.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_pinecone.client import PineconeConfigurationError
from airflow_provider_pinecone.client.config import ClientConfig, base_url
from airflow_provider_pinecone.hooks.pinecone import PineconeHook

KEY = "pcsk_unit_SECRET_never_shown_31"


def _define(monkeypatch, conn_id="pc", **conn):
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn_id


def _config(monkeypatch, conn_id="pc", hook_kwargs=None, **conn):
    _define(monkeypatch, conn_id, **conn)
    return PineconeHook(conn_id, **(hook_kwargs or {})).connection_config


def _serve(monkeypatch, conn_id="pc", **conn):
    """Hand the hook this connection as Airflow would, whatever its Extra holds.

    (Airflow 3.1's environment backend refuses an Extra that is not a JSON object before a hook sees
    it; 3.3's passes it on, and a metadata-DB or API-server connection may hold anything.)
    """
    from airflow.sdk import Connection

    extra = conn.pop("extra", None)
    connection = Connection(
        conn_id=conn_id, extra=extra if extra is None or isinstance(extra, str) else json.dumps(extra), **conn
    )
    monkeypatch.setattr(PineconeHook, "get_connection", classmethod(lambda cls, requested: connection))
    return conn_id


def _error(monkeypatch, conn_id="pc", hook_kwargs=None, **conn) -> str:
    conn.setdefault("password", KEY)
    _serve(monkeypatch, conn_id, **conn)
    with pytest.raises(PineconeConfigurationError) as info:
        _ = PineconeHook(conn_id, **(hook_kwargs or {})).connection_config
    message = str(info.value)
    assert KEY not in message
    return message


# ---- the provider's own type ------------------------------------------------------------------


def test_provider_declares_its_own_connection_type():
    from airflow_provider_pinecone import get_provider_info

    (conn_type,) = get_provider_info()["connection-types"]
    assert conn_type["connection-type"] == "pinecone_bulk" == PineconeHook.conn_type
    assert conn_type["hook-name"] == "Pinecone (bulk import)" == PineconeHook.hook_name
    assert conn_type["hook-class-name"] == f"{PineconeHook.__module__}.{PineconeHook.__qualname__}"
    assert PineconeHook.default_conn_name == "pinecone_default"
    # Port stays visible: a saved Port is what lets Airflow 3.3's Test button through.
    assert "port" not in conn_type["ui-field-behaviour"]["hidden-fields"]
    assert "port" not in PineconeHook.get_ui_field_behaviour()["hidden_fields"]


def test_bulk_connection_reads_host_port_and_extras(monkeypatch):
    config = _config(
        monkeypatch,
        conn_type="pinecone_bulk",
        password=KEY,
        host="idx-1.svc.aped.pinecone.io",
        port=443,
        extra={
            "index_name": "idx",
            "api_version": "2026-07",
            "timeout": "12.5",
            "max_attempts": 3,
            "max_retry_seconds": "40",
            "allow_insecure": "false",
        },
    )
    assert (config.index_host, config.index_name, config.api_version, config.timeout) == (
        "idx-1.svc.aped.pinecone.io:443",
        "idx",
        "2026-07",
        12.5,
    )
    assert (config.retry.max_attempts, config.retry.max_elapsed, config.allow_insecure) == (3, 40.0, False)
    assert config.control_plane_url == "https://api.pinecone.io"


def test_bulk_connection_in_uri_form_uses_a_dash(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_PC_URI", "pinecone-bulk://:pcsk_uri_key@idx-2.svc.aped.pinecone.io/?index_name=idx"
    )
    hook = PineconeHook("pc_uri")
    assert hook._connection.conn_type == "pinecone_bulk"
    assert (hook.connection_config.index_host, hook.connection_config.index_name) == (
        "idx-2.svc.aped.pinecone.io",
        "idx",
    )


def test_an_underscore_uri_scheme_is_explained(monkeypatch):
    # Airflow cannot parse 'pinecone_bulk://' (no '_' in URI schemes): it yields no type, host or key.
    monkeypatch.setenv("AIRFLOW_CONN_PC_UNDERSCORE", "pinecone_bulk://:pcsk_x@idx.svc.aped.pinecone.io")
    with pytest.raises(PineconeConfigurationError, match="must start with 'pinecone-bulk://'"):
        _ = PineconeHook("pc_underscore").connection_config


def test_task_index_overrides_the_connection(monkeypatch):
    config = _config(
        monkeypatch,
        hook_kwargs={"index_name": "task-idx", "index_host": "t.svc.aped.pinecone.io"},
        conn_type="pinecone_bulk",
        password=KEY,
        host="c.svc.aped.pinecone.io",
        extra={"index_name": "conn-idx"},
    )
    assert (config.index_host, config.index_name) == ("t.svc.aped.pinecone.io", "task-idx")


def test_a_port_that_contradicts_the_host_is_refused(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone_bulk", host="127.0.0.1:5081", port=443)
    assert "names port 5081 but its Port field says 443" in message
    _serve(monkeypatch, conn_type="pinecone_bulk", password=KEY, host="127.0.0.1:5081", port=5081)
    assert PineconeHook("pc").connection_config.index_host == "127.0.0.1:5081"


def test_missing_connection_names_the_type_to_create(monkeypatch):
    from airflow.providers.common.compat.sdk import AirflowNotFoundException

    def missing(cls, conn_id):
        raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")

    monkeypatch.setattr(PineconeHook, "get_connection", classmethod(missing))
    with pytest.raises(AirflowNotFoundException, match=r"type 'Pinecone \(bulk import\)' \(pinecone_bulk\)"):
        _ = PineconeHook("pc_nowhere").connection_config


# ---- the official provider's type --------------------------------------------------------------


def test_official_connection_host_is_the_control_plane(monkeypatch):
    config = _config(
        monkeypatch,
        hook_kwargs={"index_name": "from-task"},
        conn_type="pinecone",
        password=KEY,
        host="https://api.eu.pinecone.example.com",
        login="us-east-1-aws",
        extra={"region": "us-east-1", "debug_curl": True, "environment": "x", "project_id": "p9"},
    )
    assert config.control_plane_url == "https://api.eu.pinecone.example.com"
    assert (config.index_host, config.index_name) == (None, "from-task")
    hook = PineconeHook("pc")
    assert hook.console_import_url().endswith("/projects/p9/import")


def test_official_connection_without_host_uses_pinecone_and_our_index_extra(monkeypatch):
    config = _config(monkeypatch, conn_type="pinecone", password=KEY, extra={"index_name": "idx"})
    assert (config.control_plane_url, config.index_host, config.index_name) == ("https://api.pinecone.io", None, "idx")


def test_official_connection_in_uri_form_joins_host_and_port(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_PC_OFFICIAL_URI", "pinecone://:pcsk_k@localhost:5080/?index_name=idx")
    config = PineconeHook("pc_official_uri").connection_config
    assert (config.control_plane_url, config.index_host) == ("localhost:5080", None)


def test_official_connection_with_an_index_host_says_which_type_to_use(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone", host="my-index-abc123.svc.aped-4627-b74a.pinecone.io")
    assert "is an index host" in message and "pinecone_bulk" in message and "index_name" in message


def test_official_connection_with_two_different_control_planes_is_refused(monkeypatch):
    message = _error(
        monkeypatch,
        conn_type="pinecone",
        host="https://api.pinecone.io",
        extra={"control_plane_url": "http://127.0.0.1:5080"},
    )
    assert "two control planes" in message
    _serve(
        monkeypatch,
        conn_type="pinecone",
        password=KEY,
        host="api.pinecone.io",
        extra={"control_plane_url": "https://api.pinecone.io/"},
    )
    assert PineconeHook("pc").connection_config.control_plane_url == "api.pinecone.io"


def test_official_connection_with_a_malformed_control_plane_extra_names_the_extra(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone", extra={"control_plane_url": "https://api.pinecone.io:0"})
    assert "has an invalid port" in message and "the 'control_plane_url' extra of connection 'pc'" in message


def test_official_connection_with_a_malformed_host_names_the_host_field(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone", host="ftp://api.pinecone.io")
    assert "scheme 'ftp://'" in message and "Host field (Pinecone Host)" in message


# ---- bad settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ([1, 2], "is a list, not a JSON object"),
        (7, "is a number, not a JSON object"),
        ('"index_name=x"', "is a string, not a JSON object"),
        ("true", "is true or false, not a JSON object"),
        ('{"index_name": "x",}', "is not valid JSON (Expecting property name"),
        ("index_name=x", "is not valid JSON (Expecting value at line 1, column 1)"),
    ],
)
@pytest.mark.parametrize("conn_type", ["pinecone_bulk", "pinecone"])
def test_extra_that_is_not_a_json_object_is_refused(monkeypatch, extra, needle, conn_type):
    # Airflow's extra_dejson would give {} for bad JSON (everything at its default: the real control
    # plane) and the list or number as it is (an AttributeError later).
    raw = extra if isinstance(extra, str) else json.dumps(extra)
    message = _error(monkeypatch, conn_type=conn_type, extra=raw)
    assert f"The Extra of the Pinecone connection 'pc' {needle}" in message
    assert "AIRFLOW_CONN_PC" in message and "Admin > Connections" in message


def test_extra_with_a_secret_is_not_quoted_when_refused(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone_bulk", extra='{"index_name": "x", "token": "s3cr3t-value"')
    assert "s3cr3t-value" not in message


def test_empty_and_null_extras_mean_defaults(monkeypatch):
    for raw in ("", "null", "{}", None):
        _serve(monkeypatch, conn_type="pinecone_bulk", password=KEY, host="i.svc.aped.pinecone.io", extra=raw)
        assert PineconeHook("pc").connection_config.control_plane_url == "https://api.pinecone.io"


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("ftp://api.pinecone.io", "has the scheme 'ftp://'"),
        ("https://", "has no host name"),
        ("https://:443", "has no host name"),
        ("https://api.pinecone.io:99999", "has an invalid port"),
        ("https://api.pinecone.io:0", "has an invalid port"),
        ("https://api.pinecone.io:https", "has an invalid port"),
        ("https://api pinecone.io", "contains spaces"),
        ("https:api.pinecone.io", "the scheme needs two slashes"),
        ("https://api.pinecone.io?x=1", "has a query or fragment"),
        ("https://a!b.pinecone.io", "not a valid host name"),
        ("https://[::1", "is not a valid URL"),
        ("http://pinecone.internal.example.com", "plain http://"),
        ("https://user:pw@api.pinecone.io", "contains a user name or password"),
    ],
)
def test_a_malformed_control_plane_url_names_the_extra(monkeypatch, url, needle):
    message = _error(monkeypatch, conn_type="pinecone_bulk", extra={"control_plane_url": url, "index_name": "i"})
    assert needle in message
    assert "the 'control_plane_url' extra of connection 'pc'" in message and "AIRFLOW_CONN_PC" in message
    if "pw@" in url:
        assert "pw" not in message.replace("password", "")


def test_a_control_plane_url_that_is_not_text_is_refused(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone_bulk", extra={"control_plane_url": 5080})
    assert "'control_plane_url' is 5080 (int); it must be text" in message


def test_a_malformed_index_host_names_the_host_field(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone_bulk", host="idx.svc pinecone.io")
    assert "index host" in message and "Host field (Index host)" in message


def test_a_malformed_task_index_host_names_the_task(monkeypatch):
    message = _error(monkeypatch, hook_kwargs={"index_host": "ftp://x.io"}, conn_type="pinecone_bulk")
    assert "the task's index_host" in message


@pytest.mark.parametrize("name", ["timeout", "max_attempts", "max_retry_seconds"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", float("nan"), 1e400, 0, "-1", "soon", True, [3], "1e999"])
def test_numeric_extras_must_be_positive_and_finite(monkeypatch, name, value):
    extra = json.dumps({name: value}, allow_nan=True)  # NaN and Infinity, as Python's json writes them
    message = _error(monkeypatch, conn_type="pinecone_bulk", host="i.svc.aped.pinecone.io", extra=extra)
    assert f"extra '{name}' is" in message and "positive, finite" in message and "AIRFLOW_CONN_PC" in message


def test_max_attempts_must_be_whole(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone_bulk", extra={"max_attempts": 2.5})
    assert "positive, finite whole number" in message


@pytest.mark.parametrize("value", ["maybe", 2, "enabled"])
def test_allow_insecure_must_be_a_yes_or_no(monkeypatch, value):
    message = _error(monkeypatch, conn_type="pinecone_bulk", extra={"allow_insecure": value})
    assert "extra 'allow_insecure' is" in message and "true or false" in message


def test_a_bad_api_version_says_where_to_set_it(monkeypatch):
    message = _error(
        monkeypatch, conn_type="pinecone_bulk", host="i.svc.aped.pinecone.io", extra={"api_version": "2023-01"}
    )
    assert "2025-10, 2026-07" in message and "AIRFLOW_CONN_PC" in message
    assert "It is read from the 'api_version' extra of Airflow connection 'pc'" in message


def test_client_refuses_a_non_finite_timeout_by_itself():
    for timeout in (float("nan"), float("inf"), 0, -1.0, True):
        with pytest.raises(PineconeConfigurationError, match="positive, finite number of seconds"):
            ClientConfig(api_key=KEY, index_host="i.svc.aped.pinecone.io", timeout=timeout)


def test_client_messages_state_facts_without_airflow_words():
    with pytest.raises(PineconeConfigurationError) as info:
        base_url("https://api.pinecone.io:70000", allow_insecure=False, what="control plane URL", example="x")
    assert "Airflow" not in str(info.value) and "65535" in str(info.value)


# ---- the hook adds the Airflow wording to the client's facts ---------------------------------------


def _client_answering(monkeypatch, answer, **conn):
    """The client of connection 'pc' (built by the hook), with ``answer`` standing in for Pinecone."""
    import httpx

    from airflow_provider_pinecone.client import PineconeClient, RetryPolicy

    _serve(monkeypatch, password=KEY, **conn)
    config = PineconeHook("pc", retry=RetryPolicy(max_attempts=1)).connection_config
    return PineconeClient(config, http_client=httpx.Client(transport=httpx.MockTransport(answer)))


def test_a_rejected_key_names_the_password_field(monkeypatch):
    import httpx

    from airflow_provider_pinecone.client import PineconeAuthenticationError

    client = _client_answering(
        monkeypatch, lambda request: httpx.Response(401, text="Invalid API Key"),
        conn_type="pinecone_bulk", host="i.svc.aped.pinecone.io",
    )  # fmt: skip
    with pytest.raises(PineconeAuthenticationError) as info:
        client.describe_index_stats()
    assert "Check the API key (read from the Password field of Airflow connection 'pc')" in str(info.value)


@pytest.mark.parametrize(
    ("conn", "field"),
    [
        (
            {"conn_type": "pinecone_bulk", "host": "i.svc.aped.pinecone.io"},
            "the Host field (Index host) of connection 'pc'",
        ),
        (
            {"conn_type": "pinecone", "host": "api.example.com", "extra": {"index_name": "docs"}},
            "the Host field (Pinecone Host) of Airflow connection 'pc'",
        ),
    ],
)
def test_an_unreachable_host_names_the_field_it_came_from(monkeypatch, conn, field):
    import httpx

    from airflow_provider_pinecone.client import PineconeConnectionError

    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    client = _client_answering(monkeypatch, refuse, **conn)
    with pytest.raises(PineconeConnectionError) as info:
        client.describe_index_stats()
    assert f"Check the host (read from {field})" in str(info.value)


def test_a_missing_index_name_names_the_task_and_the_extra(monkeypatch):
    client = _client_answering(monkeypatch, lambda request: pytest.fail("nothing is sent"), conn_type="pinecone_bulk")
    with pytest.raises(PineconeConfigurationError) as info:
        client.describe_index()
    assert "read from the task's index_name, or the 'index_name' extra of Airflow connection 'pc'" in str(info.value)


def test_a_blank_key_names_the_password_field(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone_bulk", password="   ", host="i.svc.aped.pinecone.io")
    assert "has no API key: put the key in its Password field" in message


def test_plain_http_names_the_allow_insecure_extra(monkeypatch):
    message = _error(monkeypatch, conn_type="pinecone_bulk", host="http://i.example.com")
    assert "set allow_insecure if you really mean it. It is read from the 'allow_insecure' extra of Airflow " in message
    assert "the Host field (Index host) of connection 'pc'" in message


# ---- Test in the UI ----------------------------------------------------------------------------------


def test_test_connection_says_when_airflow_passed_the_masked_key(monkeypatch):
    # What Airflow 3.1's Test button sends for a saved connection: the password as '***'.
    _serve(monkeypatch, conn_type="pinecone_bulk", password="***", host="i.svc.aped.pinecone.io")
    ok, message = PineconeHook("pc").test_connection()
    assert not ok and "masked API key '***'" in message and "airflow connections test pc" in message


def test_test_connection_reports_a_bad_setting_without_calling_out(monkeypatch):
    _serve(monkeypatch, conn_type="pinecone_bulk", password=KEY, extra="[]")
    ok, message = PineconeHook("pc").test_connection()
    assert not ok and "is a list, not a JSON object" in message and KEY not in message
