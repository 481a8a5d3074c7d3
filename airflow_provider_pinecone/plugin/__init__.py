"""The Pinecone UI plugin: a "Pinecone" tab on task-instance pages and a "Pinecone imports" page.

This module is imported by every Airflow component that loads plugins (scheduler, workers, DAG
processor, triggerer), so it imports nothing heavy: the FastAPI app (:mod:`.app`) is built only
when the API server reads :attr:`PineconePlugin.fastapi_apps`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_pinecone.plugin.urls import NAV_ROUTE, TAB_ROUTE, URL_PREFIX, base_path


@cache
def _fastapi_apps() -> list[dict[str, Any]]:
    from airflow_provider_pinecone.plugin.app import create_app

    return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Pinecone"}]


class _BuiltOnRead:
    """``fastapi_apps`` as a descriptor: the app is built on first read, on the class or an instance.

    Airflow reads it from the class (provider-info plugins) or from an instance (entry points), and
    only the API server and ``airflow plugins`` read it at all.
    """

    def __get__(self, instance: object, owner: type | None = None) -> list[dict[str, Any]]:
        return _fastapi_apps()


def _external_views() -> list[dict[str, Any]]:
    base = base_path()
    # Placeholders in path segments: Airflow 3.1 does not URL-encode them, and a "+" in a run id
    # would become a space in a query string. An unmapped task's {MAP_INDEX} stays literal.
    return [
        {
            "name": "Pinecone",
            "href": f"{base}{URL_PREFIX}/ti/{{DAG_ID}}/{{RUN_ID}}/{{TASK_ID}}/{{MAP_INDEX}}",
            "destination": "task_instance",
            "url_route": TAB_ROUTE,
        },
        {
            "name": "Pinecone imports",
            "href": f"{base}{URL_PREFIX}/imports",
            "destination": "nav",
            "category": "browse",
            "url_route": NAV_ROUTE,
        },
    ]


class PineconePlugin(AirflowPlugin):
    """Registered by the provider (provider info ``plugins``) and by the ``airflow.plugins`` entry point."""

    name = "pinecone"
    fastapi_apps = _BuiltOnRead()
    external_views = _external_views()
