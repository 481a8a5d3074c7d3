"""The Pinecone tab's JSON through the API server's own app: what it shows for each kind of task."""

from __future__ import annotations

import pytest

from tests.dags.pinecone_plugin_dags import XSS
from tests.integration.plugin.conftest import run_dag
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("airflow_db")]


def test_the_tab_follows_an_import_to_completed(api, pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=1.0, indexing_delay=0.5, records=3000)
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/tab")
    (started,) = pinecone_conn.list_imports("test-index")

    first = api.ti(run, "start_import").json()
    assert first["kind"] == "import"
    imp = first["import"]
    assert imp["id"] == started["id"]
    assert imp["connection"] == "pinecone_default" and imp["index"] == "test-index"
    assert imp["uri"] == "s3://bucket/imports/tab"
    assert first["console_url"] == "https://app.pinecone.io/organizations/-/projects/-/import"
    assert first["task"]["state"] == "success"
    assert first["task"]["path"] == (
        f"/dags/pinecone_plugin_tasks/runs/{run.run_id.replace(':', '%3A').replace('+', '%2B')}"
        "/tasks/start_import/plugin/pinecone"
    )

    def fresh():
        api.live.clear()  # not waiting out the cache's TTL in a test
        return api.ti(run, "start_import").json()

    done = wait_until(fresh, lambda v: v["import"]["status"] == "Completed", timeout=15, what="Completed")
    assert done["import"]["phase"] == "completed"
    assert done["import"]["percent"] == 100.0 and done["import"]["records_imported"] == 3000
    assert done["import"]["elapsed_s"] >= 1.0 and done["import"]["terminal"] is True
    # The task succeeded and the import ended: the page stops polling.
    assert done["refresh"] is False


def test_the_tab_polls_while_the_import_runs_and_says_indexing_at_100(api, pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=0.3, pending=0.0, indexing_delay=30.0, records=10)
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/indexing")

    def fresh():
        api.live.clear()
        return api.ti(run, "start_import").json()

    view = wait_until(fresh, lambda v: v["import"].get("percent") == 100.0, timeout=10, what="100 %")
    assert view["import"]["status"] == "InProgress" and view["import"]["phase"] == "indexing"
    assert view["refresh"] is True  # the task is done, the import is not


def test_a_failed_import_shows_pineconess_error_text(api, pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=0.2, pending=0.0, fail_message=f"Bad file {XSS}", fail_at_percent=10)
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/failing")

    def fresh():
        api.live.clear()
        return api.ti(run, "start_import").json()

    view = wait_until(fresh, lambda v: v["import"]["status"] == "Failed", timeout=10, what="Failed")
    assert view["import"]["phase"] == "failed"
    assert XSS in view["import"]["error"]  # verbatim in JSON: the page sets it as text


def test_preflight_report_as_tables(api, pinecone_conn):
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/report")
    view = api.ti(run, "report").json()
    assert view["kind"] == "preflight" and view["refresh"] is False
    report = view["preflight"]
    assert report["ok"] is False and report["errors"] == 5 and report["warnings"] == 1
    groups = {(p["severity"], p["code"]): p for p in report["problems"]}
    mismatch = groups[("error", "dimension_mismatch")]
    assert mismatch["count"] == 5  # 2 listed + 3 left out of the report's lists
    assert [p["path"] for p in mismatch["problems"]] == [
        f"s3://bucket/imports/run-1/{XSS}/part-0.parquet",
        "s3://bucket/imports/run-1/ns1/part-1.parquet",
    ]
    assert groups[("warning", "empty_file")]["problems"] == [{"message": "No rows", "path": None}]
    assert report["namespaces"] == [
        {"namespace": XSS, "files": 2, "rows": 10, "bytes": 2048},
        {"namespace": "ns1", "files": 1, "rows": 5, "bytes": 100},
    ]
    assert (report["total_files"], report["total_rows"], report["total_bytes"]) == (3, 15, 2148)


def test_upsert_summary_field_by_field(api, pinecone_conn):
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/summary")
    view = api.ti(run, "summary").json()
    assert view["kind"] == "upsert"
    summary = view["upsert"]
    assert summary["upserted"] == {"": 40, XSS: 60} and summary["upserted_total"] == 100
    assert summary["skipped"] == {"bad_dimension": 2} and summary["verified"] is True
    assert summary["throttled_retries"] == 1 and summary["records_per_second"] == 66.7
    assert "not_a_summary_field" not in summary


def test_any_other_task_has_nothing_to_show(api, pinecone_conn):
    run = run_dag("pinecone_plugin_tasks", "s3://bucket/imports/plain")
    view = api.ti(run, "plain").json()
    assert view["kind"] == "none" and view["refresh"] is False
    assert set(view) == {"kind", "task", "poll_seconds", "refresh"}


def test_unknown_task_instance_is_404(api, pinecone_conn):
    response = api.get("/pinecone/api/ti/pinecone_plugin_tasks/no-such-run/start_import/{MAP_INDEX}")
    assert response.status_code == 404
    assert api.get("/pinecone/api/ti/pinecone_plugin_tasks/r/start_import/abc").status_code == 404
