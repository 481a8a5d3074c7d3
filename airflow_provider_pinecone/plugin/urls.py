"""Paths of the plugin's pages and of the Airflow UI pages that show them; imports nothing heavy.

Used by the plugin class (its views' hrefs), by the extra link (built by the API server for every
task page) and by the app (links from an import back to its task).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

#: Where the API server mounts the plugin's FastAPI app.
URL_PREFIX = "/pinecone"
#: The task-instance tab's route in the UI: ``.../tasks/<task>/plugin/<TAB_ROUTE>``.
TAB_ROUTE = "pinecone"
#: The navigation page's route in the UI: ``/plugin/<NAV_ROUTE>``.
NAV_ROUTE = "pinecone-imports"


def base_path() -> str:
    """The path part of ``[api] base_url`` (``""`` when Airflow is served at the root).

    The UI prefixes neither plugin hrefs nor extra links with it, so we do.
    """
    from airflow.configuration import conf

    base_url = conf.get("api", "base_url", fallback="") or ""
    return urlsplit(base_url).path.rstrip("/")


def _segment(value: object) -> str:
    return quote(str(value), safe="")


def task_tab_path(dag_id: str, run_id: str, task_id: str, map_index: int | None = -1, *, base: str = "") -> str:
    """The Airflow UI page of a task instance's Pinecone tab (``/mapped/<i>`` for a mapped task)."""
    path = f"{base}/dags/{_segment(dag_id)}/runs/{_segment(run_id)}/tasks/{_segment(task_id)}"
    if map_index is not None and int(map_index) >= 0:
        path += f"/mapped/{int(map_index)}"
    return f"{path}/plugin/{TAB_ROUTE}"
