"""The connection form's Test on a real Airflow 3.3 API server, with the UI's own requests.

See :mod:`tests.connection_form_ui` for what the UI sends and why a connection saved without a
Port cannot be tested in Airflow 3.3; the ``pinecone_bulk`` form therefore shows Port. The
server runs with ``[core] test_connection = Enabled``; its connections reach the emulator.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.connection_form_ui import request_of_add_form, request_of_test_button

KEY = "pcsk_form_deploy_SECRET_do_not_leak_3"
DIFFERS = "The host or port to test differs from the stored connection"


@pytest.fixture
def saved(deployment) -> Iterator:
    """``save(form)``: adds a connection as the Add form does; the connections are deleted afterwards."""
    created: list[str] = []

    def save(**fields: str) -> dict:
        form = {
            "connection_id": f"pc_form_{uuid.uuid4().hex[:8]}",
            "conn_type": "pinecone_bulk",
            "password": KEY,
            **fields,
        }
        response = deployment.api.post("/api/v2/connections", json=request_of_add_form(form))
        assert response.status_code == 201, response.text
        created.append(form["connection_id"])
        rows = deployment.api.get("/api/v2/connections", params={"connection_id_pattern": form["connection_id"]})
        (row,) = [row for row in rows.json()["connections"] if row["connection_id"] == form["connection_id"]]
        assert KEY not in json.dumps(row)
        return row

    yield save
    try:
        api = deployment.api
    except AssertionError:  # the last test of the suite: the deployment is already stopped
        return
    for conn_id in created:
        api.delete(f"/api/v2/connections/{conn_id}")


def _press_test(deployment, row: dict):
    return deployment.api.post("/api/v2/connections/test", json=request_of_test_button(row))


@pytest.fixture
def index(deployment) -> str:
    return deployment.create_index(f"form-{uuid.uuid4().hex[:6]}")


def _by_name(deployment, index: str) -> str:
    return json.dumps({"control_plane_url": deployment.emulator.control_plane_url, "index_name": index})


def test_form_shows_port_and_the_official_form_stays(deployment):
    meta = {hook["connection_type"]: hook for hook in deployment.api.get("/ui/connections/hook_meta").json()}
    ours = meta["pinecone_bulk"]
    assert ours["hook_name"] == "Pinecone (bulk import)" and not ours["standard_fields"]["port"]["hidden"]
    assert meta["pinecone"]["hook_class_name"] == "airflow.providers.pinecone.hooks.pinecone.PineconeHook"


def test_test_of_a_connection_saved_with_port_443(deployment, saved, index):
    row = saved(port="443", extra=_by_name(deployment, index))
    response = _press_test(deployment, row)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] is True and f"'{index}' is ready" in body["message"], body


def test_test_of_a_connection_saved_with_its_index_host(deployment, saved, index):
    host, port = deployment.emulator.index_host(index).rsplit(":", 1)
    row = saved(host=host, port=port)
    body = _press_test(deployment, row).json()
    assert body["status"] is True and f"Connected to the index at {host}:{port}" in body["message"], body


def test_test_says_what_is_wrong_with_a_setting(deployment, saved, index):
    row = saved(port="443", extra=json.dumps({"control_plane_url": "ftp://api.pinecone.io", "index_name": index}))
    body = _press_test(deployment, row).json()
    assert body["status"] is False and "scheme 'ftp://'" in body["message"] and KEY not in body["message"]


def test_test_of_a_connection_saved_without_port_is_refused_by_airflow(deployment, saved, index):
    # Airflow 3.3: the row's port null is sent as 0, which differs from the stored NULL.
    response = _press_test(deployment, saved(extra=_by_name(deployment, index)))
    assert response.status_code == 400 and DIFFERS in response.text
