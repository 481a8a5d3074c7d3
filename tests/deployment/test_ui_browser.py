"""The Pinecone UI in a real browser: headless Chromium on the deployment's API server.

What a user sees, checked through the page itself (the Airflow UI's React pages and the plugin's
iframes), signed in through the login form:

* the connection form of ``pinecone_bulk`` (labels, hidden fields, Test in the connection list);
* a task page's extra links and where they lead;
* the Pinecone tab following an import from Pending through its progress to Completed;
* the pre-flight report of a broken source, as tables;
* the imports page over two connections (two indexes), its filters and its links to tasks;
* a user kept out of a DAG (tests/deployment/auth_manager.py) sees none of its imports.

The module's DAG runs (tests/deployment/dags/ui_dags.py) start together in :func:`ui`, so they run
while the first test watches the import; conftest.py runs these tests while the deployment
scenarios run in their threads. Screenshots go to ``tests/deployment/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_pinecone.testing.datasets import dense_table, parquet_bytes
from airflow_provider_pinecone.xcom_keys import XCOM_IMPORT_ID, XCOM_IMPORT_URL, XCOM_PREFLIGHT_REPORT
from tests.deployment.browser import UI_TIMEOUT_SECONDS, screenshot
from tests.deployment.harness import OUTSIDER_USER
from tests.deployment.stack import API_KEY, DEFAULT_DIMENSION, Deployment
from tests.waiting import wait_until

pytestmark = pytest.mark.deployment

BUCKET = "ui-data"
IMPORT_DAG, SECRET_DAG, PREFLIGHT_DAG = "deploy_ui_import", "deploy_ui_secret_import", "deploy_ui_preflight"
#: The browser tests' connections and their indexes (the DAGs name the connections).
CONNECTIONS = {"pinecone_ui_a": "ui-index-a", "pinecone_ui_b": "ui-index-b"}
#: The watched import (simulated by the emulator): 8 s Pending, 8 s loading, 2 s indexing. The tab
#: polls every 3 s and the plugin caches a status for 3 s, so each phase outlasts two polls.
WATCHED = {"simulate": True, "pending": 8.0, "duration": 8.0, "indexing_delay": 2.0}
RUN_TIMEOUT = 120.0


@dataclass
class UiRuns:
    """The module's DAG runs, started together."""

    deployment: Deployment
    runs: dict[str, str]

    def tab_path(self, dag_id: str, task_id: str) -> str:
        return f"/dags/{dag_id}/runs/{self.runs[dag_id]}/tasks/{task_id}/plugin/pinecone"

    def release_watched_import(self) -> None:
        """Let the watched import start (its DAG waits for ``watched.go``); the tab test does it while watching."""
        self.deployment.s3.put(BUCKET, "watched.go", b"")

    def wait_run(self, dag_id: str) -> str:
        if dag_id == IMPORT_DAG:
            self.release_watched_import()
        return self.deployment.rest.wait_run(dag_id, self.runs[dag_id], timeout=RUN_TIMEOUT)

    def xcom(self, dag_id: str, task_id: str, key: str) -> Any:
        return self.deployment.rest.xcom(dag_id, self.runs[dag_id], task_id, key)


def _connection(deployment: Deployment, conn_id: str, index: str) -> dict[str, Any]:
    # In the database: the plugin lists the Pinecone connections stored there (and pinecone_default).
    extra = {"control_plane_url": deployment.emulator.control_plane_url, "index_name": index}
    return {"connection_id": conn_id, "conn_type": "pinecone_bulk", "password": API_KEY, "extra": json.dumps(extra)}


def _write_sources(deployment: Deployment) -> None:
    s3 = deployment.s3
    s3.create_bucket(BUCKET)
    good = parquet_bytes(dense_table(30, DEFAULT_DIMENSION))
    s3.put(BUCKET, "watched/articles/part-0.parquet", good)
    s3.put(BUCKET, "secret/articles/part-0.parquet", good)
    # A broken source: vectors of the wrong dimension, a file that is not Parquet, files nested too deep.
    s3.put(BUCKET, "broken/articles/part-0.parquet", good)
    s3.put(BUCKET, "broken/short/part-0.parquet", parquet_bytes(dense_table(10, 4, start=100)))
    s3.put(BUCKET, "broken/short/notes.txt", b"not parquet")
    s3.put(BUCKET, "broken/nested/deeper/part-0.parquet", good)


@pytest.fixture(scope="module")
def ui(deployment: Deployment) -> Iterator[UiRuns]:
    """Two connections to two indexes, the sources, and the three DAG runs, started together."""
    api, emulator = deployment.api, deployment.emulator
    for conn_id, index in CONNECTIONS.items():
        deployment.create_index(index)
        response = api.post("/api/v2/connections", json=_connection(deployment, conn_id, index))
        assert response.status_code == 201, response.text
    emulator.configure(CONNECTIONS["pinecone_ui_a"], **WATCHED)
    emulator.configure(CONNECTIONS["pinecone_ui_b"], simulate=True, pending=0.2, duration=0.5, indexing_delay=0.2)
    _write_sources(deployment)
    runs = {
        dag_id: deployment.rest.trigger(dag_id, {"uri": f"s3://{BUCKET}/{folder}"})
        for dag_id, folder in ((IMPORT_DAG, "watched"), (SECRET_DAG, "secret"), (PREFLIGHT_DAG, "broken"))
    }
    yield UiRuns(deployment, runs)
    try:
        api = deployment.api
    except AssertionError:  # the deployment already stopped (the last test of the suite)
        return
    for conn_id in CONNECTIONS:
        api.delete(f"/api/v2/connections/{conn_id}")


def _pinecone_frame(page: Any) -> Any:
    """The plugin's iframe in a task's Pinecone tab or on the imports page."""
    return page.frame_locator("iframe[title^='Pinecone']")


# ------------------------------------------------------------------------------------------------
# The Pinecone tab follows an import from Pending through its progress to Completed


def _observe(frame: Any) -> dict[str, Any] | None:
    """What the tab shows of the import now (``None`` before it shows one)."""
    status = frame.get_by_test_id("import-status")
    if status.count() == 0:
        return None
    bar = frame.get_by_test_id("import-progress")
    return {
        "status": status.inner_text(),
        "percent": frame.get_by_test_id("import-percent").inner_text(),
        "bar": float(bar.get_attribute("aria-valuenow") or "nan"),
        "records": frame.get_by_test_id("import-records").inner_text(),
        "phase": frame.get_by_test_id("import-phase").inner_text(),
    }


def test_tab_follows_a_running_import(ui: UiRuns, signed_in: Any) -> None:
    rest, run_id = ui.deployment.rest, ui.runs[IMPORT_DAG]
    # The tab of a task instance that does not exist yet answers 404 for good: open it once the task is there.
    path = f"/api/v2/dags/{IMPORT_DAG}/dagRuns/{run_id}/taskInstances/start_import"
    rest.wait(lambda: ui.deployment.api.get(path).status_code == 200, 60, "the import task instance")
    page = signed_in().new_page()
    page.goto(ui.tab_path(IMPORT_DAG, "start_import"))
    frame = _pinecone_frame(page)
    # The task waits for a go (wait_for_go): the tab says so, then the import starts while it watches.
    frame.get_by_test_id("import-waiting").wait_for()
    assert frame.get_by_test_id("pinecone-refresh").get_attribute("data-refreshing") == "true"
    ui.release_watched_import()
    seen: list[dict[str, Any]] = []
    shots: dict[str, str] = {}

    def watch() -> dict[str, Any] | None:
        now = _observe(frame)
        if now is not None and (not seen or now != seen[-1]):
            seen.append(now)
            if now["status"] == "InProgress" and 0 < now["bar"] < 100 and "progress" not in shots:
                shots["progress"] = str(screenshot(page, "tab-import-in-progress"))
        return now

    last = wait_until(watch, lambda now: bool(now) and now["status"] == "Completed", timeout=90, interval=0.1,
                      what="the tab to show the import Completed")  # fmt: skip
    statuses = [s["status"] for s in seen]
    assert statuses[0] == "Pending" and seen[0]["bar"] == 0, f"the tab's first view of the import: {seen}"
    loading = [s for s in seen if s["status"] == "InProgress" and 0 < s["bar"] < 100]
    assert loading, f"the tab never showed the import part-way: {seen}"
    assert all(re.fullmatch(r"\d+\.\d %", s["percent"]) for s in loading), seen
    bars = [s["bar"] for s in seen]
    assert bars == sorted(bars), f"the progress went backwards: {seen}"
    assert statuses == sorted(statuses, key=["Pending", "InProgress", "Completed"].index), seen
    assert last["bar"] == 100 and last["percent"] == "100.0 %" and last["records"] == "1,000", last
    # Details the tab shows beside the progress.
    assert frame.get_by_test_id("import-uri").inner_text() == f"s3://{BUCKET}/watched"
    assert frame.get_by_test_id("import-index").inner_text() == CONNECTIONS["pinecone_ui_a"]
    assert frame.get_by_test_id("import-connection").inner_text() == "pinecone_ui_a"
    assert frame.get_by_test_id("import-id").inner_text() == ui.xcom(IMPORT_DAG, "start_import", XCOM_IMPORT_ID)
    # It stops refreshing once the import and the task are done.
    ui.wait_run(IMPORT_DAG)
    refresh = frame.get_by_test_id("pinecone-refresh")
    wait_until(lambda: refresh.get_attribute("data-refreshing"), lambda v: v == "false", timeout=30,
               interval=0.2, what="the tab to stop refreshing")  # fmt: skip
    screenshot(page, "tab-import-completed")
    assert "progress" in shots, seen


# ------------------------------------------------------------------------------------------------
# The task page's extra links


def test_extra_links_open_the_console_and_the_tab(ui: UiRuns, signed_in: Any) -> None:
    assert ui.wait_run(IMPORT_DAG) == "success"
    page = signed_in().new_page()
    details = f"/dags/{IMPORT_DAG}/runs/{ui.runs[IMPORT_DAG]}/tasks/start_import/details"
    page.goto(details)
    page.get_by_role("heading", name="Extra Links").wait_for()
    console = page.get_by_role("link", name="Pinecone Import", exact=True)
    tab = page.get_by_role("link", name="Pinecone tab", exact=True)
    console_url = ui.xcom(IMPORT_DAG, "start_import", XCOM_IMPORT_URL)
    assert console_url and console_url.startswith("https://app.pinecone.io/")
    assert console.get_attribute("href") == console_url and console.get_attribute("target") == "_blank"
    assert tab.get_attribute("href") == ui.tab_path(IMPORT_DAG, "start_import")
    assert tab.get_attribute("target") == "_self"
    screenshot(page, "task-extra-links")
    tab.click()
    page.wait_for_url(f"**{ui.tab_path(IMPORT_DAG, 'start_import')}")
    frame = _pinecone_frame(page)
    frame.get_by_test_id("import-status").filter(has_text="Completed").wait_for()
    assert frame.get_by_test_id("import-console-link").get_attribute("href") == console_url


# ------------------------------------------------------------------------------------------------
# The pre-flight report of a broken source


def test_preflight_report_of_a_broken_source(ui: UiRuns, signed_in: Any) -> None:
    assert ui.wait_run(PREFLIGHT_DAG) == "failed"
    report = ui.xcom(PREFLIGHT_DAG, "validate_source", XCOM_PREFLIGHT_REPORT)
    assert report and report["errors"], report
    page = signed_in().new_page()
    page.goto(ui.tab_path(PREFLIGHT_DAG, "validate_source"))
    frame = _pinecone_frame(page)
    verdict = frame.get_by_test_id("preflight-verdict")
    verdict.wait_for()
    assert verdict.inner_text() == "The source failed pre-flight"
    assert frame.get_by_test_id("preflight-uri").inner_text() == f"s3://{BUCKET}/broken"
    # Errors and warnings by code: one group per code of the report, with its messages and files.
    rows = frame.get_by_test_id("preflight-problem-row")
    shown: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        key = (row.get_attribute("data-severity"), row.get_attribute("data-code"))
        message = row.get_by_test_id("preflight-problem-message").inner_text()
        shown.setdefault(key, []).append((message, row.get_by_test_id("preflight-problem-file").inner_text()))
    expected: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for problem in report[key]:
            expected.setdefault((severity, problem["code"]), []).append((problem["message"], problem["path"] or ""))
    assert shown == expected, f"tables {shown}\nreport {expected}"
    codes = {code for _, code in shown}
    assert "layout.non_parquet_object" in codes and any("dimension" in code for code in codes), codes
    assert frame.get_by_test_id("preflight-errors").inner_text() == str(len(report["errors"]))
    # Files, rows and bytes per namespace.
    namespaces = frame.get_by_test_id("preflight-namespace-row")
    by_name = {
        namespaces.nth(i).get_attribute("data-namespace"): namespaces.nth(i).locator("td").all_inner_texts()
        for i in range(namespaces.count())
    }
    assert set(by_name) == set(report["namespaces"]), by_name
    for name, cells in by_name.items():
        summary = report["namespaces"][name]
        assert cells[1:3] == [f"{summary['files']:,}", f"{summary['rows']:,}"], (name, cells, summary)
    screenshot(page, "tab-preflight-failed")


# ------------------------------------------------------------------------------------------------
# The imports page over two connections


# Read in one go: the page re-renders its rows while an import runs.
_ROWS_JS = """rows => rows.map(row => {
  const cell = name => row.querySelector(`[data-testid="import-${name}"]`).innerText;
  return [row.dataset.importId, {status: cell("status"), index: cell("index"), connection: cell("connection"),
                                 task: cell("task")}];
})"""


def _import_rows(frame: Any) -> dict[tuple[str, str], dict[str, str]]:
    """The imports page's rows by (index, import id) (ids are per index): status, index, connection, task."""
    rows = frame.locator("tr[data-testid='import-row']").evaluate_all(_ROWS_JS)
    return {(row["index"], import_id): row for import_id, row in rows}


def _wait_rows(frame: Any, until: Any, what: str) -> dict[tuple[str, str], dict[str, str]]:
    frame.get_by_test_id("imports-page-info").filter(has_text="Page").wait_for()
    return wait_until(lambda: _import_rows(frame), until, timeout=UI_TIMEOUT_SECONDS, interval=0.2, what=what)


def test_imports_page_lists_two_connections(ui: UiRuns, signed_in: Any) -> None:
    assert ui.wait_run(IMPORT_DAG) == "success" and ui.wait_run(SECRET_DAG) == "success"
    watched = ("ui-index-a", ui.xcom(IMPORT_DAG, "start_import", XCOM_IMPORT_ID))
    secret = ("ui-index-b", ui.xcom(SECRET_DAG, "start_import", XCOM_IMPORT_ID))
    page = signed_in().new_page()
    page.goto("/plugin/pinecone-imports")
    frame = _pinecone_frame(page)
    rows = _wait_rows(frame, lambda r: watched in r and secret in r, "both imports on the imports page")
    assert rows[watched] == {
        "status": "Completed", "index": "ui-index-a", "connection": "pinecone_ui_a",
        "task": f"{IMPORT_DAG} / start_import / {ui.runs[IMPORT_DAG]}",
    }, rows  # fmt: skip
    assert rows[secret]["index"] == "ui-index-b" and rows[secret]["connection"] == "pinecone_ui_b", rows
    options = frame.get_by_test_id("imports-filter-connection").locator("option").all_inner_texts()
    assert {"pinecone_ui_a", "pinecone_ui_b"} <= set(options), options
    screenshot(page, "imports-page")
    # Filtered by connection, then by index: only that index's imports.
    frame.get_by_test_id("imports-filter-connection").select_option("pinecone_ui_b")
    rows = _wait_rows(frame, lambda r: watched not in r, "the imports of pinecone_ui_b only")
    assert rows and {r["connection"] for r in rows.values()} == {"pinecone_ui_b"}, rows
    frame.get_by_test_id("imports-filter-connection").select_option("")
    frame.get_by_test_id("imports-filter-index").select_option("ui-index-a")
    rows = _wait_rows(frame, lambda r: secret not in r and watched in r, "the imports of ui-index-a only")
    assert {r["index"] for r in rows.values()} == {"ui-index-a"}, rows
    # A row links back to the task that started the import: its Pinecone tab.
    frame.get_by_test_id("import-task-link").filter(has_text=ui.runs[IMPORT_DAG]).click()
    page.wait_for_url(f"**{ui.tab_path(IMPORT_DAG, 'start_import')}")
    _pinecone_frame(page).get_by_test_id("import-uri").filter(has_text=f"s3://{BUCKET}/watched").wait_for()


# ------------------------------------------------------------------------------------------------
# A user without access to a DAG sees none of its imports


def test_a_user_without_access_to_a_dag_sees_none_of_its_imports(ui: UiRuns, signed_in: Any) -> None:
    assert ui.wait_run(IMPORT_DAG) == "success" and ui.wait_run(SECRET_DAG) == "success"
    watched = ("ui-index-a", ui.xcom(IMPORT_DAG, "start_import", XCOM_IMPORT_ID))
    secret = ("ui-index-b", ui.xcom(SECRET_DAG, "start_import", XCOM_IMPORT_ID))
    page = signed_in(OUTSIDER_USER).new_page()
    # The auth manager keeps the outsider out of the secret DAG only.
    assert page.request.get(f"/api/v2/dags/{SECRET_DAG}").status == 403
    assert page.request.get(f"/api/v2/dags/{IMPORT_DAG}").status == 200
    page.goto("/plugin/pinecone-imports")
    frame = _pinecone_frame(page)
    # The page lists the import of a DAG the outsider may read, so it has loaded every connection.
    rows = _wait_rows(frame, lambda r: watched in r, "the outsider's imports page")
    assert secret not in rows and "ui-index-b" not in {r["index"] for r in rows.values()}, rows
    assert SECRET_DAG not in frame.get_by_test_id("imports-body").inner_text()
    frame.get_by_test_id("imports-filter-connection").select_option("pinecone_ui_b")
    frame.get_by_test_id("imports-empty").wait_for(state="visible")
    assert _import_rows(frame) == {}
    screenshot(page, "imports-page-outsider")
    # Nor the secret task's tab: the plugin refuses it.
    page.goto(ui.tab_path(SECRET_DAG, "start_import"))
    message = _pinecone_frame(page).get_by_test_id("pinecone-message")
    message.filter(has_text="You do not have access to this.").wait_for()
    assert _pinecone_frame(page).get_by_test_id("pinecone-import").count() == 0


# ------------------------------------------------------------------------------------------------
# The connection form of our connection type


def test_connection_form_labels_hidden_fields_and_test(ui: UiRuns, signed_in: Any) -> None:
    conn_id = f"pc_ui_form_{uuid.uuid4().hex[:6]}"
    api = ui.deployment.api
    page = signed_in().new_page()
    try:
        page.goto("/connections")
        page.get_by_role("button", name="Add Connection").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Connection ID").fill(conn_id)
        dialog.get_by_role("combobox").fill("Pinecone (bulk")
        page.get_by_role("option", name="Pinecone (bulk import)", exact=True).click()
        dialog.get_by_label("API key").wait_for()
        screenshot(page, "connection-form")
        _check_form_then_save(page, dialog, ui.deployment, conn_id)
        # Test is in the connection list: it answers with the hook's message.
        page.get_by_placeholder("Search Connections").fill(conn_id)
        row = page.get_by_role("row").filter(has_text=conn_id)
        row.get_by_role("button", name="Test Connection").click()
        page.get_by_text("Test Connection Successful").wait_for()
        page.get_by_text(f"'{CONNECTIONS['pinecone_ui_a']}' is ready").wait_for()
        screenshot(page, "connection-test")
    finally:
        api.delete(f"/api/v2/connections/{conn_id}")


def _extra_field(dialog: Any, label: str) -> Any:
    """The input of an extra field (the form's labels there are not tied to their inputs)."""
    return dialog.get_by_text(label, exact=True).locator("xpath=ancestor::*[.//input][1]").locator("input").first


def _check_form_then_save(page: Any, dialog: Any, deployment: Deployment, conn_id: str) -> None:
    # Relabelled, kept and hidden standard fields.
    for label in ("Index host", "Port", "API key", "Description"):
        assert dialog.get_by_label(label, exact=True).is_visible(), label
    for hidden in ("Schema", "Login", "Host", "Password"):
        assert dialog.get_by_label(hidden, exact=True).count() == 0, hidden
    dialog.get_by_label("Port", exact=True).fill("443")
    dialog.get_by_label("API key", exact=True).fill(API_KEY)
    # Extra fields from provider info, with their descriptions.
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    for label, description in (
        ("Index name", "The index to import into."),
        ("API version", "The X-Pinecone-Api-Version to speak."),
        ("Control plane URL", "Leave empty for https://api.pinecone.io."),
        ("Organization id", "Only used to build links to the Pinecone console."),
        ("Project id", "Only used to build links to the Pinecone console."),
    ):
        dialog.get_by_text(label, exact=True).wait_for()
        assert dialog.get_by_text(description).count() >= 1, description
    screenshot(page, "connection-form-extra")
    _extra_field(dialog, "Index name").fill(CONNECTIONS["pinecone_ui_a"])
    _extra_field(dialog, "Control plane URL").fill(deployment.emulator.control_plane_url)
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="hidden")
    saved = deployment.api.get(f"/api/v2/connections/{conn_id}").json()
    assert saved["conn_type"] == "pinecone_bulk" and saved["port"] == 443, saved
    assert json.loads(saved["extra"])["index_name"] == CONNECTIONS["pinecone_ui_a"], saved
    assert API_KEY not in json.dumps(saved), saved
