"""The plugin's security and cost promises, through the API server's own app and auth manager."""

from __future__ import annotations

import threading

import pytest

from airflow_provider_pinecone.client import PineconeClient
from airflow_provider_pinecone.plugin import live as live_module
from tests.dags.pinecone_plugin_dags import XSS
from tests.integration.conftest import API_KEY
from tests.integration.plugin.auth_manager import OUTSIDER
from tests.integration.plugin.conftest import run_dag
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("airflow_db")]


@pytest.fixture
def describe_calls(monkeypatch):
    """Counts describe_import requests the plugin makes to Pinecone."""
    calls: list[str] = []
    real = PineconeClient.describe_import

    def counting(self, import_id):
        calls.append(import_id)
        return real(self, import_id)

    monkeypatch.setattr(PineconeClient, "describe_import", counting)
    return calls


@pytest.fixture
def built_targets(monkeypatch):
    """Every connection the plugin builds a Pinecone client from."""
    targets = []
    real = live_module._build_client

    def recording(target):
        targets.append(target)
        return real(target)

    monkeypatch.setattr(live_module, "_build_client", recording)
    return targets


def test_json_needs_a_signed_in_user_and_the_shells_hold_no_data(api, pinecone_conn):
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/anon")
    assert api.ti(run, "start_import", user=None).status_code == 401
    assert api.get("/pinecone/api/imports", user=None).status_code == 401
    forged = api.get("/pinecone/api/imports", headers={"Authorization": "Bearer forged"}, user=None)
    assert forged.status_code in (401, 403) and "imports" not in forged.json()  # Airflow answers 403
    page = api.get(f"/pinecone/ti/{run.dag_id}/{run.run_id}/start_import/{{MAP_INDEX}}", user=None)
    assert page.status_code == 200 and run.run_id not in page.text and "s3://" not in page.text
    assert api.get("/pinecone/imports", user=None).status_code == 200


def test_a_user_who_may_not_read_a_dag_sees_nothing_of_it(api, pinecone_conn):
    secret = run_dag("secret_plugin_dag", "s3://bucket/imports/secret")
    public = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/public")
    assert api.ti(secret, "start_import", user=OUTSIDER).status_code == 403
    # Not even whether a task instance exists.
    assert api.get("/pinecone/api/ti/secret_plugin_dag/nope/start_import/-1", OUTSIDER).status_code == 403
    assert api.ti(secret, "start_import", user="admin").json()["kind"] == "import"
    assert api.ti(public, "start_import", user=OUTSIDER).json()["kind"] == "import"

    def uris(user):
        return {row["uri"] for row in api.get("/pinecone/api/imports", user).json()["imports"]}

    assert uris("admin") == {"s3://bucket/imports/secret", "s3://bucket/imports/public"}
    assert uris(OUTSIDER) == {"s3://bucket/imports/public"}


def test_an_import_no_task_started_is_shown_only_to_who_may_read_the_connection(api, pinecone_conn):
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook

    PineconeHook().start_import("s3://bucket/imports/from-the-console")
    admin = api.get("/pinecone/api/imports").json()
    (row,) = admin["imports"]
    assert row["uri"] == "s3://bucket/imports/from-the-console" and row["task"] is None
    outsider = api.get("/pinecone/api/imports", OUTSIDER).json()
    assert outsider["imports"] == [] and outsider["connections"] == []


def test_no_api_key_in_any_page_json_or_error(api, pinecone_conn, second_conn, monkeypatch):
    pinecone_conn.set_import_behaviour(duration=0.1, pending=0.0, fail_message=f"denied {API_KEY}", fail_at_percent=5)
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/secrets")

    def failed():
        api.live.clear()
        return api.ti(run, "start_import").json()

    view = wait_until(failed, lambda v: v["import"]["status"] == "Failed", timeout=10, what="Failed")
    assert view["import"]["error"] == "denied ***"
    listed = api.get("/pinecone/api/imports").json()["imports"]
    assert [r["error"] for r in listed if r["uri"] == "s3://bucket/imports/secrets"] == ["denied ***"]
    # A connection Pinecone refuses, and one to nothing at all: their errors are shown.
    monkeypatch.setenv("AIRFLOW_CONN_PINECONE_DEFAULT", f'{{"conn_type": "pinecone_bulk", "password": "{API_KEY}", '
                       '"host": "http://127.0.0.1:9", "extra": {"index_name": "x"}}')  # fmt: skip
    api.live.clear()
    for task_id in ("start_import", "report", "summary", "plain"):
        assert api.ti(run, task_id).status_code == 200
    listing = api.get("/pinecone/api/imports").json()
    assert [e["connection"] for e in listing["errors"]] == ["pinecone_default"]
    api.get(f"/pinecone/ti/{run.dag_id}/{run.run_id}/start_import/{{MAP_INDEX}}")
    api.get("/pinecone/imports")
    api.get("/pinecone/api/imports", params={"conn_id": "nope"})
    assert len(api.responses) >= 8
    for response in api.responses:
        assert API_KEY not in response.text, response.request.url


def test_only_configured_connections_are_called(api, pinecone_conn, second_conn, built_targets):
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/ssrf")
    evil = "http://127.0.0.1:9/steal"
    response = api.get("/pinecone/api/imports", params={"conn_id": evil})
    assert response.status_code == 404 and built_targets == []
    listing = api.get("/pinecone/api/imports", params={"index": evil}).json()
    assert listing["imports"] == []
    api.get(f"/pinecone/api/ti/{run.dag_id}/{run.run_id}/start_import/-1", params={"host": evil, "conn_id": evil})
    assert {t.conn_id for t in built_targets} <= {"pinecone_default", second_conn[0]}
    assert all(t.index_name in (None, "test-index") for t in built_targets)


def test_many_tabs_cost_pinecone_one_call_per_ttl(api, pinecone_conn, describe_calls):
    pinecone_conn.set_import_behaviour(duration=30.0, records=10)
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/cache")
    api.live.clear()
    describe_calls.clear()
    results = []
    threads = [threading.Thread(target=lambda: results.append(api.ti(run, "start_import").json())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(5):
        results.append(api.ti(run, "start_import").json())
    assert len(results) == 13 and all(r["import"]["status"] in ("Pending", "InProgress") for r in results)
    assert len(describe_calls) == 1


def test_the_imports_page_lists_two_connections_newest_first_and_filters(api, pinecone_conn, second_conn):
    conn_id, index = second_conn
    first = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/first")
    live_module._build_client(live_module.Target(conn_id)).client.start_import(f"s3://bucket/imports/{XSS}")
    everything = api.get("/pinecone/api/imports").json()
    assert [(r["connection"], r["index"]) for r in everything["imports"]] == [
        (conn_id, index), ("pinecone_default", "test-index"),
    ]  # fmt: skip
    assert everything["connections"] == sorted(["pinecone_default", conn_id])
    assert everything["indexes"] == sorted([index, "test-index"])
    task = everything["imports"][1]["task"]
    assert (task["dag_id"], task["run_id"], task["task_id"]) == (first.dag_id, first.run_id, "start_import")
    only = api.get("/pinecone/api/imports", params={"conn_id": conn_id}).json()
    assert [r["uri"] for r in only["imports"]] == [f"s3://bucket/imports/{XSS}"]
    by_index = api.get("/pinecone/api/imports", params={"index": "test-index"}).json()
    assert [r["uri"] for r in by_index["imports"]] == ["s3://bucket/imports/first"]
    page2 = api.get("/pinecone/api/imports", params={"page_size": 1, "page": 2}).json()
    assert (page2["page"], page2["pages"], page2["total"]) == (2, 2, 2)
    assert [r["uri"] for r in page2["imports"]] == ["s3://bucket/imports/first"]
