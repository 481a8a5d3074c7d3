"""The API server's own app, built in this process with the Pinecone plugin mounted, and users to call it as."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import API_KEY, load_dag
from tests.integration.plugin.auth_manager import OUTSIDER

AUTH_MANAGER = "tests.integration.plugin.auth_manager.RestrictedSimpleAuthManager"


class Api:
    """A TestClient of the API server app, and bearer headers for its users."""

    def __init__(self, client) -> None:
        from airflow.api_fastapi.app import get_auth_manager
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

        self.client = client
        manager = get_auth_manager()
        self.tokens = {
            name: manager.generate_jwt(SimpleAuthManagerUser(username=name, role=role))
            for name, role in (("admin", "admin"), (OUTSIDER, "viewer"))
        }
        self.plugin_app = next(r.app for r in client.app.routes if getattr(r, "path", None) == "/pinecone")
        self.live = self.plugin_app.state.live
        self.live.clear()  # the plugin app lives as long as the process: no answers from an earlier test
        self.responses: list = []  # every response, for the secret scan

    def get(self, path: str, user: str | None = "admin", **kwargs):
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        headers.update(kwargs.pop("headers", {}))
        response = self.client.get(path, headers=headers, **kwargs)
        self.responses.append(response)
        return response

    def ti(self, run, task_id: str, user: str | None = "admin", map_index: str = "{MAP_INDEX}"):
        return self.get(f"/pinecone/api/ti/{run.dag_id}/{run.run_id}/{task_id}/{map_index}", user)


def _drop_pinecone_connections() -> None:
    """Other tests of the session leave Pinecone connections in the shared metadata database; the
    imports page lists every one, so these tests start without them."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    with create_session() as session:
        session.query(Connection).filter(Connection.conn_type.in_(("pinecone_bulk", "pinecone"))).delete(
            synchronize_session=False
        )


@pytest.fixture
def api(airflow_db, monkeypatch):
    """The API server app (routes /api/v2, /pinecone, ...) with the restricted auth manager."""
    from airflow.api_fastapi.app import create_app, purge_cached_app
    from fastapi.testclient import TestClient

    _drop_pinecone_connections()

    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", AUTH_MANAGER)
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", f"admin:admin,{OUTSIDER}:viewer")
    purge_cached_app()
    with TestClient(create_app("core")) as client:
        yield Api(client)
    purge_cached_app()


@pytest.fixture
def second_conn(make_pinecone_index, pinecone_emulator):
    """A second Pinecone connection, stored in the metadata database, to another index; returns (id, index)."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    index = make_pinecone_index("second-index")
    conn_id = "pinecone_second"
    extra = json.dumps({"control_plane_url": pinecone_emulator.control_plane_url, "index_name": index})
    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id == conn_id).delete()
        session.add(Connection(conn_id=conn_id, conn_type="pinecone_bulk", password=API_KEY, extra=extra))
    yield conn_id, index
    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id == conn_id).delete()


def run_dag(dag_id: str, uri: str):
    """Run a DAG of tests/dags/pinecone_plugin_dags.py with ``dag.test()``; the DagRun."""
    return load_dag(dag_id, "pinecone_plugin_dags").test(run_conf={"uri": uri})
