"""Our connection type beside the official provider's: both forms and hooks, and our operators on either.

apache-airflow-providers-pinecone (installed in the dev venv) registers ``pinecone``, whose Host is
the control plane; this provider registers ``pinecone_bulk``, whose Host is the index host. Our hook
reads both; the official hook keeps its own type.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.operators.imports import CancelImportOperator, StartImportOperator

pytestmark = pytest.mark.integration

OURS = "airflow_provider_pinecone.hooks.pinecone.PineconeHook"
OFFICIAL = "airflow.providers.pinecone.hooks.pinecone.PineconeHook"
KEY = "pcsk_side_by_side_SECRET_5"


class RecordingTI:
    def __init__(self):
        self.pushed: dict[str, object] = {}

    def xcom_push(self, key, value):
        self.pushed[key] = value


def _context():
    return {"ti": RecordingTI(), "dag_run": None}


def _set(monkeypatch, conn_id, **conn):
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn_id


def test_both_connection_types_are_registered_each_with_its_own_hook():
    pytest.importorskip("airflow.providers.pinecone")
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert {"airflow-provider-pinecone", "apache-airflow-providers-pinecone"} <= set(manager.providers)
    try:  # where tasks look hooks up; Airflow 3.3 deprecates ProvidersManager.hooks
        from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

        hooks = ProvidersManagerTaskRuntime().hooks
    except ImportError:
        hooks = manager.hooks
    assert hooks["pinecone_bulk"].hook_class_name == OURS
    assert hooks["pinecone_bulk"].hook_name == "Pinecone (bulk import)"
    assert hooks["pinecone"].hook_class_name == OFFICIAL
    # Both forms: their own field behaviour and their own extra fields.
    behaviours = manager.field_behaviours
    assert behaviours["pinecone_bulk"]["relabeling"]["host"] == "Index host"
    assert "port" not in behaviours["pinecone_bulk"]["hidden_fields"]
    assert behaviours["pinecone"]["relabeling"]["host"] == "Pinecone Host"
    widgets = manager.connection_form_widgets
    assert "extra__pinecone_bulk__index_name" in widgets and "extra__pinecone__region" in widgets
    assert "extra__pinecone__index_name" not in widgets


def test_each_connection_type_gets_its_own_hook(monkeypatch, pinecone_emulator, pinecone_index):
    pytest.importorskip("airflow.providers.pinecone")
    from airflow.models.connection import Connection
    from airflow.providers.pinecone.hooks.pinecone import PineconeHook as OfficialHook

    official = Connection(
        conn_id="pc_official", conn_type="pinecone", password=KEY, host=pinecone_emulator.control_plane_url
    )
    monkeypatch.setenv("AIRFLOW_CONN_PC_OFFICIAL", official.get_uri())
    official_hook = official.get_hook()
    assert type(official_hook) is OfficialHook
    # The official hook, on its own type, still works (through the pinecone SDK, on the emulator).
    assert official_hook.test_connection() == (True, "Connection established")
    assert pinecone_index in official_hook.list_indexes().names()

    ours = Connection(
        conn_id="pc_bulk",
        conn_type="pinecone_bulk",
        password=KEY,
        extra=json.dumps({"control_plane_url": pinecone_emulator.control_plane_url, "index_name": pinecone_index}),
    )
    monkeypatch.setenv("AIRFLOW_CONN_PC_BULK", ours.get_uri())
    our_hook = ours.get_hook()
    assert type(our_hook) is PineconeHook
    ok, message = our_hook.test_connection()
    assert ok and f"'{pinecone_index}' is ready" in message


def _bulk_by_name(monkeypatch, emulator, index):
    return _set(
        monkeypatch,
        "pc_bulk_name",
        conn_type="pinecone_bulk",
        password=KEY,
        extra={"control_plane_url": emulator.control_plane_url, "index_name": index},
    )


def _bulk_by_host(monkeypatch, emulator, index):
    host, port = emulator.index_host(index).rsplit(":", 1)
    # Host and Port as the form saves them; no index name anywhere: the host is the index.
    return _set(monkeypatch, "pc_bulk_host", conn_type="pinecone_bulk", password=KEY, host=host, port=int(port))


def _official_with_index_extra(monkeypatch, emulator, index):
    return _set(
        monkeypatch,
        "pc_official_extra",
        conn_type="pinecone",
        password=KEY,
        host=emulator.control_plane_url,
        login="ignored-environment",
        extra={"region": "us-east-1", "debug_curl": False, "index_name": index},
    )


def _official_with_our_extras(monkeypatch, emulator, index):
    # A JSON connection of the official type carrying this provider's extras (no Host).
    return _set(
        monkeypatch,
        "pc_official_ours",
        conn_type="pinecone",
        password=KEY,
        extra={"control_plane_url": emulator.control_plane_url, "index_name": index, "timeout": 5},
    )


def _official_index_from_task(monkeypatch, emulator, index):
    # The official form only: Password and Pinecone Host (the control plane). The task names the index.
    return _set(monkeypatch, "pc_official", conn_type="pinecone", password=KEY, host=emulator.control_plane_url)


@pytest.mark.parametrize(
    ("make_conn", "task_names_index"),
    [
        (_bulk_by_name, False),
        (_bulk_by_host, False),
        (_official_with_index_extra, False),
        (_official_with_our_extras, False),
        (_official_index_from_task, True),
    ],
)
def test_our_operators_work_with_either_connection_type(
    monkeypatch, pinecone_emulator, pinecone_index, make_conn, task_names_index
):
    conn_id = make_conn(monkeypatch, pinecone_emulator, pinecone_index)
    target = {"pinecone_conn_id": conn_id, "index_name": pinecone_index if task_names_index else None}
    pinecone_emulator.set_import_behaviour(duration=60.0)

    start = StartImportOperator(task_id="start", uri="s3://bucket/side-by-side", **target)
    ok, message = start.hook.test_connection()
    assert ok, message
    import_id = start.execute(_context())
    (listed,) = pinecone_emulator.list_imports(pinecone_index)
    assert listed["id"] == import_id and listed["uri"] == "s3://bucket/side-by-side"

    result = CancelImportOperator(task_id="cancel", import_id=import_id, **target).execute(_context())
    assert result["status"] == "Cancelled"
    assert pinecone_emulator.list_imports(pinecone_index)[0]["status"] == "Cancelled"


def test_an_official_connection_never_takes_its_host_for_the_index(monkeypatch, pinecone_emulator, pinecone_index):
    # The index's own data-plane address in an official-type Host is a control plane to us: looking up
    # the index there fails (the data plane has no /indexes), instead of importing into that host.
    conn_id = _set(
        monkeypatch,
        "pc_official_dp",
        conn_type="pinecone",
        password=KEY,
        host=pinecone_emulator.index_host(pinecone_index),
        extra={"index_name": pinecone_index},
    )
    hook = PineconeHook(conn_id)
    assert hook.connection_config.index_host is None
    assert hook.connection_config.control_plane_url == pinecone_emulator.index_host(pinecone_index)
    ok, _ = hook.test_connection()
    assert not ok
    assert pinecone_emulator.list_imports(pinecone_index) == []
