"""The operators' and the sensor's decisions, against an in-memory hook (tests/fake_hook.py).

Which import a try uses, what it stores, when it defers and with what, how each trigger event ends
the task, which errors are retried, and when a kill cancels the import. No server, no network, no
sleeps beyond a millisecond poll interval: the fake's imports move one status per describe call.
The same decisions are checked end to end against the emulator in tests/integration.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
    TaskDeferred,
)

from airflow_provider_pinecone.client import ImportStatus, PineconeAuthenticationError, PineconeServerError
from airflow_provider_pinecone.failures import ImportDidNotComplete, ImportTimedOut, ImportWatchError
from airflow_provider_pinecone.operators.imports import (
    ON_KILL_CANCEL_SECONDS,
    CancelImportOperator,
    StartImportOperator,
)
from airflow_provider_pinecone.reattach import STATE_KEY
from airflow_provider_pinecone.sensors.imports import ImportSensor
from airflow_provider_pinecone.xcom_keys import XCOM_IMPORT_ID, XCOM_IMPORT_URL
from tests.api_server_double import ApiServerSays
from tests.fake_hook import CONSOLE_URL, INDEX_HOST, RUNNING, FakeHook, server_error

URI = "s3://bucket/imports/run"
COMPLETED, FAILED, CANCELLED, IN_PROGRESS = (
    ImportStatus.COMPLETED,
    ImportStatus.FAILED,
    ImportStatus.CANCELLED,
    ImportStatus.IN_PROGRESS,
)
NOW = datetime.now(UTC)
FOREVER = [IN_PROGRESS] * 10_000  # an import that never ends while the test looks


class StateStore:
    """Airflow 3.3's task_state_store, as a dict."""

    def __init__(self, **values: Any) -> None:
        self.values = dict(values)

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value


class RecordingTI(SimpleNamespace):
    """A task instance: its identity (for on_kill's question), its try, and the XComs pushed."""

    def __init__(self, try_number: int = 1, max_tries: int = 0) -> None:
        super().__init__(dag_id="d", run_id="r", task_id="start_import", map_index=-1)
        self.try_number, self.max_tries = try_number, max_tries
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def dag_run(*, start_date: datetime = NOW, run_after: datetime | None = None, clear_number: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        start_date=start_date, run_after=run_after or start_date, logical_date=None, clear_number=clear_number
    )


def context(store: StateStore | None = None, run: SimpleNamespace | None = None, ti: Any = None) -> dict[str, Any]:
    """A task's context: a recording ti, a task_state_store (Airflow 3.3+) and the DAG run."""
    return {"ti": ti or RecordingTI(), "task_state_store": store if store is not None else StateStore(), "dag_run": run}


def stored(import_id: str, namespaces_before: list[str] | None = None, uri: str = URI) -> StateStore:
    return StateStore(**{STATE_KEY: {"import_id": import_id, "uri": uri, "namespaces_before": namespaces_before}})


def start(hook: FakeHook, **kwargs: Any) -> StartImportOperator:
    operator = StartImportOperator(task_id="start_import", uri=URI, **{"poll_interval": 0.001, **kwargs})
    operator.__dict__["hook"] = hook  # `hook` is a cached_property: this is the hook the task uses
    return operator


def sensor(hook: FakeHook, import_id: str, **kwargs: Any) -> ImportSensor:
    task = ImportSensor(task_id="wait", import_id=import_id, **{"poke_interval": 0.001, **kwargs})
    task.__dict__["hook"] = hook
    return task


# ---- StartImportOperator: which import a try uses -------------------------------------------------


@pytest.mark.parametrize(("status", "script"), [(IN_PROGRESS, [COMPLETED]), (COMPLETED, [])])
def test_a_stored_running_or_completed_import_is_reattached_to(status, script):
    hook = FakeHook()
    # Created before this run started: only the stored id can lead back to it.
    mine = hook.add(URI, status, created_at=NOW - timedelta(hours=1), script=script)
    result = start(hook, wait_for_completion=True).execute(context(stored(mine), dag_run()))
    assert result["id"] == mine and result["status"] == "Completed"
    assert hook.called("start_import") == [] and hook.called("imports_of") == []


@pytest.mark.parametrize("status", [FAILED, CANCELLED])
def test_a_stored_failed_or_cancelled_import_is_not_reattached_to(status):
    hook = FakeHook()
    old = hook.add(URI, status)
    new = start(hook).execute(context(stored(old), dag_run()))
    assert new != old and len(hook.called("start_import")) == 1


def test_a_stored_import_of_another_uri_is_not_reattached_to():
    hook = FakeHook()
    other = hook.add("s3://bucket/imports/other", IN_PROGRESS)
    new = start(hook).execute(context(stored(other, uri="s3://bucket/imports/other"), dag_run()))
    assert new != other and len(hook.called("start_import")) == 1


def test_the_listing_leads_back_to_an_unfinished_import_of_the_same_uri():
    hook = FakeHook()
    hook.add("s3://bucket/imports/other", IN_PROGRESS)
    hook.add(URI, COMPLETED, created_at=NOW - timedelta(days=1))
    running = hook.add(URI + "/", IN_PROGRESS, created_at=NOW - timedelta(days=2))
    assert start(hook).execute(context(StateStore(), dag_run())) == running
    assert hook.called("start_import") == []


def test_the_listing_leads_back_to_an_import_that_completed_during_this_run():
    hook = FakeHook()
    hook.add(URI, COMPLETED, created_at=NOW - timedelta(minutes=5))  # an earlier run's
    hook.add("s3://bucket/imports/other", COMPLETED, created_at=NOW + timedelta(minutes=1))
    ours = hook.add(URI, COMPLETED, created_at=NOW + timedelta(minutes=2))
    assert start(hook).execute(context(StateStore(), dag_run(start_date=NOW))) == ours
    assert hook.called("start_import") == []


def test_an_import_that_completed_before_this_run_started_is_not_reused():
    hook = FakeHook()
    earlier = hook.add(URI, COMPLETED, created_at=NOW - timedelta(seconds=1))
    new = start(hook).execute(context(StateStore(), dag_run(start_date=NOW)))
    assert new != earlier and len(hook.called("start_import")) == 1


def test_after_a_clear_the_listing_counts_from_run_after():
    # The clear reset start_date to now; the import the first try started predates that, not run_after.
    hook = FakeHook()
    hook.add(URI, COMPLETED, created_at=NOW - timedelta(hours=2))  # before the run: another run's
    ours = hook.add(URI, COMPLETED, created_at=NOW - timedelta(minutes=30))
    run = dag_run(start_date=NOW, run_after=NOW - timedelta(hours=1), clear_number=1)
    assert start(hook).execute(context(StateStore(), run)) == ours
    assert hook.called("start_import") == []


def test_force_new_import_starts_one_whatever_exists():
    hook = FakeHook()
    running = hook.add(URI, IN_PROGRESS)
    new = start(hook, force_new_import=True).execute(context(stored(running), dag_run()))
    assert new != running and len(hook.called("start_import")) == 1
    assert hook.called("imports_of") == []


# ---- StartImportOperator: starting ----------------------------------------------------------------


def test_the_started_import_is_stored_at_once_with_the_namespaces_before_it():
    hook = FakeHook(namespaces={"old": 5}, creates={"new": 10})
    hook.fail["console_import_url"] = server_error(operation="describe_project")  # the try dies after starting
    store = StateStore()
    with pytest.raises(PineconeServerError):
        start(hook).execute(context(store, dag_run()))
    (import_id,) = hook.imports
    assert store.values[STATE_KEY] == {"import_id": import_id, "uri": URI, "namespaces_before": ["old"]}
    # The retry finds it there and starts nothing.
    del hook.fail["console_import_url"]
    assert start(hook).execute(context(store, dag_run())) == import_id
    assert len(hook.called("start_import")) == 1


def test_an_ambiguous_5xx_on_start_uses_the_import_it_created():
    hook = FakeHook()
    hook.fail_after_starting = server_error()  # the request reached Pinecone, the answer did not come back
    store = StateStore()
    import_id = start(hook).execute(context(store, dag_run()))
    assert list(hook.imports) == [import_id] and len(hook.called("start_import")) == 1
    assert store.values[STATE_KEY]["import_id"] == import_id


def test_without_waiting_the_id_is_returned_and_both_xcoms_pushed():
    hook = FakeHook()
    ti = RecordingTI()
    import_id = start(hook).execute(context(StateStore(), dag_run(), ti))
    assert ti.pushed == {XCOM_IMPORT_ID: import_id, XCOM_IMPORT_URL: CONSOLE_URL}
    assert hook.called("describe_import") == []  # no waiting
    assert hook.status(import_id) in RUNNING


def test_waiting_polls_until_completed():
    hook = FakeHook()
    result = start(hook, wait_for_completion=True).execute(context(StateStore(), dag_run()))
    assert result["status"] == "Completed" and len(hook.called("describe_import")) == 3


@pytest.mark.parametrize(("end", "needle"), [(FAILED, "failed"), (CANCELLED, "was cancelled")])
def test_waiting_fails_without_retries_when_the_import_does_not_complete(end, needle):
    hook = FakeHook(script=[IN_PROGRESS, end])
    with pytest.raises(ImportDidNotComplete, match=needle):
        start(hook, wait_for_completion=True).execute(context(StateStore(), dag_run()))


def test_a_timeout_cancels_and_names_the_records_and_created_namespaces():
    hook = FakeHook(namespaces={"old": 5}, creates={"ns-a": 1_200}, script=FOREVER)
    with pytest.raises(ImportTimedOut) as caught:
        start(hook, wait_for_completion=True, timeout=0.005).execute(context(StateStore(), dag_run()))
    (import_id,) = hook.imports
    assert hook.called("cancel_import") == [import_id] and hook.status(import_id) == CANCELLED
    message = str(caught.value)
    assert "600 records stayed" in message and "'ns-a' (1,200 records)" in message and "'old'" not in message
    assert isinstance(caught.value, AirflowFailException)


def test_deferring_hands_the_trigger_the_host_interval_deadline_and_the_right_to_cancel():
    hook = FakeHook(namespaces={"old": 5})
    operator = start(hook, wait_for_completion=True, deferrable=True, timeout=600, poll_interval=7)
    with pytest.raises(TaskDeferred) as caught:
        operator.execute(context(StateStore(), dag_run()))
    deferred = caught.value
    (import_id,) = hook.imports
    classpath, kwargs = deferred.trigger.serialize()
    assert classpath.endswith("ImportTrigger")
    assert kwargs["import_id"] == import_id and kwargs["index_host"] == INDEX_HOST
    assert kwargs["poll_interval"] == 7 and kwargs["cancel_on_kill"] is True
    assert time.time() + 590 < kwargs["deadline"] <= time.time() + 600
    assert deferred.method_name == "execute_complete" and deferred.kwargs == {"namespaces_before": ["old"]}


def test_an_import_already_ended_is_not_deferred_for():
    hook = FakeHook(script=[COMPLETED])
    result = start(hook, wait_for_completion=True, deferrable=True).execute(context(StateStore(), dag_run()))
    assert result["status"] == "Completed"


# ---- StartImportOperator: resuming from the trigger -----------------------------------------------


def _event(status: str, imported: dict[str, Any] | None, message: str = "") -> dict[str, Any]:
    return {"status": status, "import_id": "1", "import": imported, "message": message}


def _import(status: str, **extra: Any) -> dict[str, Any]:
    return {"id": "1", "uri": URI, "status": status, "records_imported": 7, **extra}


def test_execute_complete_returns_a_completed_import():
    result = start(FakeHook()).execute_complete(context(), _event("success", _import("Completed")))
    assert result["id"] == "1" and result["status"] == "Completed"


@pytest.mark.parametrize(
    ("event", "error", "needle"),
    [
        (_event("failed", _import("Failed", error="bad parquet")), ImportDidNotComplete, "failed: bad parquet"),
        (_event("cancelled", _import("Cancelled")), ImportDidNotComplete, "was cancelled"),
        (_event("error", None, "401 Invalid API Key"), ImportWatchError, "401 Invalid API Key"),
    ],
)
def test_execute_complete_fails_without_retries_for_other_endings(event, error, needle):
    hook = FakeHook()
    with pytest.raises(error, match=needle) as caught:
        start(hook).execute_complete(context(), event)
    assert isinstance(caught.value, AirflowFailException)
    assert hook.calls == []  # nothing cancelled: the import already ended, or the trigger could not see it


def test_execute_complete_on_timeout_cancels_and_names_what_stayed():
    hook = FakeHook(namespaces={"old": 5, "ns-a": 40})
    import_id = hook.add(URI, IN_PROGRESS, records=40, import_id="1")
    event = _event("timeout", _import("InProgress"), "deadline")
    with pytest.raises(ImportTimedOut) as caught:
        start(hook, timeout=60).execute_complete(context(), event, namespaces_before=["old"])
    assert hook.called("cancel_import") == [import_id] and hook.status(import_id) == CANCELLED
    assert "'ns-a' (40 records)" in str(caught.value) and "'old'" not in str(caught.value)


# ---- StartImportOperator: which errors are retried ------------------------------------------------


def test_a_rejected_key_fails_without_retries_and_keeps_its_pinecone_class():
    hook = FakeHook()
    hook.fail["imports_of"] = PineconeAuthenticationError(401, None, "Invalid API Key", "list_imports")
    with pytest.raises(PineconeAuthenticationError) as caught:
        start(hook).execute(context(StateStore(), dag_run()))
    assert isinstance(caught.value, AirflowFailException)
    assert hook.called("start_import") == []


def test_a_503_on_start_that_created_nothing_stays_retryable():
    hook = FakeHook()
    hook.fail["start_import"] = server_error(503)
    with pytest.raises(PineconeServerError) as caught:
        start(hook).execute(context(StateStore(), dag_run()))
    assert not isinstance(caught.value, AirflowFailException)
    assert hook.imports == {}


# ---- StartImportOperator.on_kill -----------------------------------------------------------------


def test_a_kill_after_the_task_stopped_waiting_cancels_nothing(monkeypatch):
    ApiServerSays("failed").install(monkeypatch)
    hook = FakeHook()
    operator = start(hook)  # wait_for_completion=False: returns at once
    operator.execute(context(StateStore(), dag_run()))
    operator.on_kill()
    assert hook.called("cancel_import_within") == [] and hook.called("cancel_import") == []


@pytest.mark.parametrize(
    ("state", "cancelled"), [("failed", True), ("success", True), ("restarting", False), (None, False)]
)
def test_a_kill_while_waiting_cancels_only_when_a_user_stopped_the_task(monkeypatch, state, cancelled):
    server = ApiServerSays(state).install(monkeypatch)
    hook = FakeHook()
    operator = start(hook, wait_for_completion=True)
    hook.on_describe = lambda count: operator.on_kill() if count == 1 else None  # SIGTERM mid-wait
    if cancelled:
        with pytest.raises(ImportDidNotComplete, match="was cancelled"):
            operator.execute(context(StateStore(), dag_run()))
    else:
        assert operator.execute(context(StateStore(), dag_run()))["status"] == "Completed"
    (import_id,) = hook.imports
    assert hook.called("cancel_import_within") == ([(import_id, ON_KILL_CANCEL_SECONDS)] if cancelled else [])
    assert len(server.asked) == 1


def test_a_user_stop_between_the_start_and_the_first_poll_cancels(monkeypatch):
    """The SIGTERM may land while the import id is being pushed, before the first status poll."""
    ApiServerSays("failed").install(monkeypatch)
    hook = FakeHook()
    operator = start(hook, wait_for_completion=True)
    ti = RecordingTI()
    ti.xcom_push = lambda key, value: operator.on_kill() if key == XCOM_IMPORT_ID else None
    with pytest.raises(ImportDidNotComplete, match="was cancelled"):
        operator.execute(context(StateStore(), dag_run(), ti=ti))
    assert [call[0] for call in hook.called("cancel_import_within")] == list(hook.imports)


def test_a_kill_after_the_wait_logs_that_the_import_keeps_running(monkeypatch, capfd):
    ApiServerSays("failed").install(monkeypatch)
    operator = start(FakeHook())
    operator.execute(context(StateStore(), dag_run()))
    operator.on_kill()
    assert f"{operator.import_id} keeps running: this task was no longer waiting" in capfd.readouterr().out


@pytest.mark.parametrize(("try_number", "max_tries", "cancelled"), [(2, 1, True), (1, 1, False)])
def test_execution_timeout_cancels_on_the_last_try_only(monkeypatch, try_number, max_tries, cancelled):
    ApiServerSays(None).install(monkeypatch)  # nobody stopped the task: only the timeout decides

    def alarm(count: int) -> None:
        if count == 2:
            raise AirflowTaskTimeout("Timeout, PID: 1")

    hook = FakeHook(script=FOREVER)
    hook.on_describe = alarm
    operator = start(hook, wait_for_completion=True)
    try:
        operator.execute(context(StateStore(), dag_run(), RecordingTI(try_number, max_tries)))
    except AirflowTaskTimeout:
        operator.on_kill()  # as the task runner calls it: inside the except
    else:
        pytest.fail("the timeout did not reach the task runner")
    (import_id,) = hook.imports
    assert (hook.status(import_id) == CANCELLED) is cancelled
    assert len(hook.called("cancel_import_within")) == int(cancelled)


# ---- ImportSensor ---------------------------------------------------------------------------------


def test_poke_is_false_while_running_and_the_import_once_completed():
    hook = FakeHook()
    import_id = hook.add(URI, IN_PROGRESS, script=[IN_PROGRESS, COMPLETED])
    task = sensor(hook, import_id)
    assert task.poke({}) is False
    done = task.poke({})
    assert done and done.xcom_value["id"] == import_id and done.xcom_value["status"] == "Completed"


@pytest.mark.parametrize("end", [FAILED, CANCELLED])
def test_poke_fails_without_retries_when_the_import_ends_otherwise(end):
    hook = FakeHook()
    import_id = hook.add(URI, IN_PROGRESS, script=[end])
    with pytest.raises(ImportDidNotComplete):
        sensor(hook, import_id).poke({})


@pytest.mark.parametrize(("soft_fail", "error"), [(True, AirflowSkipException), (False, ImportDidNotComplete)])
def test_the_deferrable_sensors_first_check_honours_soft_fail(soft_fail, error):
    hook = FakeHook()
    import_id = hook.add(URI, FAILED)
    with pytest.raises(error):
        sensor(hook, import_id, deferrable=True, soft_fail=soft_fail).execute(context())


def test_the_deferrable_sensor_returns_an_import_that_already_completed():
    hook = FakeHook()
    import_id = hook.add(URI, COMPLETED)
    ti = RecordingTI()
    assert sensor(hook, import_id, deferrable=True).execute(context(ti=ti))["status"] == "Completed"
    assert ti.pushed == {XCOM_IMPORT_URL: CONSOLE_URL}


def test_the_sensor_defers_without_the_right_to_cancel():
    hook = FakeHook()
    import_id = hook.add(URI, IN_PROGRESS, script=FOREVER)
    task = sensor(hook, import_id, deferrable=True, timeout=120, poke_interval=5)
    with pytest.raises(TaskDeferred) as caught:
        task.execute(context())
    _, kwargs = caught.value.trigger.serialize()
    assert kwargs["import_id"] == import_id and kwargs["index_host"] == INDEX_HOST
    assert kwargs["poll_interval"] == 5 and kwargs["cancel_on_kill"] is False
    assert time.time() + 110 < kwargs["deadline"] <= time.time() + 120


@pytest.mark.parametrize(("soft_fail", "error"), [(False, AirflowSensorTimeout), (True, AirflowSkipException)])
def test_a_timeout_event_fails_the_sensor_or_skips_it_with_soft_fail(soft_fail, error):
    hook = FakeHook()
    task = sensor(hook, "1", timeout=60, soft_fail=soft_fail)
    with pytest.raises(error, match="timeout of 60 s"):
        task.execute_complete(context(), _event("timeout", None, "deadline"))
    assert hook.calls == []  # the sensor only watches: it never cancels


# ---- CancelImportOperator -------------------------------------------------------------------------


def _cancel(hook: FakeHook, import_id: str) -> CancelImportOperator:
    operator = CancelImportOperator(task_id="cancel", import_id=import_id)
    operator.__dict__["hook"] = hook
    return operator


def test_a_finished_import_is_not_cancelled():
    hook = FakeHook()
    import_id = hook.add(URI, COMPLETED)
    assert _cancel(hook, import_id).execute(context())["status"] == "Completed"
    assert hook.called("cancel_import") == []


def test_a_running_import_is_cancelled():
    hook = FakeHook()
    import_id = hook.add(URI, IN_PROGRESS)
    ti = RecordingTI()
    assert _cancel(hook, import_id).execute(context(ti=ti))["status"] == "Cancelled"
    assert hook.called("cancel_import") == [import_id] and ti.pushed == {XCOM_IMPORT_URL: CONSOLE_URL}
