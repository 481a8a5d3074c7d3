"""The JSON behind the plugin's two pages: a task instance's Pinecone view, and the imports list.

Values from XCom are copied field by field into known shapes (nothing else of an XCom is passed
on); values from Pinecone pass through :func:`import_view`. The pages render all of it as text.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_pinecone.client import ImportModel, ImportStatus, PineconeNotFoundError
from airflow_provider_pinecone.plugin import metadata
from airflow_provider_pinecone.plugin.access import Visibility
from airflow_provider_pinecone.plugin.live import LiveData, Target, redacted, shown_error
from airflow_provider_pinecone.plugin.metadata import TaskInstanceInfo, TaskRef
from airflow_provider_pinecone.plugin.urls import task_tab_path
from airflow_provider_pinecone.xcom_keys import XCOM_IMPORT_ID, XCOM_IMPORT_URL, XCOM_PREFLIGHT_REPORT

IMPORT_OPERATORS = frozenset({"StartImportOperator", "CancelImportOperator", "ImportSensor"})
PREFLIGHT_OPERATORS = frozenset({"ValidateImportSourceOperator"})
UPSERT_OPERATORS = frozenset({"UpsertOperator"})
#: Task states after which the tab stops polling (unless an import it shows is still running).
TERMINAL_TI_STATES = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})
#: Seconds between two polls of a page, told to the page.
POLL_SECONDS = 3
MAX_PAGE_SIZE = 100
#: Problems listed per code in the pre-flight tables (the report itself keeps at most a few per code).
MAX_PROBLEMS_PER_CODE = 50
#: Connections asked for their imports at the same time.
LIST_CONCURRENCY = 4
_MAX_TEXT = 2000


# ---- small helpers ----------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:_MAX_TEXT]


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k)[:_MAX_TEXT]: n for k, v in value.items() if (n := _int(v)) is not None}


def without_userinfo(uri: str | None) -> str | None:
    """``uri`` without any ``user:password@`` part (a URI should never hold one, but may)."""
    if not uri:
        return uri
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _http_url(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def phase_of(imp: ImportModel) -> str:
    """``pending``, ``importing``, ``indexing`` (in progress at 100 %), or the final status in lower case."""
    if imp.status == ImportStatus.IN_PROGRESS:
        return "indexing" if (imp.percent_complete or 0.0) >= 100.0 else "importing"
    return str(imp.status).lower()


def import_view(imp: ImportModel, *, now: datetime | None = None) -> dict[str, Any]:
    """One import as the pages show it."""
    now = now or datetime.now(UTC)
    elapsed = None
    if imp.created_at:
        elapsed = max(0.0, ((imp.finished_at or now) - imp.created_at).total_seconds())
    return {
        "id": _str(imp.id),
        "status": _str(imp.status),
        "phase": phase_of(imp),
        "percent": _num(imp.percent_complete),
        "records_imported": _int(imp.records_imported),
        "created_at": _iso(imp.created_at),
        "finished_at": _iso(imp.finished_at),
        "elapsed_s": round(elapsed, 1) if elapsed is not None else None,
        "error": _str(imp.error),
        "uri": _str(without_userinfo(imp.uri)),
        "terminal": imp.is_terminal,
    }


def task_link(ref: TaskRef) -> dict[str, Any]:
    """A task instance, with the UI path of its Pinecone tab (the page adds Airflow's base path)."""
    return {
        "dag_id": ref.dag_id,
        "run_id": ref.run_id,
        "task_id": ref.task_id,
        "map_index": ref.map_index,
        "path": task_tab_path(ref.dag_id, ref.run_id, ref.task_id, ref.map_index),
    }


# ---- task kinds -------------------------------------------------------------------------------


def _looks_like_report(value: Any) -> bool:
    return isinstance(value, Mapping) and {"uri", "errors", "warnings", "namespaces"} <= value.keys()


def _looks_like_summary(value: Any) -> bool:
    return isinstance(value, Mapping) and {"upserted", "upserted_total"} <= value.keys()


def import_id_of(info: TaskInstanceInfo) -> str | None:
    """The import the task started (XCom) or watches or cancels (its rendered ``import_id``)."""
    return metadata.import_id_text(info.xcoms.get(XCOM_IMPORT_ID)) or info.rendered_import_id


def task_kind(info: TaskInstanceInfo) -> str:
    """``import``, ``preflight``, ``upsert`` or ``none``: by the operator's class, else by its XComs."""
    operator = info.operator or ""
    result = info.xcoms.get(metadata.RETURN_VALUE)
    if operator in IMPORT_OPERATORS or XCOM_IMPORT_ID in info.xcoms:
        return "import"
    if operator in PREFLIGHT_OPERATORS or XCOM_PREFLIGHT_REPORT in info.xcoms or _looks_like_report(result):
        return "preflight"
    if operator in UPSERT_OPERATORS or _looks_like_summary(result):
        return "upsert"
    return "none"


def preflight_view(report: Any) -> dict[str, Any] | None:
    """The pre-flight report (``ImportSourceReport.to_dict``) as tables: problems by code, namespaces."""
    if not isinstance(report, Mapping):
        return None
    by_code: OrderedDict[tuple[str, str], list[dict[str, Any]]] = OrderedDict()
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for problem in report.get(key) or []:
            if not isinstance(problem, Mapping):
                continue
            code = _str(problem.get("code")) or "unknown"
            by_code.setdefault((severity, code), []).append(
                {"message": _str(problem.get("message")), "path": _str(problem.get("path"))}
            )
    omitted = _counts(report.get("omitted"))
    problems = []
    for (severity, code), items in by_code.items():
        problems.append(
            {
                "severity": severity,
                "code": code,
                "count": len(items) + omitted.pop(code, 0),
                "problems": items[:MAX_PROBLEMS_PER_CODE],
            }
        )
    for code, n in omitted.items():  # codes whose every problem was left out of the lists
        problems.append({"severity": "error", "code": code, "count": n, "problems": []})
    namespaces = []
    raw = report.get("namespaces")
    for name, summary in raw.items() if isinstance(raw, Mapping) else []:
        summary = summary if isinstance(summary, Mapping) else {}
        namespaces.append(
            {
                "namespace": _str(name),
                "files": _int(summary.get("files")),
                "rows": _int(summary.get("rows")),
                "bytes": _int(summary.get("bytes")),
            }
        )
    return {
        "uri": _str(without_userinfo(_str(report.get("uri")))),
        "ok": bool(report.get("ok")),
        "index_type": _str(report.get("index_type")),
        "error_mode": _str(report.get("error_mode")),
        "errors": sum(p["count"] for p in problems if p["severity"] == "error"),
        "warnings": sum(p["count"] for p in problems if p["severity"] == "warning"),
        "problems": problems,
        "namespaces": namespaces,
        "total_files": _int(report.get("total_files")),
        "total_rows": _int(report.get("total_rows")),
        "total_bytes": _int(report.get("total_bytes")),
        "sampled_rows": _int(report.get("sampled_rows")),
        "requests": _int(report.get("requests")),
        "bytes_read": _int(report.get("bytes_read")),
        "elapsed_s": _num(report.get("elapsed_s")),
    }


def upsert_view(summary: Any) -> dict[str, Any] | None:
    """The upsert's summary (``UpsertSummary.to_dict``), field by field."""
    if not isinstance(summary, Mapping):
        return None
    samples = []
    for item in summary.get("skipped_ids_sample") or []:
        if isinstance(item, Mapping):
            samples.append({str(k)[:100]: _str(v) for k, v in list(item.items())[:10]})
    return {
        "upserted": _counts(summary.get("upserted")),
        "upserted_total": _int(summary.get("upserted_total")),
        "skipped": _counts(summary.get("skipped")),
        "skipped_total": _int(summary.get("skipped_total")),
        "skipped_ids_sample": samples[:20],
        "requests": _int(summary.get("requests")),
        "throttled_retries": _int(summary.get("throttled_retries")),
        "seconds": _num(summary.get("seconds")),
        "records_per_second": _num(summary.get("records_per_second")),
        "resumed_row_groups": _int(summary.get("resumed_row_groups")),
        "verified": summary.get("verified") if isinstance(summary.get("verified"), bool) else None,
    }


# ---- the task-instance view -------------------------------------------------------------------


class ImportOwners:
    """Which connection reaches an import, found once and remembered (import ids are unique)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._found: OrderedDict[tuple[str, str | None], Target] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, import_id: str, index_name: str | None) -> Target | None:
        with self._lock:
            return self._found.get((import_id, index_name))

    def put(self, import_id: str, index_name: str | None, target: Target) -> None:
        with self._lock:
            self._found[(import_id, index_name)] = target
            while len(self._found) > self.max_entries:
                self._found.popitem(last=False)


def _candidates(info: TaskInstanceInfo, list_connections: Callable[[], list[str]]) -> list[str]:
    if info.trigger_conn_id:
        return [info.trigger_conn_id]
    ids = list_connections()
    if metadata.DEFAULT_CONN_ID in ids:  # the default of every Pinecone task: most likely, so first
        ids.remove(metadata.DEFAULT_CONN_ID)
        ids.insert(0, metadata.DEFAULT_CONN_ID)
    return ids


def live_import(
    info: TaskInstanceInfo,
    import_id: str,
    live: LiveData,
    owners: ImportOwners,
    list_connections: Callable[[], list[str]] = metadata.pinecone_connection_ids,
) -> dict[str, Any]:
    """The import's live state through the connection that reaches it, or why it is not available.

    The connection is the one the deferred task's trigger names; otherwise each configured Pinecone
    connection (at most :data:`metadata.MAX_CONNECTIONS`) is asked once, and the one that knows the
    import is remembered. The task's index name is used with it, as the task's hook would.
    """
    index_name = info.trigger_index_name or info.rendered_index_name
    found = owners.get(import_id, index_name)
    candidates = [found.conn_id] if found else _candidates(info, list_connections)
    errors: list[str] = []
    for conn_id in candidates:
        target = Target(conn_id, index_name)
        secrets: tuple[str, ...] = ()
        try:
            client = live.client(target)
            secrets = client.secrets
            imp = live.describe_import(target, import_id)
        except PineconeNotFoundError:
            continue
        except Exception as exc:  # shown, never raised: the rest of the page still works
            errors.append(f"{conn_id}: {shown_error(exc, secrets)}")
            continue
        owners.put(import_id, index_name, target)
        return redacted({**import_view(imp), "connection": conn_id, "index": client.index}, client.secrets)
    reason = (
        "; ".join(errors)
        if errors
        else f"No Pinecone connection of this Airflow knows import {import_id} "
        f"(asked: {', '.join(candidates) or 'none defined'})."
    )
    return {"id": import_id, "unavailable": reason}


def ti_view(info: TaskInstanceInfo, live: LiveData, owners: ImportOwners) -> dict[str, Any]:
    """The whole JSON of a task instance's tab."""
    kind = task_kind(info)
    ti_terminal = (info.state or "") in TERMINAL_TI_STATES
    view: dict[str, Any] = {
        "kind": kind,
        "task": {**task_link(info.ref), "state": info.state, "operator": _str(info.operator)},
        "poll_seconds": POLL_SECONDS,
    }
    running_import = False
    if kind == "import":
        import_id = import_id_of(info)
        if import_id:
            imp = live_import(info, import_id, live, owners)
            running_import = not imp.get("terminal", ti_terminal)
            view["import"] = imp
        view["console_url"] = _http_url(info.xcoms.get(XCOM_IMPORT_URL))
    elif kind == "preflight":
        report = info.xcoms.get(XCOM_PREFLIGHT_REPORT) or info.xcoms.get(metadata.RETURN_VALUE)
        view["preflight"] = preflight_view(report)
    elif kind == "upsert":
        view["upsert"] = upsert_view(info.xcoms.get(metadata.RETURN_VALUE))
    view["refresh"] = kind != "none" and (not ti_terminal or running_import)
    return view


# ---- the imports page -------------------------------------------------------------------------


def _listing(live: LiveData, conn_id: str) -> tuple[str, str, list[ImportModel] | None, str | None, tuple[str, ...]]:
    secrets: tuple[str, ...] = ()
    index = ""
    try:
        client = live.client(Target(conn_id))
        secrets, index = client.secrets, client.index
        return conn_id, index, live.list_imports(Target(conn_id)), None, secrets
    except Exception as exc:  # one broken connection must not hide the others
        return conn_id, index, None, shown_error(exc, secrets), secrets


def imports_view(
    visibility: Visibility,
    live: LiveData,
    *,
    conn_id: str | None = None,
    index: str | None = None,
    page: int = 1,
    page_size: int = 25,
    connection_ids: list[str] | None = None,
) -> dict[str, Any]:
    """The imports page: imports of every Pinecone connection the user may see, newest first.

    An import started by a task is shown to users who may read that task's DAG; one that no task
    of this Airflow started (from the console, or a task whose XCom is gone) only to users who may
    read the connection it was found through.

    :raises KeyError: ``conn_id`` is not one of the configured Pinecone connections.
    """
    known = connection_ids if connection_ids is not None else metadata.pinecone_connection_ids()
    if conn_id and conn_id not in known:
        raise KeyError(conn_id)
    asked = [conn_id] if conn_id else known
    with ThreadPoolExecutor(max_workers=LIST_CONCURRENCY) as pool:
        listings = list(pool.map(lambda c: _listing(live, c), asked))
    now = datetime.now(UTC)
    rows: list[tuple[datetime, dict[str, Any]]] = []
    errors = []
    seen: set[tuple[str, str]] = set()
    for conn, index_name, imports, error, secrets in listings:
        if error is not None:
            if visibility.connection(conn):
                errors.append({"connection": conn, "error": error})
            continue
        for imp in imports or []:
            if (index_name, imp.id) in seen:  # two connections to one index
                continue
            seen.add((index_name, imp.id))
            row = redacted({**import_view(imp, now=now), "connection": conn, "index": index_name}, secrets)
            rows.append((imp.created_at or datetime.min.replace(tzinfo=UTC), row))
    tasks = metadata.tasks_of_imports(row["id"] for _, row in rows)
    visible = []
    for _created, row in sorted(rows, key=lambda r: r[0], reverse=True):
        ref = tasks.get(row["id"])
        if ref is not None:
            if not visibility.dag(ref.dag_id):
                continue
            row["task"] = task_link(ref)
        elif visibility.connection(row["connection"]):
            row["task"] = None
        else:
            continue
        visible.append(row)
    indexes = sorted({row["index"] for row in visible})
    connections = sorted({c for c in known if visibility.connection(c)} | {row["connection"] for row in visible})
    if index:
        visible = [row for row in visible if row["index"] == index]
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    pages = max(1, math.ceil(len(visible) / page_size))
    page = max(1, min(page, pages))
    shown = visible[(page - 1) * page_size : page * page_size]
    status_counts = Counter(row["status"] for row in visible)
    return {
        "imports": shown,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "total": len(visible),
        "running": sum(1 for row in visible if not row["terminal"]),
        "statuses": dict(status_counts),
        "connections": connections,
        "indexes": indexes,
        "errors": errors,
        "poll_seconds": POLL_SECONDS + 2,
    }
