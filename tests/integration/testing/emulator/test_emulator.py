"""Integration tests of the Pinecone emulator over real HTTP.

Response bodies are validated against Pinecone's OpenAPI specs, vendored in tests/specs/pinecone-api
(converted from OpenAPI 3.0 to JSON Schema on the fly). test_emulator_conformance.py checks every
operation against them with openapi-core.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import uvicorn
import yaml

from airflow_provider_pinecone.testing.emulator import EmulatorStartupError, PineconeEmulator
from airflow_provider_pinecone.testing.emulator import server as server_module
from airflow_provider_pinecone.testing.emulator.__main__ import build_parser
from airflow_provider_pinecone.testing.emulator.errors import NotFound
from tests.paths import SPEC_DIR as DEFAULT_SPEC_DIR
from tests.waiting import wait_until

pytest_plugins = ["airflow_provider_pinecone.testing.pytest_plugin"]
pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SPEC_DIR = Path(os.environ.get("PINECONE_API_SPEC_DIR", DEFAULT_SPEC_DIR))
VERSIONS = ("2025-10", "2026-07")
ACCEPTED_URI_HINT = "s3://BUCKET_NAME/IMPORT_DIR, gs://BUCKET_NAME/IMPORT_DIR or https://"


# ------------------------------------------------------------------------ helpers
def headers(version: str | None = "2026-07", key: str | None = "test-key") -> dict[str, str]:
    result = {}
    if key is not None:
        result["Api-Key"] = key
    if version is not None:
        result["X-Pinecone-Api-Version"] = version
    return result


def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a null type, ``x-enum`` an enum."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_jsonschema(v) for k, v in node.items() if k not in ("example", "examples")}
    if "x-enum" in out and "enum" not in out:
        out["enum"] = list(out["x-enum"])
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@functools.cache
def _components(spec_file: str) -> dict[str, Any]:
    path = SPEC_DIR / spec_file
    if not path.exists():
        pytest.skip(f"OpenAPI spec {path} not available")
    with path.open() as fh:
        spec = yaml.safe_load(fh)
    return _openapi_to_jsonschema(spec["components"])


def assert_matches_spec(body: Any, plane: str, version: str, schema_name: str) -> None:
    """Validate ``body`` against ``#/components/schemas/<schema_name>`` of a spec file."""
    components = _components(f"db_{plane}_{version}.oas.yaml")
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": copy.deepcopy(components)}
    jsonschema.Draft202012Validator(root).validate(body)


def assert_control_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


def assert_rpc_error(response: httpx.Response, status: int, grpc_code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"code": grpc_code, "message": body["message"], "details": []}
    assert body["message"]
    return body


def create_body(version: str, name: str, dimension: int = 8) -> dict[str, Any]:
    if version == "2025-10":
        return {
            "name": name,
            "dimension": dimension,
            "metric": "cosine",
            "vector_type": "dense",
            "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
        }
    return {
        "name": name,
        "schema": {"fields": {"_values": {"type": "dense_vector", "dimension": dimension, "metric": "cosine"}}},
        "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
    }


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as http:
        yield http


@pytest.fixture
def data_url(pinecone_emulator: PineconeEmulator, pinecone_index: str) -> str:
    return "http://" + pinecone_emulator.index_host(pinecone_index)


def start_import(client: httpx.Client, data_url: str, uri: str = "s3://bucket/dir") -> str:
    response = client.post(f"{data_url}/bulk/imports", headers=headers(), json={"uri": uri})
    assert response.status_code == 200, response.text
    assert_matches_spec(response.json(), "data", "2026-07", "StartImportResponse")
    return response.json()["id"]


def describe(client: httpx.Client, data_url: str, import_id: str) -> dict[str, Any]:
    response = client.get(f"{data_url}/bulk/imports/{import_id}", headers=headers())
    assert response.status_code == 200, response.text
    return response.json()


# -------------------------------------------------------------------- auth/version
def test_missing_or_wrong_key_is_a_401_in_the_versions_shape_without_echo(client: httpx.Client) -> None:
    with PineconeEmulator(api_key="s3cret-key") as emu:
        emu.create_index("auth-index", dimension=4)
        data_url = "http://" + emu.index_host("auth-index")
        cases = [
            (f"{emu.control_plane_url}/indexes", None),
            (f"{emu.control_plane_url}/indexes", "wrong-key-value"),
            (f"{data_url}/bulk/imports", None),
            (f"{data_url}/bulk/imports", "wrong-key-value"),
        ]
        for url, key in cases:
            response = client.get(url, headers=headers(key=key))
            assert response.status_code == 401
            assert response.headers["content-type"].startswith("text/plain")
            assert response.text == "Unauthorized"
            assert "wrong-key-value" not in response.text and "s3cret" not in response.text
        # 2025-10's spec declares a JSON 401: ErrorResponse (control) and rpcStatus (data).
        control = client.get(f"{emu.control_plane_url}/indexes", headers=headers("2025-10", key="wrong-key-value"))
        assert control.status_code == 401 and control.json()["error"]["code"] == "UNAUTHENTICATED"
        data = client.get(f"{data_url}/bulk/imports", headers=headers("2025-10", key=None))
        assert data.status_code == 401 and data.json()["code"] == 16
        assert "wrong-key-value" not in control.text + data.text
        ok = client.get(f"{emu.control_plane_url}/indexes", headers=headers(key="s3cret-key"))
        assert ok.status_code == 200


def test_any_non_empty_key_accepted_without_configured_key(
    pinecone_emulator: PineconeEmulator, client: httpx.Client
) -> None:
    url = f"{pinecone_emulator.control_plane_url}/indexes"
    assert client.get(url, headers=headers(key="whatever")).status_code == 200
    assert client.get(url, headers=headers(key="")).status_code == 401


def test_unknown_api_version_is_rejected_in_each_planes_shape(
    pinecone_emulator: PineconeEmulator, data_url: str, client: httpx.Client
) -> None:
    control = client.get(f"{pinecone_emulator.control_plane_url}/indexes", headers=headers("2024-07"))
    body = assert_control_error(control, 400, "INVALID_ARGUMENT")
    assert "2025-10" in body["error"]["message"] and "2026-07" in body["error"]["message"]

    data = client.get(f"{data_url}/bulk/imports", headers=headers("1999-01"))
    body = assert_rpc_error(data, 400, 3)
    assert "2025-10" in body["message"] and "2026-07" in body["message"]


def test_missing_api_version_defaults_to_2025_10(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, client: httpx.Client
) -> None:
    response = client.get(f"{pinecone_emulator.control_plane_url}/indexes/{pinecone_index}", headers=headers(None))
    assert response.status_code == 200
    assert response.json()["spec"]["serverless"]["cloud"] == "aws"
    assert_matches_spec(response.json(), "control", "2025-10", "IndexModel")


# ----------------------------------------------------------------------- indexes
@pytest.mark.parametrize("version", VERSIONS)
def test_index_crud(pinecone_emulator: PineconeEmulator, client: httpx.Client, version: str) -> None:
    base = pinecone_emulator.control_plane_url
    created = client.post(f"{base}/indexes", headers=headers(version), json=create_body(version, "crud"))
    assert created.status_code == 201, created.text
    assert_matches_spec(created.json(), "control", version, "IndexModel")
    host = created.json()["host"]
    assert host == pinecone_emulator.index_host("crud") and "://" not in host

    described = client.get(f"{base}/indexes/crud", headers=headers(version))
    assert described.status_code == 200
    model = described.json()
    assert_matches_spec(model, "control", version, "IndexModel")
    if version == "2025-10":
        assert (model["dimension"], model["metric"], model["vector_type"]) == (8, "cosine", "dense")
        assert model["spec"]["serverless"]["read_capacity"]["mode"] == "OnDemand"
    else:
        fields = model["schema"]["fields"]
        assert fields["_values"] == {
            "type": "dense_vector",
            "dimension": 8,
            "metric": "cosine",
            "description": None,
        }
        assert fields["_sparse_values"]["type"] == "sparse_vector"
        assert model["deployment"]["deployment_type"] == "managed"

    listed = client.get(f"{base}/indexes", headers=headers(version))
    assert_matches_spec(listed.json(), "control", version, "IndexList")
    assert [i["name"] for i in listed.json()["indexes"]] == ["crud"]

    duplicate = client.post(f"{base}/indexes", headers=headers(version), json=create_body(version, "crud"))
    assert_control_error(duplicate, 409, "ALREADY_EXISTS")

    stats = client.post(f"http://{host}/describe_index_stats", headers=headers(version), json={})
    assert stats.status_code == 200
    assert stats.json() == {
        "namespaces": {},
        "dimension": 8,
        "indexFullness": 0.0,
        "totalVectorCount": 0,
        "metric": "cosine",
        "vectorType": "dense",
    }
    assert_matches_spec(stats.json(), "data", version, "IndexDescription")

    deleted = client.delete(f"{base}/indexes/crud", headers=headers(version))
    assert deleted.status_code == 202
    missing = client.get(f"{base}/indexes/crud", headers=headers(version))
    assert_matches_spec(assert_control_error(missing, 404, "NOT_FOUND"), "control", version, "ErrorResponse")
    assert_control_error(client.delete(f"{base}/indexes/crud", headers=headers(version)), 404, "NOT_FOUND")
    with pytest.raises(httpx.ConnectError):  # its data plane is gone too
        client.get(f"http://{host}/bulk/imports", headers=headers(version))


def test_sparse_index_in_2026_07_reports_only_sparse_field(
    pinecone_emulator: PineconeEmulator, client: httpx.Client
) -> None:
    body = {"name": "sparse", "schema": {"fields": {"_sparse_values": {"type": "sparse_vector"}}}}
    created = client.post(f"{pinecone_emulator.control_plane_url}/indexes", headers=headers(), json=body)
    assert created.status_code == 201, created.text
    assert_matches_spec(created.json(), "control", "2026-07", "IndexModel")
    assert list(created.json()["schema"]["fields"]) == ["_sparse_values"]
    old = client.get(f"{pinecone_emulator.control_plane_url}/indexes/sparse", headers=headers("2025-10"))
    assert_matches_spec(old.json(), "control", "2025-10", "IndexModel")
    assert old.json()["vector_type"] == "sparse" and "dimension" not in old.json()


_SERVERLESS = {"serverless": {"cloud": "aws", "region": "us-east-1"}}
_DENSE_NO_METRIC = {"_values": {"type": "dense_vector", "dimension": 8}}


@pytest.mark.parametrize(
    ("version", "body"),
    [
        ("2025-10", {"name": "Bad_Name", "dimension": 8, "spec": _SERVERLESS}),
        ("2025-10", {"name": "ok", "dimension": 0, "spec": _SERVERLESS}),
        ("2025-10", {"name": "ok", "dimension": 8, "metric": "hamming", "spec": _SERVERLESS}),
        ("2025-10", {"name": "ok", "dimension": 8}),
        ("2025-10", {"name": "ok", "dimension": 8, "spec": {"pod": {"environment": "x"}}}),
        ("2026-07", {"name": "ok", "schema": {"fields": {}}}),
        ("2026-07", {"name": "ok", "schema": {"fields": _DENSE_NO_METRIC}}),
        ("2026-07", {"name": "ok", "dimension": 8, "schema": {"fields": {}}}),
        ("2026-07", {"name": "ok", "schema": {"fields": {"title": {"type": "string"}}}}),
    ],
)
def test_create_index_rejects_bad_input(
    pinecone_emulator: PineconeEmulator, client: httpx.Client, version: str, body: dict[str, Any]
) -> None:
    response = client.post(f"{pinecone_emulator.control_plane_url}/indexes", headers=headers(version), json=body)
    assert_matches_spec(assert_control_error(response, 400, "INVALID_ARGUMENT"), "control", version, "ErrorResponse")
    assert pinecone_emulator.state.list_indexes() == []


# ----------------------------------------------------------------------- imports
def test_start_describe_list_paginate_cancel(
    pinecone_emulator: PineconeEmulator, data_url: str, client: httpx.Client
) -> None:
    pinecone_emulator.set_import_behaviour(duration=30.0, indexing_delay=1.0, pending=0.0)
    ids = [start_import(client, data_url, f"gs://bucket/dir{i}") for i in range(5)]
    assert len(set(ids)) == 5 and all(i.isdigit() for i in ids)

    model = describe(client, data_url, ids[0])
    assert_matches_spec(model, "data", "2026-07", "ImportModel")
    assert model["uri"] == "gs://bucket/dir0" and model["status"] in ("Pending", "InProgress")
    assert "finishedAt" not in model and "error" not in model
    assert model["createdAt"].endswith("Z")

    pages, token = [], None
    while True:
        params = {"limit": 2} | ({"paginationToken": token} if token else {})
        response = client.get(f"{data_url}/bulk/imports", headers=headers(), params=params)
        assert response.status_code == 200, response.text
        assert_matches_spec(response.json(), "data", "2026-07", "ListImportsResponse")
        pages.append([m["id"] for m in response.json()["data"]])
        if "pagination" not in response.json():
            break
        token = response.json()["pagination"]["next"]
        assert len(pages) < 10
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]

    everything = client.get(f"{data_url}/bulk/imports", headers=headers()).json()
    assert [m["id"] for m in everything["data"]] == ids and "pagination" not in everything

    cancelled = client.delete(f"{data_url}/bulk/imports/{ids[1]}", headers=headers())
    assert cancelled.status_code == 200 and cancelled.json() == {}
    model = describe(client, data_url, ids[1])
    assert model["status"] == "Cancelled" and "finishedAt" in model
    # Progress is frozen. Rather than sleeping, wait until a running sibling (same behaviour,
    # started just before) has advanced by more than the 0.01 rounding step since the cancelled
    # one was read: a cancelled import that still followed the clock would have moved as far.
    running = describe(client, data_url, ids[0])["percentComplete"]
    wait_until(
        lambda: describe(client, data_url, ids[0])["percentComplete"] >= running + 0.1,
        what="a running import to advance 0.1 %",
    )
    assert describe(client, data_url, ids[1]) == model
    assert pinecone_emulator.list_imports("test-index")[1] == model


def test_import_progresses_to_completed(
    pinecone_emulator: PineconeEmulator, data_url: str, client: httpx.Client
) -> None:
    pinecone_emulator.set_import_behaviour(duration=0.3, indexing_delay=0.1, records=250)
    import_id = start_import(client, data_url)
    seen: set[str] = set()

    def completed() -> dict[str, Any] | None:
        model = describe(client, data_url, import_id)
        seen.add(model["status"])
        assert 0.0 <= model["percentComplete"] <= 100.0
        return model if model["status"] == "Completed" else None

    model = wait_until(completed, timeout=5.0)
    assert "InProgress" in seen
    assert model["percentComplete"] == 100.0 and model["recordsImported"] == 250
    assert model["finishedAt"] > model["createdAt"]
    assert_matches_spec(model, "data", "2026-07", "ImportModel")

    # Cancelling a finished import is accepted and changes nothing.
    response = client.delete(f"{data_url}/bulk/imports/{import_id}", headers=headers())
    assert response.status_code == 200 and response.json() == {}
    assert describe(client, data_url, import_id) == model


def test_import_fails_with_configured_message(
    pinecone_emulator: PineconeEmulator, data_url: str, client: httpx.Client
) -> None:
    pinecone_emulator.set_import_behaviour(
        duration=0.3, records=100, fail_message="User error: namespace exists", fail_at_percent=40.0
    )
    import_id = start_import(client, data_url)
    model = wait_until(lambda: (m := describe(client, data_url, import_id))["status"] == "Failed" and m, timeout=5.0)
    assert model["error"] == "User error: namespace exists"
    assert model["percentComplete"] == 40.0 and model["recordsImported"] == 40
    assert "finishedAt" in model
    assert_matches_spec(model, "data", "2026-07", "ImportModel")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"uri": "ftp://bucket/dir"}, ACCEPTED_URI_HINT),
        ({"uri": "https://example.com/dir"}, ACCEPTED_URI_HINT),
        ({"uri": ""}, "uri is required"),
        ({}, "uri is required"),
        ({"uri": "s3://b/" + "x" * 1500}, "1500"),
        ({"uri": "s3://b/d", "errorMode": {"onError": "explode"}}, "abort, continue"),
        ({"uri": "s3://b/d", "integrationId": "x" * 1001}, "1000"),
    ],
)
def test_start_import_validation(data_url: str, client: httpx.Client, body: dict[str, Any], needle: str) -> None:
    response = client.post(f"{data_url}/bulk/imports", headers=headers(), json=body)
    error = assert_rpc_error(response, 400, 3)
    assert needle in error["message"]
    assert_matches_spec(error, "data", "2026-07", "rpcStatus")


def test_accepted_uri_forms_and_unknown_ids(data_url: str, client: httpx.Client) -> None:
    for uri in (
        "s3://bucket/dir",
        "gs://bucket/dir/",
        "https://myaccount.blob.core.windows.net/container/dir",
    ):
        start_import(client, data_url, uri)
    payload = {"uri": "s3://b/d", "integrationId": "abc", "errorMode": {"onError": "abort"}}
    assert client.post(f"{data_url}/bulk/imports", headers=headers(), json=payload).status_code == 200
    assert_rpc_error(client.get(f"{data_url}/bulk/imports/999", headers=headers()), 404, 5)
    assert_rpc_error(client.delete(f"{data_url}/bulk/imports/999", headers=headers()), 404, 5)
    bad_limit = client.get(f"{data_url}/bulk/imports", headers=headers(), params={"limit": 101})
    assert "1 to 100" in assert_rpc_error(bad_limit, 400, 3)["message"]
    bad_token = client.get(f"{data_url}/bulk/imports", headers=headers(), params={"paginationToken": "zz"})
    assert_rpc_error(bad_token, 400, 3)


# ------------------------------------------------------------------------- faults
def test_injected_429_with_retry_after_then_success(
    pinecone_emulator: PineconeEmulator, data_url: str, client: httpx.Client
) -> None:
    import_id = start_import(client, data_url)
    pinecone_emulator.inject_faults(r"^/bulk/imports/", 429, count=2, retry_after=0.5, method="GET")
    url = f"{data_url}/bulk/imports/{import_id}"
    for _ in range(2):
        response = client.get(url, headers=headers())
        assert_rpc_error(response, 429, 8)
        assert response.headers["retry-after"] == "0.5"
    assert client.get(url, headers=headers()).status_code == 200

    pinecone_emulator.inject_faults("/indexes", 503, count=1)
    control = client.get(f"{pinecone_emulator.control_plane_url}/indexes", headers=headers())
    assert_control_error(control, 503, "SERVICE_UNAVAILABLE")
    assert "retry-after" not in control.headers
    assert client.get(f"{pinecone_emulator.control_plane_url}/indexes", headers=headers()).status_code == 200


def test_admin_routes_over_http_need_no_key(
    pinecone_emulator: PineconeEmulator, data_url: str, client: httpx.Client
) -> None:
    admin = f"{pinecone_emulator.control_plane_url}/_emulator"
    response = client.post(f"{admin}/import-behaviour", json={"duration": 0.1, "indexing_delay": 0.0, "pending": 0.0})
    assert response.status_code == 200, response.text
    import_id = start_import(client, data_url)
    wait_until(lambda: describe(client, data_url, import_id)["status"] == "Completed", timeout=3.0)

    bad = client.post(f"{admin}/import-behaviour", json={"duration": -1})
    assert_control_error(bad, 400, "INVALID_ARGUMENT")
    bad = client.post(f"{admin}/faults", json={"path_regex": "x", "status": 200, "count": 1})
    assert_control_error(bad, 400, "INVALID_ARGUMENT")

    fault = {"path_regex": "/describe_index_stats", "status": 500, "count": 1, "retry_after": 2}
    assert client.post(f"{admin}/faults", json=fault).status_code == 200
    response = client.post(f"{data_url}/describe_index_stats", headers=headers(), json={})
    assert_rpc_error(response, 500, 13)
    assert response.headers["retry-after"] == "2"

    assert client.post(f"{admin}/reset").status_code == 200
    assert pinecone_emulator.state.list_indexes() == []
    with pytest.raises(httpx.ConnectError):
        client.get(f"{data_url}/bulk/imports", headers=headers())


# ---------------------------------------------------------------------------- CLI
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_serves_until_sigterm(client: httpx.Client) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider_pinecone.testing.emulator",
            "--port",
            str(port),
            "--api-key",
            "cli-key",
            "--index",
            "cli-index:4",
            "--import-duration",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def answers() -> httpx.Response | None:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                return client.get(f"{url}/indexes/cli-index", headers=headers(key="cli-key"))
            except httpx.TransportError:
                return None

        # Like any Pinecone client, wait until the index is ready: while its data plane starts it is
        # Initializing, without a host.
        def ready(r: httpx.Response | None) -> bool:
            return r is not None and r.status_code == 200 and r.json()["status"]["ready"]

        response = wait_until(answers, ready, timeout=15.0, interval=0.1)
        assert response.status_code == 200
        host = response.json()["host"]
        assert client.get(f"http://{host}/bulk/imports", headers=headers(key="cli-key")).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, stderr
    assert stdout.splitlines() == [f"control_plane_url={url}", f"index cli-index host={host}"]


def test_cli_argument_errors_are_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow_provider_pinecone.testing.emulator", "--port", "0", "--index", "no-dimension"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "NAME:DIMENSION" in result.stderr and "Traceback" not in result.stderr


def test_cli_reads_api_key_from_environment(client: httpx.Client) -> None:
    port = _free_port()
    env = {**os.environ, "PINECONE_EMULATOR_API_KEY": "env-key"}
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_pinecone.testing.emulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/indexes"

        def answers() -> httpx.Response | None:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                return client.get(url, headers=headers(key="env-key"))
            except httpx.TransportError:
                return None

        assert wait_until(answers, timeout=15.0, interval=0.1).status_code == 200
        assert client.get(url, headers=headers(key="another-key")).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, stderr


def test_cli_help_documents_the_api_key_variable() -> None:
    assert "PINECONE_EMULATOR_API_KEY" in build_parser().format_help()


@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "-1", "soon"])
def test_cli_rejects_non_finite_or_negative_durations(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--port", "0", "--import-duration", value])
    assert exit_info.value.code == 2
    assert "--import-duration" in capsys.readouterr().err


# ------------------------------------------------------------ admin argument types
@pytest.mark.parametrize(
    ("route", "content"),
    [
        ("faults", '{"path_regex": "x", "status": 500, "count": 1, "method": 5}'),
        ("faults", '{"path_regex": 5, "status": 500, "count": 1}'),
        ("faults", '{"path_regex": "(", "status": 500, "count": 1}'),
        ("faults", '{"path_regex": "x", "status": "500", "count": 1}'),
        ("faults", '{"path_regex": "x", "status": true, "count": 1}'),
        ("faults", '{"path_regex": "x", "status": 500, "count": 1.5}'),
        ("faults", '{"path_regex": "x", "status": 500, "count": 1, "retry_after": 1e400}'),
        ("faults", '{"path_regex": "x", "status": 500, "count": 1, "retry_after": "2"}'),
        ("faults", '{"path_regex": "x", "status": 500}'),
        ("faults", '{"path_regex": "x", "status": 500, "count": 1, "colour": "red"}'),
        ("faults", '["x", 500, 1]'),
        ("faults", "not json"),
        ("import-behaviour", '{"fail_at_percent": true}'),
        ("import-behaviour", '{"fail_at_percent": 101}'),
        ("import-behaviour", '{"duration": 1e400}'),
        ("import-behaviour", '{"duration": "fast"}'),
        ("import-behaviour", '{"duration": null}'),
        ("import-behaviour", '{"records": 1.5}'),
        ("import-behaviour", '{"records": ' + "9" * 400 + "}"),
        ("import-behaviour", '{"fail_message": 5}'),
        ("import-behaviour", '{"speed": 1}'),
        ("import-behaviour", "[]"),
    ],
)
def test_admin_routes_reject_bad_arguments_with_400(
    pinecone_emulator: PineconeEmulator, client: httpx.Client, route: str, content: str
) -> None:
    response = client.post(
        f"{pinecone_emulator.control_plane_url}/_emulator/{route}",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    body = assert_control_error(response, 400, "INVALID_ARGUMENT")
    assert_matches_spec(body, "control", "2025-10", "ErrorResponse")
    assert "Traceback" not in response.text
    # Nothing half-applied: no fault queued, behaviour unchanged.
    assert client.get(f"{pinecone_emulator.control_plane_url}/indexes", headers=headers()).status_code == 200


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("inject_faults", {"path_regex": "x", "status": True, "count": 1}),
        ("inject_faults", {"path_regex": "x", "status": 500, "count": True}),
        ("inject_faults", {"path_regex": "x", "status": 500, "count": 1, "retry_after": float("inf")}),
        ("inject_faults", {"path_regex": "x", "status": 500, "count": 1, "retry_after": float("nan")}),
        ("inject_faults", {"path_regex": "x", "status": 500, "count": 1, "method": 5}),
        ("set_import_behaviour", {"fail_at_percent": True}),
        ("set_import_behaviour", {"fail_at_percent": float("nan")}),
        ("set_import_behaviour", {"duration": float("inf")}),
        ("set_import_behaviour", {"indexing_delay": False}),
        ("set_import_behaviour", {"pending": -0.5}),
    ],
)
def test_python_api_rejects_bools_and_non_finite_numbers(
    pinecone_emulator: PineconeEmulator, call: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="must be"):
        getattr(pinecone_emulator, call)(**kwargs)


def test_bad_limit_type_is_a_400(data_url: str, client: httpx.Client) -> None:
    for limit in ("abc", "1.5", "0"):
        response = client.get(f"{data_url}/bulk/imports", headers=headers(), params={"limit": limit})
        assert "1 to 100" in assert_rpc_error(response, 400, 3)["message"]


def test_unexpected_errors_are_spec_shaped_500s(
    pinecone_emulator: PineconeEmulator,
    data_url: str,
    client: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("emulator bug with a secret-ish detail")

    monkeypatch.setattr(pinecone_emulator.state, "list_indexes", broken)
    monkeypatch.setattr(pinecone_emulator.state, "describe_import", broken)
    for version in VERSIONS:
        control = client.get(f"{pinecone_emulator.control_plane_url}/indexes", headers=headers(version))
        body = assert_control_error(control, 500, "UNKNOWN")
        assert_matches_spec(body, "control", version, "ErrorResponse")
        assert "RuntimeError" in body["error"]["message"]
        assert "secret-ish" not in control.text
    data = client.get(f"{data_url}/bulk/imports/1", headers=headers())
    body = assert_rpc_error(data, 500, 13)
    assert_matches_spec(body, "data", "2026-07", "rpcStatus")
    assert "secret-ish" not in data.text


# ---------------------------------------------------------- data-plane lifecycle
def _data_plane_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"pinecone-emulator-data-{name}" and t.is_alive()]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def recorded_servers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every data/control-plane server the emulator creates during the test."""
    created: list[Any] = []
    original = server_module._ServerThread

    class Recording(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(server_module, "_ServerThread", Recording)
    return created


@pytest.mark.parametrize("failure", ["timeout", "exit"])
def test_failed_data_plane_start_leaves_no_server(
    monkeypatch: pytest.MonkeyPatch, recorded_servers: list[Any], failure: str
) -> None:
    with PineconeEmulator(startup_timeout=0.5) as emu:

        async def never_ready(self: uvicorn.Server, sockets: Any = None) -> None:
            if failure == "exit":
                self.should_exit = True  # the thread ends without ever listening
                return
            while not self.should_exit:  # hangs until told to stop
                await asyncio.sleep(0.01)

        monkeypatch.setattr(uvicorn.Server, "startup", never_ready)
        with pytest.raises(EmulatorStartupError):
            emu.create_index("doomed", dimension=4)
        monkeypatch.undo()

        assert emu.state.list_indexes() == []
        assert _data_plane_threads("doomed") == []
        (server,) = [s for s in recorded_servers if s.name == "pinecone-emulator-data-doomed"]
        assert _port_is_free(server.port)
        # The name is free again and a normal create works.
        emu.create_index("doomed", dimension=4)
        assert _data_plane_threads("doomed")


def test_index_deleted_while_its_data_plane_starts(
    monkeypatch: pytest.MonkeyPatch, recorded_servers: list[Any], client: httpx.Client
) -> None:
    with PineconeEmulator() as emu:
        original_start = server_module._ServerThread.start

        def start_then_lose_the_index(self: Any, timeout: float) -> None:
            original_start(self, timeout)
            if self.name == "pinecone-emulator-data-racy":
                emu.delete_index("racy")  # as a concurrent DELETE would, before registration

        monkeypatch.setattr(server_module._ServerThread, "start", start_then_lose_the_index)
        with pytest.raises(NotFound):
            emu.create_index("racy", dimension=4)
        monkeypatch.undo()

        assert emu.state.list_indexes() == []
        assert _data_plane_threads("racy") == []
        (server,) = [s for s in recorded_servers if s.name == "pinecone-emulator-data-racy"]
        assert _port_is_free(server.port)
        missing = client.get(f"{emu.control_plane_url}/indexes/racy", headers=headers())
        assert_control_error(missing, 404, "NOT_FOUND")


def test_an_index_is_initializing_until_its_data_plane_listens(
    monkeypatch: pytest.MonkeyPatch, client: httpx.Client
) -> None:
    with PineconeEmulator() as emu:
        original_start = server_module._ServerThread.start
        seen: list[dict[str, Any]] = []

        def start_and_look(self: Any, timeout: float) -> None:
            if self.name == "pinecone-emulator-data-young":  # what a describe sees while it starts
                seen.append(client.get(f"{emu.control_plane_url}/indexes/young", headers=headers()).json())
            original_start(self, timeout)

        monkeypatch.setattr(server_module._ServerThread, "start", start_and_look)
        emu.create_index("young", dimension=4)
        monkeypatch.undo()

        (starting,) = seen
        assert starting["status"] == {"ready": False, "state": "Initializing"} and starting["host"] == ""
        ready = client.get(f"{emu.control_plane_url}/indexes/young", headers=headers()).json()
        assert ready["status"] == {"ready": True, "state": "Ready"} and ready["host"] == emu.index_host("young")


def test_creates_racing_with_resets_leave_no_stray_servers(client: httpx.Client) -> None:
    with PineconeEmulator() as emu:
        outcomes: list[str] = []

        def create(name: str) -> None:
            try:
                emu.create_index(name, dimension=4)
                outcomes.append("created")
            except NotFound:
                outcomes.append("lost")

        def hosted() -> int:
            return sum(record.host is not None for record in emu.state.list_indexes())

        # The reset lands at a different stage of the creations each round: before any, once a
        # name is reserved (its data plane starting), once one or two data planes listen, and once
        # all do. Observed through the state, not guessed with sleeps.
        stages = [
            lambda: True,
            lambda: emu.state.list_indexes(),
            lambda: hosted() >= 1,
            lambda: hosted() >= 2,
            lambda: hosted() == 3,
        ]
        for round_, stage in enumerate(stages):
            names = [f"race-{round_}-{i}" for i in range(3)]
            workers = [threading.Thread(target=create, args=(name,)) for name in names]
            for worker in workers:
                worker.start()
            wait_until(stage, timeout=10, what=f"round {round_}'s creations to reach their stage")
            emu.reset()
            for worker in workers:
                worker.join(10)
            # Whatever survived the reset is fully registered and reachable.
            for record in emu.state.list_indexes():
                host = emu.index_host(record.config.name)
                assert client.get(f"http://{host}/bulk/imports", headers=headers()).status_code == 200
            emu.reset()
            for name in names:
                assert _data_plane_threads(name) == []
        assert len(outcomes) == 15


# ------------------------------------------------------------------ the pytest plugin
def test_the_plugin_reuses_a_data_plane_only_for_a_new_index_of_its_name(
    pinecone_emulator: PineconeEmulator, pinecone_index: str, client: httpx.Client, _pinecone_data_planes: Any
) -> None:
    host = pinecone_emulator.index_host(pinecone_index)
    pinecone_emulator.set_import_behaviour(duration=30.0)
    start_import(client, f"http://{host}")
    _pinecone_data_planes.park()  # what the fixture does between tests
    pinecone_emulator.reset()
    parked = client.get(f"http://{host}/bulk/imports", headers=headers())
    assert parked.status_code == 404, parked.text  # still listening, but its index is gone

    again = _pinecone_data_planes.create(
        pinecone_index, dimension=4, metric=None, cloud="aws", region="us-east-1", vector_type="dense"
    )
    assert pinecone_emulator.index_host(again) == host  # no new server
    listed = client.get(f"http://{host}/bulk/imports", headers=headers())
    assert listed.status_code == 200 and listed.json()["data"] == []  # nothing of the earlier index
    assert pinecone_emulator.state.get_index(again).config.dimension == 4
    pinecone_emulator.delete_index(again)  # a reused server is the emulator's again: deleting stops it
    with pytest.raises(httpx.ConnectError):
        client.get(f"http://{host}/bulk/imports", headers=headers())
