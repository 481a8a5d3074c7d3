"""The life of one import, through Airflow's own dag.test(), against the emulator over real HTTP."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import API_KEY, load_dag

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("airflow_db")]


def _run(dag_id: str, uri: str):
    dag = load_dag(dag_id)
    run = dag.test(run_conf={"uri": uri})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    return run, states


def _xcoms(run) -> dict[tuple[str, str], object]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(XComModel).filter_by(dag_id=run.dag_id, run_id=run.run_id).all()
        return {(row.task_id, row.key): row.value for row in rows}


def test_start_without_waiting_returns_the_id_and_pushes_the_link(pinecone_conn):
    run, states = _run("pinecone_start_only", "s3://bucket/imports/start-only")
    assert states == {"start_import": "success"}
    imports = pinecone_conn.list_imports("test-index")
    assert len(imports) == 1 and imports[0]["uri"] == "s3://bucket/imports/start-only"
    xcoms = _xcoms(run)
    assert (xcoms[("start_import", "import_id")]) == imports[0]["id"]
    assert (xcoms[("start_import", "return_value")]) == imports[0]["id"]
    assert (xcoms[("start_import", "pinecone_import_url")]) == (
        "https://app.pinecone.io/organizations/-/projects/-/import"
    )


@pytest.mark.parametrize("dag_id", ["pinecone_wait_in_worker", "pinecone_wait_deferred"])
def test_waiting_returns_the_completed_import(pinecone_conn, dag_id):
    pinecone_conn.set_import_behaviour(duration=0.4, indexing_delay=0.2, records=321)
    run, states = _run(dag_id, f"gs://bucket/imports/{dag_id}")
    assert states == {"start_import": "success"}
    result = _xcoms(run)[("start_import", "return_value")]
    assert result["status"] == "Completed" and result["records_imported"] == 321


@pytest.mark.parametrize("dag_id", ["pinecone_wait_in_worker", "pinecone_wait_deferred"])
def test_a_failed_import_fails_the_task_with_pinecones_message(pinecone_conn, dag_id, capfd):
    message = 'User error: The namespace "ns1" already exists. Imports are only allowed into nonexistent namespaces.'
    pinecone_conn.set_import_behaviour(duration=0.4, fail_message=message, fail_at_percent=10.0)
    _, states = _run(dag_id, "s3://bucket/imports/failing")
    assert states == {"start_import": "failed"}
    assert 'The namespace "ns1" already exists' in capfd.readouterr().out


@pytest.mark.parametrize("dag_id", ["pinecone_timeout_in_worker", "pinecone_timeout_deferred"])
def test_a_timeout_cancels_the_import_and_fails(pinecone_conn, dag_id):
    pinecone_conn.set_import_behaviour(duration=60.0)
    _, states = _run(dag_id, "s3://bucket/imports/slow")
    assert states == {"start_import": "failed"}
    (imp,) = pinecone_conn.list_imports("test-index")
    assert imp["status"] == "Cancelled"


def test_a_rerun_attaches_to_the_running_import_instead_of_starting_another(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=60.0)
    _run("pinecone_start_only", "s3://bucket/imports/rerun")
    _run("pinecone_start_only", "s3://bucket/imports/rerun")
    assert len(pinecone_conn.list_imports("test-index")) == 1


@pytest.mark.parametrize("dag_id", ["pinecone_sensor_poke", "pinecone_sensor_deferred"])
def test_sensor_succeeds_on_completed(pinecone_conn, dag_id, capfd):
    pinecone_conn.set_import_behaviour(duration=0.5, indexing_delay=0.3, records=10)
    run, states = _run(dag_id, "s3://bucket/imports/sensed")
    assert states == {"start_import": "success", "wait_for_import": "success"}
    assert (_xcoms(run)[("wait_for_import", "return_value")])["status"] == "Completed"
    out = capfd.readouterr().out
    assert "records imported" in out and "indexing them" in out


@pytest.mark.parametrize("dag_id", ["pinecone_sensor_poke", "pinecone_sensor_deferred"])
def test_sensor_fails_on_failed_with_the_error_text(pinecone_conn, dag_id, capfd):
    pinecone_conn.set_import_behaviour(duration=0.4, fail_message='User error: Missing required column "id"')
    _, states = _run(dag_id, "s3://bucket/imports/bad-columns")
    assert states["wait_for_import"] == "failed"
    assert "Missing required column" in capfd.readouterr().out


def test_sensor_fails_on_cancelled(pinecone_conn):
    pinecone_conn.set_import_behaviour(duration=60.0)
    from airflow_provider_pinecone.failures import ImportDidNotComplete
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook
    from airflow_provider_pinecone.sensors.imports import ImportSensor

    hook = PineconeHook()
    import_id = hook.start_import("s3://bucket/imports/to-cancel")
    hook.cancel_import(import_id)
    sensor = ImportSensor(task_id="s", import_id=import_id, poke_interval=0.1, timeout=5)
    with pytest.raises(ImportDidNotComplete, match="was cancelled"):
        sensor.poke({})


@pytest.mark.parametrize(
    "duration",
    [
        0.01,  # already Failed at the sensor's first check, in the worker
        3.0,  # fails while the sensor is deferred
    ],
)
def test_sensor_soft_fail_skips(pinecone_conn, duration):
    pinecone_conn.set_import_behaviour(duration=duration, fail_message="User error: boom")
    _, states = _run("pinecone_sensor_soft_fail", f"s3://bucket/imports/soft-{duration}")
    assert states["wait_for_import"] == "skipped"


def test_the_api_key_never_reaches_logs_xcom_or_rendered_fields(pinecone_conn, capfd, caplog):
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    pinecone_conn.set_import_behaviour(duration=0.3, indexing_delay=0.1)
    pinecone_conn.inject_faults(r"^/bulk/imports/\d+$", status=503, count=1, method="GET")  # logs a retry
    run, states = _run("pinecone_sensor_deferred", "s3://bucket/imports/secret-check")
    assert states == {"start_import": "success", "wait_for_import": "success"}
    captured = capfd.readouterr()
    assert "retrying" in captured.out + captured.err + caplog.text  # the logs were captured at all
    assert API_KEY not in captured.out + captured.err + caplog.text
    assert API_KEY not in json.dumps({f"{k}": str(v) for k, v in _xcoms(run).items()})
    with create_session() as session:
        rendered = session.query(RenderedTaskInstanceFields).filter_by(dag_id=run.dag_id, run_id=run.run_id).all()
        assert rendered and API_KEY not in json.dumps([r.rendered_fields for r in rendered], default=str)
