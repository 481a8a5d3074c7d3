"""PineconeHook against the emulator, the connection form, and bad inputs a user can make."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from airflow_provider_pinecone.client import ImportStatus, PineconeConfigurationError, PineconeValidationError
from airflow_provider_pinecone.failures import ImportDidNotComplete
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.operators.imports import CancelImportOperator, StartImportOperator
from airflow_provider_pinecone.sensors.imports import ImportSensor
from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from tests.api_server_double import ApiServerSays
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


class RecordingTI:
    """Just enough of a task instance for calling execute() directly: it records XCom pushes."""

    dag_id, run_id, task_id, map_index = "d", "r", "start", -1

    def __init__(self):
        self.pushed: dict[str, object] = {}

    def xcom_push(self, key, value):
        self.pushed[key] = value


def _context():
    return {"ti": RecordingTI(), "dag_run": None}


def _set_conn(monkeypatch, conn_id="pinecone_default", **conn):
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "pinecone_bulk", **conn}))


@pytest.mark.parametrize("api_version", ["2025-10", "2026-07"])
def test_hook_speaks_both_api_versions(pinecone_emulator, pinecone_index, monkeypatch, api_version):
    _set_conn(
        monkeypatch,
        password="k",
        extra={
            "control_plane_url": pinecone_emulator.control_plane_url,
            "index_name": pinecone_index,
            "api_version": api_version,
        },
    )
    pinecone_emulator.set_import_behaviour(duration=60.0)
    hook = PineconeHook()
    index = hook.describe_index()
    assert (index.name, index.dimension, index.metric, index.cloud, index.vector_type) == (
        pinecone_index,
        8,
        "cosine",
        "aws",
        "dense",
    )
    assert index.host == pinecone_emulator.index_host(pinecone_index) and index.ready
    ids = [hook.start_import(f"s3://bucket/dir-{n}") for n in range(5)]
    assert [imp.id for imp in hook.list_imports(limit=2)] == ids  # three pages
    hook.cancel_import(ids[0])
    assert hook.describe_import(ids[0]).status is ImportStatus.CANCELLED
    assert [imp.id for imp in hook.imports_of("s3://bucket/dir-3/")] == [ids[3]]
    assert hook.describe_index_stats().total_vector_count == 0


def test_uri_form_connection_and_host_override(pinecone_emulator, pinecone_index, monkeypatch):
    host = pinecone_emulator.index_host(pinecone_index)
    monkeypatch.setenv("AIRFLOW_CONN_PINECONE_URI", f"pinecone-bulk://:secret-key@{host}")
    hook = PineconeHook("pinecone_uri")
    assert hook.start_import("gs://bucket/dir")
    assert hook.connection_config.index_host == host


def test_test_connection_explains_each_outcome(pinecone_emulator, pinecone_index, monkeypatch):
    base = {"control_plane_url": pinecone_emulator.control_plane_url}
    _set_conn(monkeypatch, password="k", extra={**base, "index_name": pinecone_index})
    ok, message = PineconeHook().test_connection()
    assert ok and f"'{pinecone_index}' is ready" in message

    _set_conn(monkeypatch, password="k", extra={**base, "index_name": "no-such-index"})
    ok, message = PineconeHook().test_connection()
    assert not ok and "There is no index 'no-such-index'" in message

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    _set_conn(monkeypatch, password="k", extra={"control_plane_url": f"http://127.0.0.1:{closed_port}"})
    ok, message = PineconeHook().test_connection()
    assert not ok and "Could not reach Pinecone" in message and str(closed_port) in message


def test_test_connection_reports_a_rejected_key_without_showing_it(monkeypatch):
    with PineconeEmulator(api_key="the-right-key") as emulator:
        _set_conn(monkeypatch, password="a-wrong-key", extra={"control_plane_url": emulator.control_plane_url})
        ok, message = PineconeHook().test_connection()
    assert not ok and "rejected the API key" in message and "a-wrong-key" not in message


@pytest.mark.parametrize(
    ("state", "cancelled"),
    [("failed", True), ("success", True), ("restarting", False), (None, False), ("running", False)],
)
def test_on_kill_cancels_the_running_import_only_when_a_user_stopped_the_task(
    pinecone_emulator, pinecone_index, monkeypatch, state, cancelled
):
    _set_conn(
        monkeypatch,
        password="k",
        extra={"control_plane_url": pinecone_emulator.control_plane_url, "index_name": pinecone_index},
    )
    pinecone_emulator.set_import_behaviour(duration=60.0)
    ApiServerSays(state).install(monkeypatch)
    operator = StartImportOperator(
        task_id="start", uri="s3://bucket/killed", wait_for_completion=True, deferrable=False, poll_interval=0.05
    )
    outcome: dict[str, BaseException] = {}

    def run():
        try:
            operator.execute(_context())
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    # on_kill acts only once the task waits on its import (not while it is still starting it).
    wait_until(lambda: operator._waiting, timeout=10, interval=0.01, what="the operator to wait on its import")
    operator.on_kill()
    (imp,) = pinecone_emulator.list_imports(pinecone_index)
    assert (imp["status"] == "Cancelled") is cancelled
    if not cancelled:
        PineconeHook().cancel_import(operator.import_id)  # let the waiting thread end
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert isinstance(outcome.get("error"), ImportDidNotComplete) and "cancelled" in str(outcome["error"])


def test_cancel_operator_cancels_and_tolerates_finished_imports(pinecone_emulator, pinecone_index, monkeypatch, capfd):
    _set_conn(
        monkeypatch,
        password="k",
        extra={"control_plane_url": pinecone_emulator.control_plane_url, "index_name": pinecone_index},
    )
    pinecone_emulator.set_import_behaviour(duration=60.0)
    import_id = PineconeHook().start_import("s3://bucket/to-cancel")
    first = CancelImportOperator(task_id="cancel", import_id=import_id).execute(_context())
    assert first["status"] == "Cancelled"
    second = CancelImportOperator(task_id="cancel", import_id=import_id).execute(_context())
    assert second["status"] == "Cancelled" and "nothing to cancel" in capfd.readouterr().out


@pytest.mark.parametrize(
    ("conn", "make_task", "error", "needle"),
    [
        (
            "good",
            lambda: StartImportOperator(task_id="t", uri="ftp://bucket/dir"),
            PineconeValidationError,
            "s3://BUCKET/IMPORT_DIR",
        ),
        (
            "good",
            lambda: StartImportOperator(task_id="t", uri="s3://bucket/dir", error_mode="skip"),
            PineconeValidationError,
            "'continue'",
        ),
        ("good", lambda: ImportSensor(task_id="t", import_id=""), PineconeValidationError, "1 to 1000"),
        ("good", lambda: CancelImportOperator(task_id="t", import_id=""), PineconeValidationError, "1 to 1000"),
        (
            "missing",
            lambda: StartImportOperator(task_id="t", uri="s3://bucket/dir"),
            Exception,
            "AIRFLOW_CONN_PINECONE_DEFAULT",
        ),
        (
            "no_key",
            lambda: StartImportOperator(task_id="t", uri="s3://bucket/dir"),
            PineconeConfigurationError,
            "has no API key",
        ),
        (
            "insecure",
            lambda: StartImportOperator(task_id="t", uri="s3://bucket/dir"),
            PineconeConfigurationError,
            "plain http://",
        ),
        (
            "bad_version",
            lambda: StartImportOperator(task_id="t", uri="s3://bucket/dir"),
            PineconeConfigurationError,
            "2025-10, 2026-07",
        ),
    ],
)
def test_bad_inputs_fail_with_a_message_that_names_the_problem(
    pinecone_emulator, pinecone_index, monkeypatch, conn, make_task, error, needle
):
    extra = {"control_plane_url": pinecone_emulator.control_plane_url, "index_name": pinecone_index}
    monkeypatch.delenv("AIRFLOW_CONN_PINECONE_DEFAULT", raising=False)
    if conn == "good":
        _set_conn(monkeypatch, password="k", extra=extra)
    elif conn == "no_key":
        _set_conn(monkeypatch, extra=extra)
    elif conn == "insecure":
        _set_conn(monkeypatch, password="k", host="http://pinecone.internal.example.com", extra=extra)
    elif conn == "bad_version":
        _set_conn(monkeypatch, password="k", extra={**extra, "api_version": "2023-01"})
    with pytest.raises(error) as info:
        make_task().execute(_context())
    assert needle in str(info.value)
    assert pinecone_emulator.list_imports(pinecone_index) == []  # nothing was started


def test_connection_form_is_declared_for_the_ui():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-pinecone" in manager.providers
    assert manager.hooks["pinecone_bulk"].hook_class_name == "airflow_provider_pinecone.hooks.pinecone.PineconeHook"
    behaviour = manager.field_behaviours["pinecone_bulk"]
    assert "login" in behaviour["hidden_fields"] and behaviour["relabeling"]["password"] == "API key"
    assert "extra__pinecone_bulk__index_name" in manager.connection_form_widgets
    assert "airflow_provider_pinecone.links.PineconeImportLink" in manager.extra_links_class_names
