"""The connection form's Test, through Airflow 3.3's own REST API app, in this process.

The same requests as the UI (see :mod:`tests.connection_form_ui`): save a ``pinecone_bulk``
connection with the Add form, then press Test in the connection list. The deployment suite
(``tests/deployment/test_connection_form.py``) makes the same calls to a real API server.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.connection_form_ui import request_of_add_form, request_of_test_button

pytestmark = pytest.mark.integration

KEY = "pcsk_form_SECRET_do_not_leak_9"
DIFFERS = "The host or port to test differs from the stored connection"


@pytest.fixture
def api(airflow_db, monkeypatch):
    """A client of Airflow's REST API app (simple auth manager, everyone admin), Test enabled."""
    pytest.importorskip("airflow.api_fastapi.app")
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    monkeypatch.setenv("AIRFLOW__CORE__TEST_CONNECTION", "Enabled")
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "True")
    monkeypatch.setenv(
        "AIRFLOW__CORE__AUTH_MANAGER", "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
    )
    from airflow.api_fastapi.app import purge_cached_app

    purge_cached_app()
    with TestClient(create_app("core")) as client:
        yield client
    purge_cached_app()


def save_and_test(api, form: dict[str, str]):
    """Add the connection as the form does, then press Test in the list; the Test response."""
    created = api.post("/api/v2/connections", json=request_of_add_form(form))
    assert created.status_code == 201, created.text
    rows = api.get("/api/v2/connections", params={"connection_id_pattern": form["connection_id"]}).json()
    (row,) = [row for row in rows["connections"] if row["connection_id"] == form["connection_id"]]
    assert KEY not in json.dumps(row)
    return api.post("/api/v2/connections/test", json=request_of_test_button(row))


def _form(emulator, index, **fields):
    return {
        "connection_id": f"pc_form_{uuid.uuid4().hex[:8]}",
        "conn_type": "pinecone_bulk",
        "password": KEY,
        "extra": json.dumps({"control_plane_url": emulator.control_plane_url, "index_name": index}),
        **fields,
    }


def test_test_with_port_443_reaches_the_hook(api, pinecone_emulator, pinecone_index):
    response = save_and_test(api, _form(pinecone_emulator, pinecone_index, port="443"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] is True, response.json()
    assert f"'{pinecone_index}' is ready" in response.json()["message"]


def test_test_with_the_index_host_and_its_port(api, pinecone_emulator, pinecone_index):
    host, port = pinecone_emulator.index_host(pinecone_index).rsplit(":", 1)
    response = save_and_test(api, _form(pinecone_emulator, pinecone_index, host=host, port=port, extra="{}"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] is True and f"Connected to the index at {host}:{port}" in body["message"], body


def test_test_without_a_port_is_refused_by_airflow(api, pinecone_emulator, pinecone_index):
    # Why the form shows Port: the list row's port null goes out as 0, which the API refuses.
    response = save_and_test(api, _form(pinecone_emulator, pinecone_index))
    assert response.status_code == 400 and DIFFERS in response.text


def test_test_reports_a_bad_setting_in_plain_words(api, pinecone_emulator, pinecone_index):
    form = _form(pinecone_emulator, pinecone_index, port="443")
    form["extra"] = json.dumps({"control_plane_url": "https://api pinecone.io", "index_name": pinecone_index})
    response = save_and_test(api, form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] is False and "contains spaces" in body["message"] and KEY not in body["message"]


def test_test_is_refused_while_airflow_disables_it(api, pinecone_emulator, pinecone_index, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__TEST_CONNECTION", "Disabled")
    response = save_and_test(api, _form(pinecone_emulator, pinecone_index, port="443"))
    assert response.status_code == 403 and "Testing connections is disabled" in response.text


def test_the_form_the_ui_gets_shows_port(api):
    # /ui/connections/hook_meta is what the UI builds the connection form from.
    meta = {hook["connection_type"]: hook for hook in api.get("/ui/connections/hook_meta").json()}
    ours = meta["pinecone_bulk"]
    assert ours["hook_name"] == "Pinecone (bulk import)"
    fields = ours["standard_fields"]
    assert not fields["port"]["hidden"] and "443" in fields["port"]["placeholder"]
    assert fields["host"]["title"] == "Index host" and fields["login"]["hidden"]
    assert "index_name" in ours["extra_fields"]
    if "pinecone" in meta:  # the official provider's form, side by side
        assert meta["pinecone"]["standard_fields"]["host"]["title"] == "Pinecone Host"
