"""Which import a try uses (reattach.py), and which errors end a task at once (task_failures.py),
against the emulator over real HTTP. The same promises on a real deployment: tests/deployment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_pinecone.client import PineconeAuthenticationError, PineconeNotFoundError
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.reattach import ImportRecord, find_import_to_reattach
from tests.integration.conftest import API_KEY, load_dag

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("airflow_db")]

URI = "s3://bucket/imports/reattach"


def _run(dag_id: str, uri: str):
    run = load_dag(dag_id).test(run_conf={"uri": uri})
    return run, {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}


def _xcom(run, task_id: str, key: str):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.query(XComModel).filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id=task_id, key=key).one()
        return row.value


# ---- the re-attach rule, branch by branch --------------------------------------------------------


def test_a_stored_running_or_completed_import_is_reattached(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=60.0)
    hook = PineconeHook()
    running = hook.start_import(URI)
    found, why = find_import_to_reattach(hook, URI, ImportRecord(running, URI), None)
    assert found.id == running and "task state store" in why
    pinecone_conn.set_import_behaviour(duration=0.01, indexing_delay=0.0)
    done = hook.start_import("s3://bucket/imports/other")
    _wait_until_completed(hook, done)
    # Stored, so re-attached even though nothing in the listing would match (no run time given).
    found, _ = find_import_to_reattach(
        hook, "s3://bucket/imports/other/", ImportRecord(done, "s3://bucket/imports/other"), None
    )
    assert found.id == done


def test_a_stored_failed_or_cancelled_import_is_not_reattached(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=60.0)
    hook = PineconeHook()
    cancelled = hook.start_import(URI)
    hook.cancel_import(cancelled)
    assert find_import_to_reattach(hook, URI, ImportRecord(cancelled, URI), datetime.now(UTC)) == (None, "")


def test_a_stored_import_pinecone_no_longer_knows_falls_back_to_the_listing(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=60.0)
    hook = PineconeHook()
    running = hook.start_import(URI)
    found, why = find_import_to_reattach(hook, URI, ImportRecord("999999", URI), None)
    assert found.id == running and "unfinished" in why


def test_a_record_of_another_uri_is_ignored(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=60.0)
    hook = PineconeHook()
    other = hook.start_import("s3://bucket/imports/elsewhere")
    assert find_import_to_reattach(hook, URI, ImportRecord(other, "s3://bucket/imports/elsewhere"), None) == (None, "")


def test_a_completed_import_counts_only_if_created_during_this_dag_run(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=0.01, indexing_delay=0.0)
    hook = PineconeHook()
    done = hook.start_import(URI)
    created = _wait_until_completed(hook, done).created_at
    # A clear of this run (created before the import): re-attach.
    found, why = find_import_to_reattach(hook, URI, None, created - timedelta(seconds=5))
    assert found.id == done and "Completed during this DAG run" in why
    # A new DAG run (created after it): a new import.
    assert find_import_to_reattach(hook, URI, None, created + timedelta(seconds=5)) == (None, "")


def _wait_until_completed(hook, import_id):
    from tests.waiting import wait_until

    return wait_until(lambda: (imp := hook.describe_import(import_id)).status == "Completed" and imp, timeout=10)


# ---- the operator: start once, recheck after an ambiguous answer ----------------------------------


def test_a_lost_start_answer_is_found_and_used_instead_of_a_second_import(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=60.0)
    # The import is created, but the client sees a 500: it may or may not exist.
    pinecone_conn.inject_faults(r"^/bulk/imports$", status=500, count=1, method="POST", after_processing=True)
    run, states = _run("pinecone_start_only", "s3://bucket/imports/lost-answer")
    assert states == {"start_import": ("success", 1)}
    (imp,) = pinecone_conn.list_imports("test-index")
    assert _xcom(run, "start_import", "import_id") == imp["id"]


def test_a_transient_failure_is_retried_and_the_retry_reattaches(pinecone_conn, monkeypatch):
    conn = json.loads(__import__("os").environ["AIRFLOW_CONN_PINECONE_DEFAULT"])
    conn["extra"]["max_attempts"] = 1  # the client gives up at once, so Airflow retries the task
    monkeypatch.setenv("AIRFLOW_CONN_PINECONE_DEFAULT", json.dumps(conn))
    pinecone_conn.set_import_behaviour(duration=1.0, indexing_delay=0.1)
    pinecone_conn.inject_faults(r"^/bulk/imports/\d+$", status=503, count=1, method="GET")
    _, states = _run("pinecone_retried", "s3://bucket/imports/retried")
    assert states == {"start_import": ("success", 2)}
    imports = pinecone_conn.list_imports("test-index")
    assert len(imports) == 1 and imports[0]["status"] == "Completed"


# ---- mistakes fail at once; the import is left alone ----------------------------------------------


def test_a_404_fails_the_task_on_its_first_try_and_leaves_the_import_running(pinecone_conn, capfd):
    pinecone_conn.set_import_behaviour(duration=60.0)
    pinecone_conn.inject_faults(r"^/bulk/imports/\d+$", status=404, count=1, method="GET")
    _, states = _run("pinecone_retried_twice", "s3://bucket/imports/not-found")
    assert states == {"start_import": ("failed", 1)}
    (imp,) = pinecone_conn.list_imports("test-index")
    assert imp["status"] != "Cancelled"
    assert "HTTP 404" in capfd.readouterr().out


@pytest.mark.parametrize("uri", ["ftp://bucket/imports", "s3://bucket/imp\norts"])
def test_a_bad_uri_fails_on_the_first_try_naming_the_problem(pinecone_conn, capfd, uri):
    _, states = _run("pinecone_retried_twice", uri)
    assert states == {"start_import": ("failed", 1)}
    assert pinecone_conn.list_imports("test-index") == []
    out = capfd.readouterr().out
    assert "not an import URI" in out or "control character" in out


def test_a_timeout_fails_once_cancels_and_says_what_to_do(pinecone_conn, capfd):
    pinecone_conn.set_import_behaviour(duration=60.0)
    _, states = _run("pinecone_timeout_with_retries", "s3://bucket/imports/slow")
    assert states == {"start_import": ("failed", 1)}
    (imp,) = pinecone_conn.list_imports("test-index")
    assert imp["status"] == "Cancelled"
    out = capfd.readouterr().out
    assert "so it was cancelled" in out and "records stayed in the index" in out
    assert "delete those namespaces before importing the same files again" in out


def test_preflight_index_check_fails_fast_on_a_rejected_key_and_stays_catchable(monkeypatch):
    from airflow_provider_pinecone.operators.preflight import ValidateImportSourceOperator
    from airflow_provider_pinecone.testing.emulator import PineconeEmulator

    with PineconeEmulator(api_key=API_KEY) as emulator:
        emulator.create_index("preflight-auth", dimension=8)
        monkeypatch.setenv(
            "AIRFLOW_CONN_PINECONE_WRONG",
            json.dumps(
                {
                    "conn_type": "pinecone_bulk",
                    "password": "wrong-key-0123",
                    "extra": {"control_plane_url": emulator.control_plane_url, "index_name": "preflight-auth"},
                }
            ),
        )
        operator = ValidateImportSourceOperator(
            task_id="v", uri="s3://bucket/imports", pinecone_conn_id="pinecone_wrong"
        )
        with pytest.raises(PineconeAuthenticationError) as caught:
            operator.execute({})
    assert isinstance(caught.value, AirflowFailException) and "wrong-key-0123" not in str(caught.value)


def test_an_unknown_import_fails_the_sensor_at_once(pinecone_conn):
    from airflow_provider_pinecone.sensors.imports import ImportSensor

    sensor = ImportSensor(task_id="s", import_id="424242", poke_interval=0.1, timeout=5)
    with pytest.raises(PineconeNotFoundError) as caught:
        sensor.poke({})
    assert isinstance(caught.value, AirflowFailException)


# ---- who may cancel -------------------------------------------------------------------------------


def test_execution_timeout_keeps_the_import_for_the_retry_and_cancels_it_on_the_last_try(pinecone_conn, capfd):
    pinecone_conn.set_import_behaviour(duration=60.0)
    _, states = _run("pinecone_execution_timeout", "s3://bucket/imports/execution-timeout")
    assert states == {"start_import": ("failed", 2)}
    (imp,) = pinecone_conn.list_imports("test-index")  # the retry re-attached
    assert imp["status"] == "Cancelled"
    out = capfd.readouterr().out
    assert "keeps running and the next try re-attaches" in out
    assert "because execution_timeout ended the task's last try" in out


def test_a_kill_after_the_task_stopped_waiting_never_cancels(pinecone_conn, monkeypatch):
    from airflow_provider_pinecone.operators.imports import StartImportOperator
    from tests.api_server_double import ApiServerSays, task_instance

    pinecone_conn.set_import_behaviour(duration=60.0)
    ApiServerSays("success").install(monkeypatch)  # the task's own end state, not a user's decision
    operator = StartImportOperator(task_id="start_import", uri="s3://bucket/imports/returned")
    ti = task_instance()
    ti.xcom_push = lambda key, value: None
    operator.execute({"ti": ti, "dag_run": None})  # returns at once: wait_for_completion=False
    operator.on_kill()  # e.g. SIGTERM after a slow success callback
    (imp,) = pinecone_conn.list_imports("test-index")
    assert imp["status"] != "Cancelled"


def test_an_unanswered_state_question_keeps_the_import(monkeypatch):
    import threading

    from airflow.sdk.execution_time import task_runner

    from airflow_provider_pinecone.user_decision import stopped_by_user
    from tests.api_server_double import task_instance

    never = threading.Event()

    class StuckChannel:  # the task was interrupted mid-request: nobody answers
        def send(self, msg):
            never.wait(10)

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", StuckChannel(), raising=False)
    import time

    started = time.monotonic()
    assert stopped_by_user(task_instance(), timeout=0.3) is False
    assert time.monotonic() - started < 2
    never.set()


def test_a_task_failure_pickles_back_to_the_same_classes():
    import pickle

    from airflow_provider_pinecone.task_failures import as_task_failure

    failure = as_task_failure(PineconeNotFoundError(404, "NOT_FOUND", "no such import", "describe_import"))
    copy = pickle.loads(pickle.dumps(failure))
    assert type(copy) is type(failure) and str(copy) == str(failure) and copy.status_code == 404
