"""What the plugin reads from Airflow's metadata database: task instances, their XComs and rendered
fields, the Pinecone connections, and which task started which import.

Every query is bounded; nothing here talks to Pinecone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from airflow_provider_pinecone.provider_info import CONNECTION_TYPE, OFFICIAL_CONNECTION_TYPE
from airflow_provider_pinecone.xcom_keys import XCOM_IMPORT_ID, XCOM_IMPORT_URL, XCOM_PREFLIGHT_REPORT

#: At most this many Pinecone connections are shown (and asked for their imports) by the imports page.
MAX_CONNECTIONS = 20
#: The most recent ``import_id`` XComs searched for the task that started an import.
MAX_IMPORT_TASKS = 5000
RETURN_VALUE = "return_value"
TI_XCOM_KEYS = (XCOM_IMPORT_ID, XCOM_IMPORT_URL, XCOM_PREFLIGHT_REPORT, RETURN_VALUE)
#: The connection every Pinecone task uses unless told otherwise (also found outside the database,
#: e.g. in an ``AIRFLOW_CONN_PINECONE_DEFAULT`` environment variable).
DEFAULT_CONN_ID = "pinecone_default"


@dataclass(frozen=True)
class TaskRef:
    """One task instance's identity."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1


@dataclass(frozen=True)
class TaskInstanceInfo:
    """What the tab needs of a task instance."""

    ref: TaskRef
    state: str | None
    operator: str | None
    xcoms: dict[str, Any]
    rendered_index_name: str | None
    rendered_import_id: str | None
    trigger_conn_id: str | None
    trigger_index_name: str | None


def _session() -> Any:
    from airflow.utils.session import create_session

    return create_session()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def import_id_text(value: Any) -> str | None:
    """An import id as read back from XCom. Pinecone's ids are digits ("1"), and Airflow's XCom reading
    JSON-decodes a stored string once more, so the id "1" comes back as the number 1."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return _text(str(value))


def task_instance(ref: TaskRef) -> TaskInstanceInfo | None:
    """The task instance ``ref`` with its Pinecone XComs, or ``None`` when there is none."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    where = (
        (TaskInstance.dag_id == ref.dag_id)
        & (TaskInstance.run_id == ref.run_id)
        & (TaskInstance.task_id == ref.task_id)
        & (TaskInstance.map_index == ref.map_index)
    )
    with _session() as session:
        row = session.execute(
            select(TaskInstance.state, TaskInstance.operator, TaskInstance.trigger_id).where(where)
        ).first()
        if row is None:
            return None
        state, operator, trigger_id = row
        xcoms: dict[str, Any] = {}
        for xcom in session.scalars(
            select(XComModel).where(
                (XComModel.dag_id == ref.dag_id)
                & (XComModel.run_id == ref.run_id)
                & (XComModel.task_id == ref.task_id)
                & (XComModel.map_index == ref.map_index)
                & XComModel.key.in_(TI_XCOM_KEYS)
            )
        ):
            xcoms[xcom.key] = XComModel.deserialize_value(xcom)
        rendered = session.scalar(
            select(RenderedTaskInstanceFields.rendered_fields).where(
                (RenderedTaskInstanceFields.dag_id == ref.dag_id)
                & (RenderedTaskInstanceFields.run_id == ref.run_id)
                & (RenderedTaskInstanceFields.task_id == ref.task_id)
                & (RenderedTaskInstanceFields.map_index == ref.map_index)
            )
        )
        trigger_conn_id = trigger_index_name = None
        if trigger_id is not None:
            # A deferred import task's trigger names its connection, which nothing else in the
            # database records (pinecone_conn_id is not a templated field).
            trigger = session.get(Trigger, trigger_id)
            if trigger is not None and trigger.classpath.endswith(".ImportTrigger"):
                kwargs = trigger.kwargs
                trigger_conn_id = _text(kwargs.get("pinecone_conn_id"))
                trigger_index_name = _text(kwargs.get("index_name"))
    return TaskInstanceInfo(
        ref=ref,
        state=str(state.value if hasattr(state, "value") else state) if state is not None else None,
        operator=operator,
        xcoms=xcoms,
        rendered_index_name=_text(rendered.get("index_name")) if isinstance(rendered, dict) else None,
        rendered_import_id=import_id_text(rendered.get("import_id")) if isinstance(rendered, dict) else None,
        trigger_conn_id=trigger_conn_id,
        trigger_index_name=trigger_index_name,
    )


def pinecone_connection_ids(limit: int = MAX_CONNECTIONS) -> list[str]:
    """Ids of the ``pinecone_bulk`` and ``pinecone`` connections in the database, sorted, at most ``limit``.

    ``pinecone_default`` is added when it is defined elsewhere (environment, secrets backend).
    """
    from airflow.models.connection import Connection
    from sqlalchemy import select

    with _session() as session:
        ids = list(
            session.scalars(
                select(Connection.conn_id)
                .where(Connection.conn_type.in_((CONNECTION_TYPE, OFFICIAL_CONNECTION_TYPE)))
                .order_by(Connection.conn_id)
                .limit(limit)
            )
        )
    if DEFAULT_CONN_ID not in ids and len(ids) < limit and is_pinecone_connection(DEFAULT_CONN_ID):
        ids.insert(0, DEFAULT_CONN_ID)
    return ids


def is_pinecone_connection(conn_id: str) -> bool:
    """Whether ``conn_id`` is defined (anywhere Airflow looks) with one of the Pinecone types."""
    try:
        conn = get_connection(conn_id)
    except Exception:  # not defined, or a secrets backend that failed: not one we may use
        return False
    return conn.conn_type in (CONNECTION_TYPE, OFFICIAL_CONNECTION_TYPE)


def get_connection(conn_id: str) -> Any:
    """The connection ``conn_id`` from the secrets backends, environment and database."""
    from airflow.models.connection import Connection

    return Connection.get_connection_from_secrets(conn_id)


def tasks_of_imports(import_ids: Iterable[str]) -> dict[str, TaskRef]:
    """The task that pushed each of ``import_ids`` as its ``import_id`` XCom first (the one that started it).

    Searches the newest :data:`MAX_IMPORT_TASKS` such XComs.
    """
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    wanted = set(import_ids)
    found: dict[str, TaskRef] = {}
    if not wanted:
        return found
    with _session() as session:
        rows = session.scalars(
            select(XComModel)
            .where(XComModel.key == XCOM_IMPORT_ID)
            .order_by(XComModel.timestamp.desc())
            .limit(MAX_IMPORT_TASKS)
        ).all()
        # Oldest first, so that a task that only watched an import later does not replace its starter.
        for row in reversed(rows):
            value = import_id_text(XComModel.deserialize_value(row))
            if value is not None and value in wanted and value not in found:
                found[value] = TaskRef(row.dag_id, row.run_id, row.task_id, row.map_index)
    return found
