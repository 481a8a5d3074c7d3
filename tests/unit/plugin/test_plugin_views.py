"""The plugin's pure parts: views of imports, reports and summaries, the cache, links, cheap import."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from airflow_provider_pinecone.client import ImportModel, ImportStatus
from airflow_provider_pinecone.plugin import pages
from airflow_provider_pinecone.plugin.cache import TtlCache
from airflow_provider_pinecone.plugin.metadata import TaskInstanceInfo, TaskRef, import_id_text
from airflow_provider_pinecone.plugin.urls import task_tab_path
from airflow_provider_pinecone.plugin.views import (
    import_view,
    phase_of,
    preflight_view,
    task_kind,
    upsert_view,
    without_userinfo,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _imp(status, percent=None, **kw):
    return ImportModel(id="7", status=status, percent_complete=percent, **kw)


@pytest.mark.parametrize(
    ("status", "percent", "phase"),
    [
        (ImportStatus.PENDING, None, "pending"),
        (ImportStatus.IN_PROGRESS, 42.0, "importing"),
        (ImportStatus.IN_PROGRESS, 100.0, "indexing"),
        (ImportStatus.COMPLETED, 100.0, "completed"),
        (ImportStatus.FAILED, 10.0, "failed"),
        (ImportStatus.CANCELLED, 10.0, "cancelled"),
    ],
)
def test_phase(status, percent, phase):
    assert phase_of(_imp(status, percent)) == phase


def test_import_view_elapsed_and_no_credentials_in_the_uri():
    running = import_view(
        _imp(ImportStatus.IN_PROGRESS, 50.0, created_at=T0, uri="s3://k:s@b/p"), now=T0 + timedelta(seconds=90)
    )
    assert running["elapsed_s"] == 90.0 and running["uri"] == "s3://b/p" and running["terminal"] is False
    done = import_view(_imp(ImportStatus.COMPLETED, 100.0, created_at=T0, finished_at=T0 + timedelta(seconds=5)))
    assert done["elapsed_s"] == 5.0 and done["terminal"] is True
    assert without_userinfo("gs://bucket/x") == "gs://bucket/x"


def _info(operator=None, **xcoms):
    return TaskInstanceInfo(TaskRef("d", "r", "t"), "running", operator, xcoms, None, None, None, None)


def test_task_kind_by_operator_then_by_xcom_shape():
    assert task_kind(_info("ImportSensor")) == "import"
    assert task_kind(_info("MyOperator", import_id="1")) == "import"
    assert task_kind(_info("ValidateImportSourceOperator")) == "preflight"
    assert (
        task_kind(_info("X", return_value={"uri": "", "errors": [], "warnings": [], "namespaces": {}})) == "preflight"
    )
    assert task_kind(_info("UpsertOperator")) == "upsert"
    assert task_kind(_info("X", return_value={"upserted": {}, "upserted_total": 0})) == "upsert"
    assert task_kind(_info("PythonOperator", return_value={"a": 1})) == "none"


def test_import_ids_read_back_as_numbers_are_ids():
    assert import_id_text(1) == "1" and import_id_text("abc") == "abc"
    assert import_id_text(True) is None and import_id_text({"x": 1}) is None and import_id_text(" ") is None


def test_preflight_view_groups_problems_by_code_and_counts_the_omitted():
    view = preflight_view(
        {
            "uri": "s3://b/p", "ok": False,
            "errors": [{"code": "a", "message": "m1", "path": "f1"}, {"code": "a", "message": "m2", "path": "f2"}],
            "warnings": [{"code": "w", "message": "m3", "path": None}, "junk"],
            "omitted": {"a": 4, "gone": 2},
            "namespaces": {"ns": {"files": 1, "rows": 2, "bytes": 3, "secret": "x"}},
        }
    )  # fmt: skip
    assert [(p["severity"], p["code"], p["count"]) for p in view["problems"]] == [
        ("error", "a", 6), ("warning", "w", 1), ("error", "gone", 2),
    ]  # fmt: skip
    assert view["errors"] == 8 and view["warnings"] == 1
    assert view["namespaces"] == [{"namespace": "ns", "files": 1, "rows": 2, "bytes": 3}]
    assert preflight_view("not a report") is None


def test_upsert_view_keeps_only_known_fields_of_known_types():
    view = upsert_view({"upserted": {"a": 1, "b": "x"}, "upserted_total": float("nan"), "verified": "yes", "extra": 1})
    assert view["upserted"] == {"a": 1} and view["upserted_total"] is None and view["verified"] is None
    assert "extra" not in view


def test_cache_computes_once_per_ttl_for_all_callers_and_keeps_errors():
    now = [0.0]
    cache: TtlCache[int] = TtlCache(ttl=3.0, clock=lambda: now[0])
    calls = []
    assert [cache.get("k", lambda: calls.append(1) or len(calls)) for _ in range(5)] == [1] * 5
    now[0] = 3.0
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 2

    def boom():
        calls.append("boom")
        raise RuntimeError("down")

    for _ in range(3):
        with pytest.raises(RuntimeError):
            cache.get("e", boom)
    assert calls.count("boom") == 1


def test_cache_single_flight_under_concurrency():
    cache: TtlCache[int] = TtlCache(ttl=60.0)
    started, release, calls = threading.Event(), threading.Event(), []

    def slow():
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(6)]
    for thread in threads:
        thread.start()
    started.wait(5)
    release.set()
    for thread in threads:
        thread.join()
    assert results == [42] * 6 and calls == [1]


def test_task_tab_path_encodes_ids_and_mapped_index():
    run = "manual__2026-01-01T00:00:00+00:00"
    assert (
        task_tab_path("d", run, "g.t")
        == "/dags/d/runs/manual__2026-01-01T00%3A00%3A00%2B00%3A00/tasks/g.t/plugin/pinecone"
    )
    assert task_tab_path("d", "r", "t", 3, base="/af") == "/af/dags/d/runs/r/tasks/t/mapped/3/plugin/pinecone"
    assert task_tab_path("d/../x", "r", "t").startswith("/dags/d%2F..%2Fx/")


def test_the_tab_link_points_at_the_tab():
    from airflow_provider_pinecone.links import PineconeTabLink

    key = SimpleNamespace(dag_id="d", run_id="r", task_id="t", map_index=2)
    assert PineconeTabLink().get_link(None, ti_key=key) == "/dags/d/runs/r/tasks/t/mapped/2/plugin/pinecone"


def test_pages_build_the_dom_from_text_only_and_allow_only_their_own_script():
    for page, headers in ((pages.TI_PAGE, pages.TI_HEADERS), (pages.IMPORTS_PAGE, pages.IMPORTS_HEADERS)):
        assert "innerHTML" not in page and "outerHTML" not in page and "insertAdjacentHTML" not in page
        assert "document.write" not in page and "eval(" not in page
        assert "http://" not in page.replace('"http://"', "") and "https://" not in page  # no CDN, nothing external
        csp = headers["Content-Security-Policy"]
        assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_the_plugin_module_imports_no_web_framework():
    # Every Airflow component imports the plugin: it must add no FastAPI and not build the app (Airflow
    # 3.1's own plugins_manager imports fastapi, so measure what importing our module adds to it).
    code = (
        "import sys, airflow.plugins_manager; before = set(sys.modules); "
        "import airflow_provider_pinecone.plugin as p; added = set(sys.modules) - before; "
        "heavy = ('fastapi', 'starlette', 'airflow_provider_pinecone.plugin.app'); "
        "bad = sorted(m for m in added if m.startswith(heavy)); "
        "assert not bad, bad; print(p.PineconePlugin.name)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("pinecone")


def test_the_timeout_of_every_call_is_short_and_unretried(monkeypatch):
    import json

    from airflow_provider_pinecone.plugin.live import CALL_TIMEOUT, Target, _build_client

    monkeypatch.setenv(
        "AIRFLOW_CONN_PC_SLOW",
        json.dumps({"conn_type": "pinecone_bulk", "password": "pcsk_x", "host": "idx.example.com",
                    "extra": {"timeout": 120, "max_attempts": 9}}),
    )  # fmt: skip
    config = _build_client(Target("pc_slow")).client.config
    assert config.timeout == CALL_TIMEOUT <= 5 and config.retry.max_attempts == 1
