"""The Airflow-facing pieces, checked under whichever Airflow runs the suite (3.1 floor and 3.3)."""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest

from airflow_provider_pinecone.events import ImportEvent, result_from_event
from airflow_provider_pinecone.failures import ImportDidNotComplete, ImportWaitFailed, ImportWatchError
from airflow_provider_pinecone.triggers.imports import ImportTrigger
from tests.api_server_double import ApiServerSays, task_instance


def test_provider_info_matches_the_installed_airflows_schema():
    import airflow
    import jsonschema

    from airflow_provider_pinecone import get_provider_info

    schema_path = os.path.join(os.path.dirname(airflow.__file__), "provider_info.schema.json")
    with open(schema_path) as handle:
        jsonschema.validate(get_provider_info(), json.load(handle))


def test_trigger_serializes_to_plain_json_and_round_trips():
    trigger = ImportTrigger(
        import_id="7",
        pinecone_conn_id="pc",
        index_host="127.0.0.1:1",
        poll_interval=5,
        deadline=1_900_000_000.5,
        cancel_on_kill=True,
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_pinecone.triggers.imports.ImportTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert ImportTrigger(**kwargs).serialize() == (classpath, kwargs)


def _run_to_first_event(trigger):
    async def first():
        async for event in trigger.run():
            return event.payload

    return asyncio.run(asyncio.wait_for(first(), timeout=30))


@pytest.fixture
def emulator_conn(pinecone_emulator, pinecone_index, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_PINECONE_DEFAULT",
        json.dumps(
            {
                "conn_type": "pinecone_bulk",
                "password": "k",
                "extra": {"control_plane_url": pinecone_emulator.control_plane_url, "index_name": pinecone_index},
            }
        ),
    )
    return pinecone_emulator


def _start(emulator, uri="s3://bucket/dir"):
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook

    # The client, not the hook: the hook also reports lineage, whose first use in a process loads
    # every provider's asset handlers (seconds), and these tests time the import from its start.
    return PineconeHook().client.start_import(uri)


def test_trigger_fires_success_with_the_import(emulator_conn):
    emulator_conn.set_import_behaviour(duration=0.3, indexing_delay=0.1, records=42)
    payload = _run_to_first_event(ImportTrigger(import_id=_start(emulator_conn), poll_interval=0.05))
    assert payload["status"] == "success" and payload["import"]["records_imported"] == 42
    assert result_from_event(payload)["status"] == "Completed"


def test_trigger_survives_transient_errors(emulator_conn):
    emulator_conn.set_import_behaviour(duration=0.2, indexing_delay=0.0)
    import_id = _start(emulator_conn)
    emulator_conn.inject_faults(r"^/bulk/imports/\d+$", status=503, count=3, method="GET")
    payload = _run_to_first_event(ImportTrigger(import_id=import_id, poll_interval=0.05))
    assert payload["status"] == "success"


def test_trigger_times_out_at_its_absolute_deadline(emulator_conn):
    emulator_conn.set_import_behaviour(duration=60.0)
    started = time.time()
    payload = _run_to_first_event(
        ImportTrigger(import_id=_start(emulator_conn), poll_interval=0.05, deadline=started + 0.3)
    )
    assert payload["status"] == "timeout" and time.time() - started < 5
    with pytest.raises(ImportWaitFailed, match="did not finish before the deadline"):
        result_from_event(payload)


def test_trigger_reports_an_unknown_import_as_an_error_event(emulator_conn):
    payload = _run_to_first_event(ImportTrigger(import_id="999999", poll_interval=0.05))
    assert payload["status"] == "error" and "describe_import" in payload["message"]


@pytest.mark.parametrize(
    ("state", "cancelled"),
    [
        ("failed", True),
        ("success", True),
        ("restarting", False),
        (None, False),
        ("running", False),
        ("up_for_retry", False),
    ],
)
def test_trigger_on_kill_cancels_only_when_a_user_stopped_the_task(emulator_conn, monkeypatch, state, cancelled):
    emulator_conn.set_import_behaviour(duration=60.0)
    watched, owned = _start(emulator_conn, "s3://b/watched"), _start(emulator_conn, "s3://b/owned")
    server = ApiServerSays(state).install(monkeypatch)
    for trigger in (ImportTrigger(import_id=watched), ImportTrigger(import_id=owned, cancel_on_kill=True)):
        trigger.task_instance = task_instance()
        asyncio.run(trigger.on_kill())
    status = {imp["id"]: imp["status"] for imp in emulator_conn.list_imports("test-index")}
    assert status[watched] != "Cancelled"
    assert (status[owned] == "Cancelled") is cancelled
    (asked,) = server.asked  # the sensor's trigger (no cancel_on_kill) asks nothing
    assert (asked.dag_id, asked.run_ids, asked.task_ids, asked.map_index) == ("d", ["r"], ["start_import"], -1)


def test_trigger_on_kill_keeps_the_import_when_the_state_cannot_be_read(emulator_conn):
    emulator_conn.set_import_behaviour(duration=60.0)
    owned = _start(emulator_conn, "s3://b/owned")
    trigger = ImportTrigger(import_id=owned, cancel_on_kill=True)
    trigger.task_instance = task_instance()  # but no API server to ask
    asyncio.run(trigger.on_kill())
    assert {imp["id"]: imp["status"] for imp in emulator_conn.list_imports("test-index")}[owned] != "Cancelled"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e12, "30", -1, 0, True])
def test_trigger_refuses_a_poll_interval_it_cannot_honour(value):
    # A TypeError too: the triggerer catches that one when it builds a trigger, and fails its task.
    with pytest.raises(TypeError, match="poll_interval") as caught:
        ImportTrigger(import_id="1", poll_interval=value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "soon"])
def test_trigger_refuses_a_deadline_it_cannot_honour(value):
    with pytest.raises(ValueError, match="deadline"):
        ImportTrigger(import_id="1", deadline=value)


@pytest.mark.parametrize(
    ("event", "error", "needle"),
    [
        (None, ImportWaitFailed, "Unexpected event"),
        ({"status": "weird"}, ImportWaitFailed, "Unexpected event"),
        ({"status": "success"}, ImportWaitFailed, "without the import"),
        (
            {
                "status": "failed",
                "import": {"id": "1", "uri": "s3://b/d", "status": "Failed", "error": "User error: x"},
            },
            ImportDidNotComplete,
            "User error: x",
        ),
        (
            {"status": "cancelled", "import": {"id": "1", "uri": "s3://b/d", "status": "Cancelled"}},
            ImportDidNotComplete,
            "was cancelled",
        ),
        (
            {"status": "error", "import_id": "1", "message": "Pinecone describe_import failed with HTTP 401"},
            ImportWatchError,
            "HTTP 401",
        ),
    ],
)
def test_events_are_validated(event, error, needle):
    with pytest.raises(error, match=needle):
        result_from_event(event)


# The payload every earlier version's ImportTrigger sent, verbatim: an event stored before an upgrade.
_OLD_SUCCESS_PAYLOAD = {
    "status": "success",
    "import_id": "12",
    "import": {
        "id": "12",
        "uri": "s3://b/d",
        "status": "Completed",
        "percent_complete": 100.0,
        "records_imported": 3000,
        "created_at": "2026-11-01T10:00:00Z",
    },
    "message": "Completed, 100.0%, 3,000 records imported",
}


def test_an_event_stored_by_an_earlier_version_still_parses():
    event = ImportEvent.from_payload(_OLD_SUCCESS_PAYLOAD)
    assert (event.status, event.import_id, event.imported["records_imported"]) == ("success", "12", 3000)
    assert event.result()["id"] == "12"
    assert ImportEvent.from_payload({"status": "timeout", "import_id": "12"}).message == ""


def test_the_event_payload_is_plain_json_with_the_same_keys_and_round_trips():
    from airflow_provider_pinecone.client import ImportModel

    imp = ImportModel.from_api(_OLD_SUCCESS_PAYLOAD["import"])
    for event in (ImportEvent.ended(imp), ImportEvent.timed_out("12", None), ImportEvent.error("12", "HTTP 401", imp)):
        payload = event.to_payload()
        assert set(payload) == {"status", "import_id", "import", "message"}
        assert json.loads(json.dumps(payload)) == payload
        assert ImportEvent.from_payload(payload) == event
    assert ImportEvent.ended(imp).to_payload() == {**_OLD_SUCCESS_PAYLOAD, "import": imp.to_dict()}


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "success",
        {**_OLD_SUCCESS_PAYLOAD, "extra": 1},
        {**_OLD_SUCCESS_PAYLOAD, "status": "Completed"},
        {**_OLD_SUCCESS_PAYLOAD, "import_id": 12},
        {**_OLD_SUCCESS_PAYLOAD, "import": "12"},
        {**_OLD_SUCCESS_PAYLOAD, "message": ["x"]},
        {"status": "failed", "import_id": "12", "import": {"uri": "s3://b/d"}},
    ],
)
def test_a_malformed_event_fails_loudly(payload):
    with pytest.raises(ImportWaitFailed):
        ImportEvent.from_payload(payload)


def test_an_ended_event_cannot_be_built_without_its_import():
    with pytest.raises(ImportWaitFailed, match="without the import"):
        ImportEvent("cancelled", "12", None, "")


def test_the_trigger_polls_inside_one_hook_session(emulator_conn, monkeypatch):
    """The trigger holds the loop's pool through the hook for its whole wait, not per request."""
    from airflow_provider_pinecone.client.pool import open_shared_clients
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook

    emulator_conn.set_import_behaviour(duration=0.3, indexing_delay=0.0)
    import_id = _start(emulator_conn)
    sessions, polls = [], []
    session, describe = PineconeHook.session, PineconeHook.adescribe_import

    def counting_session(hook):
        sessions.append(hook)
        return session(hook)

    async def recording_describe(hook, import_id):
        polls.append((hook in sessions, open_shared_clients()))
        return await describe(hook, import_id)

    monkeypatch.setattr(PineconeHook, "session", counting_session)
    monkeypatch.setattr(PineconeHook, "adescribe_import", recording_describe)
    assert _run_to_first_event(ImportTrigger(import_id=import_id, poll_interval=0.05))["status"] == "success"
    assert len(sessions) == 1 and len(polls) >= 2
    assert all(polls_in_session and open_clients == 1 for polls_in_session, open_clients in polls)
    assert open_shared_clients() == 0


def _imported_modules(relative_path):
    import ast
    from pathlib import Path

    import airflow_provider_pinecone

    tree = ast.parse((Path(airflow_provider_pinecone.__file__).parent / relative_path).read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return tree, modules


@pytest.mark.parametrize(
    "path",
    [
        "operators/imports.py",
        "operators/namespaces.py",
        "operators/upsert.py",
        "upsert/run.py",
        "sensors/imports.py",
        "tasks.py",
        "triggers/imports.py",
    ],
)
def test_tasks_and_the_trigger_go_through_the_hook(path):
    import ast

    tree, modules = _imported_modules(path)
    reach_through = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "client"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "hook"
    ]
    assert not reach_through, f"{path} uses hook.client on line(s) {reach_through}: add a hook method instead"
    assert not {"airflow_provider_pinecone.client.pool", "airflow_provider_pinecone.client.retry"} & modules
    assert not any(module.split(".")[-1].startswith("_") and "operators" in module for module in modules), (
        f"{path} imports a private module of operators/"
    )


def test_hook_config_from_a_connection_masks_the_key(monkeypatch):
    import uuid

    from airflow.sdk import Connection

    from airflow_provider_pinecone.hooks.pinecone import PineconeHook

    try:
        from airflow.sdk.execution_time.secrets_masker import redact
    except ImportError:  # moved in later releases
        from airflow.sdk._shared.secrets_masker import redact
    # Airflow's own connection lookup masks the password on the way in, which hid a hook that did
    # not. So the connection comes straight from the hook's get_connection, unmasked, with a key no
    # other test registered: only the hook's own registration with the masker can hide it below.
    key = f"pcsk_mask_me_{uuid.uuid4().hex}"
    connection = Connection(
        conn_id="pc_test",
        conn_type="pinecone_bulk",
        password=key,
        host="idx-1.svc.pinecone.io",
        extra=json.dumps(
            {
                "api_version": "2026-07",
                "organization_id": "org1",
                "project_id": "p2",
                "max_attempts": "3",
                "timeout": "12",
            }
        ),
    )
    monkeypatch.setattr(PineconeHook, "get_connection", classmethod(lambda cls, conn_id: connection))
    assert key in str(redact(f"the key is {key}"))  # nothing masks it yet
    hook = PineconeHook("pc_test")
    config = hook.connection_config
    assert (config.index_host, config.api_version, config.retry.max_attempts, config.timeout) == (
        "idx-1.svc.pinecone.io",
        "2026-07",
        3,
        12.0,
    )
    assert hook.console_import_url() == "https://app.pinecone.io/organizations/org1/projects/p2/import"
    assert key not in str(redact(f"the key is {key}"))


@pytest.mark.parametrize(("name", "value"), [("timeout", "soon"), ("max_attempts", "0"), ("max_retry_seconds", -1)])
def test_malformed_numeric_extras_are_named(monkeypatch, name, value):
    from airflow_provider_pinecone.client import PineconeConfigurationError
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook

    monkeypatch.setenv(
        "AIRFLOW_CONN_PC_BAD",
        json.dumps(
            {"conn_type": "pinecone_bulk", "password": "k", "host": "idx.svc.pinecone.io", "extra": {name: value}}
        ),
    )
    with pytest.raises(PineconeConfigurationError, match=f"extra '{name}' is"):
        _ = PineconeHook("pc_bad").connection_config
