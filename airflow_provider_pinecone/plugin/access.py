"""Who may see what, asked of the API server's auth manager at request time.

The plugin's app is mounted inside the API server, so ``request.app.state.auth_manager`` (what
Airflow's ``AuthManagerDep`` reads) is not there; and plugins are mounted before the auth manager
is initialised. :func:`auth_manager` therefore asks ``airflow.api_fastapi.app`` on every request.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException


def auth_manager() -> Any:
    """The API server's auth manager."""
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager()


def can_read_task_instances(user: Any, dag_id: str) -> bool:
    """Whether ``user`` may read the task instances (and so their XComs) of DAG ``dag_id``."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return bool(
        auth_manager().is_authorized_dag(
            method="GET", access_entity=DagAccessEntity.TASK_INSTANCE, details=DagDetails(id=dag_id), user=user
        )
    )


def require_task_instances(user: Any, dag_id: str) -> None:
    """403 unless ``user`` may read the task instances of ``dag_id``."""
    if not can_read_task_instances(user, dag_id):
        raise HTTPException(status_code=403, detail="Forbidden")


class Visibility:
    """One request's answers about DAGs and connections, each asked of the auth manager at most once."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._dags: dict[str, bool] = {}
        self._connections: dict[str, bool] = {}

    def dag(self, dag_id: str) -> bool:
        """May the user read the task instances of ``dag_id``?"""
        if dag_id not in self._dags:
            self._dags[dag_id] = can_read_task_instances(self.user, dag_id)
        return self._dags[dag_id]

    def connection(self, conn_id: str) -> bool:
        """May the user read connection ``conn_id``?"""
        if conn_id not in self._connections:
            from airflow.api_fastapi.auth.managers.models.resource_details import ConnectionDetails

            self._connections[conn_id] = bool(
                auth_manager().is_authorized_connection(
                    method="GET", details=ConnectionDetails(conn_id=conn_id), user=self.user
                )
            )
        return self._connections[conn_id]
