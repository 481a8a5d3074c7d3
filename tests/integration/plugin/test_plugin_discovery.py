"""Airflow finds the plugin (through the entry point, with default lazy provider discovery) and its views."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_plugins_manager_lists_the_plugin_with_both_views():
    from airflow.plugins_manager import get_plugin_info

    (info,) = [p for p in get_plugin_info() if p["name"] == "pinecone"]
    views = {v["name"]: v for v in info["external_views"]}
    assert views["Pinecone"]["destination"] == "task_instance" and views["Pinecone"]["url_route"] == "pinecone"
    assert views["Pinecone"]["href"] == "/pinecone/ti/{DAG_ID}/{RUN_ID}/{TASK_ID}/{MAP_INDEX}"
    assert views["Pinecone imports"]["destination"] == "nav" and views["Pinecone imports"]["category"] == "browse"
    assert [a["url_prefix"] for a in info["fastapi_apps"]] == ["/pinecone"]


def test_the_api_server_mounts_it(api):
    assert api.get("/pinecone/imports", user=None).headers["content-type"].startswith("text/html")
