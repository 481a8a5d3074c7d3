"""Task-level rules with no server: parameter checks, fail-fast errors, the progress log."""

from __future__ import annotations

import logging
from datetime import timedelta

import airflow
import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_pinecone.client import (
    ImportModel,
    PineconeAuthenticationError,
    PineconeConfigurationError,
    PineconeNotFoundError,
    PineconeRateLimitError,
    PineconeServerError,
    PineconeValidationError,
)
from airflow_provider_pinecone.operators.imports import StartImportOperator
from airflow_provider_pinecone.polling import ProgressLog
from airflow_provider_pinecone.sensors.imports import ImportSensor
from airflow_provider_pinecone.task_failures import as_task_failure, mistakes_fail_fast

BAD_SECONDS = [float("nan"), float("inf"), -1, 0, 1e12, "30", True, [30]]


@pytest.mark.parametrize("value", BAD_SECONDS)
def test_start_import_refuses_a_poll_interval_it_cannot_wait(value):
    with pytest.raises(ValueError, match="poll_interval"):
        StartImportOperator(task_id="t", uri="s3://b/d", poll_interval=value)


@pytest.mark.parametrize("value", [*BAD_SECONDS, timedelta(seconds=-5)])
def test_start_import_refuses_a_timeout_it_cannot_honour(value):
    with pytest.raises(ValueError, match="timeout"):
        StartImportOperator(task_id="t", uri="s3://b/d", timeout=value)


def test_start_import_takes_seconds_or_a_timedelta():
    operator = StartImportOperator(task_id="t", uri="s3://b/d", poll_interval=2, timeout=timedelta(minutes=2))
    assert (operator.poll_interval, operator.timeout) == (2.0, 120.0)
    assert StartImportOperator(task_id="u", uri="s3://b/d").timeout is None


@pytest.mark.parametrize("field", ["poke_interval", "timeout"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_sensor_refuses_non_finite_intervals(field, value):
    with pytest.raises(ValueError, match=field):
        ImportSensor(task_id="s", import_id="1", **{field: value})


@pytest.mark.parametrize(
    "error",
    [
        PineconeValidationError("bad uri"),
        PineconeConfigurationError("no key"),
        PineconeAuthenticationError(401, None, "Invalid API Key", "describe_import"),
        PineconeAuthenticationError(403, "FORBIDDEN", "no", "describe_import"),
        PineconeNotFoundError(404, "NOT_FOUND", "no such import", "describe_import"),
    ],
)
def test_mistakes_fail_without_retries_and_keep_their_pinecone_class(error):
    with pytest.raises(type(error)) as caught, mistakes_fail_fast():
        raise error
    assert isinstance(caught.value, AirflowFailException)
    assert str(caught.value) == str(error) and caught.value.__dict__ == error.__dict__
    assert type(as_task_failure(error)) is type(caught.value)  # one class per Pinecone class


@pytest.mark.parametrize(
    "error",
    [
        PineconeServerError(503, None, "unavailable", "describe_import"),
        PineconeRateLimitError(429, None, "slow down", "describe_import"),
        RuntimeError("something else"),
    ],
)
def test_transient_errors_stay_retryable(error):
    with pytest.raises(type(error)) as caught, mistakes_fail_fast():
        raise error
    assert not isinstance(caught.value, AirflowFailException)


def test_a_spent_retry_budget_says_what_to_do():
    error = PineconeServerError(503, None, "unavailable", "describe_import")
    error.retry_budget_spent = True
    with pytest.raises(PineconeServerError, match="raise 'max_attempts' or 'max_retry_seconds'"), mistakes_fail_fast():
        raise error


def test_the_indexing_note_is_logged_once_per_import(caplog):
    progress = ProgressLog(logging.getLogger("progress-test"))
    in_progress = {"id": "7", "uri": "s3://b/d", "status": "InProgress", "recordsImported": 3000}
    with caplog.at_level(logging.INFO, logger="progress-test"):
        for percent in (50.0, 100.0, 100.0, 100.0):
            progress(ImportModel.from_api({**in_progress, "percentComplete": percent}))
    lines = [record.getMessage() for record in caplog.records]
    assert lines.count("Pinecone import 7: InProgress, 100.0%, 3,000 records imported") == 3
    assert sum("indexing them" in line for line in lines) == 1


@pytest.mark.parametrize("uri", ["s3://bucket/imp\norts", "gs://bucket/a\tb", "s3://bucket/x\x00", "s3://b/\x7fd"])
def test_a_uri_with_a_control_character_is_refused(uri):
    from airflow_provider_pinecone.client.validation import validate_import_uri

    with pytest.raises(PineconeValidationError, match="control character"):
        validate_import_uri(uri)


def test_a_trailing_line_break_from_a_template_is_tolerated():
    from airflow_provider_pinecone.client.validation import validate_import_uri

    assert validate_import_uri("s3://bucket/imports\n") == "s3://bucket/imports"


@pytest.mark.parametrize("field", ["max_elapsed", "initial_backoff", "max_backoff"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_a_retry_policy_refuses_budgets_it_cannot_keep(field, value):
    from airflow_provider_pinecone.client import RetryPolicy

    with pytest.raises(ValueError, match=field):
        RetryPolicy(**{field: value})


def test_a_deferred_sensor_timeout_fails_without_retries_or_skips_with_soft_fail():
    from airflow.providers.common.compat.sdk import AirflowSensorTimeout, AirflowSkipException

    event = {"status": "timeout", "import_id": "7", "import": None, "message": "deadline"}
    with pytest.raises(AirflowSensorTimeout, match="did not finish within the sensor's timeout of 60 s"):
        ImportSensor(task_id="s", import_id="7", timeout=60).execute_complete({}, event)
    with pytest.raises(AirflowSkipException):
        ImportSensor(task_id="s", import_id="7", timeout=60, soft_fail=True).execute_complete({}, event)


@pytest.mark.skipif(
    airflow.__version__.startswith("3.1."),
    reason="Airflow 3.1 looks a missing connection up through a triggerer it does not have here",
)
def test_a_trigger_without_its_connection_ends_with_an_error_event(monkeypatch):
    import asyncio

    from airflow_provider_pinecone.triggers.imports import ImportTrigger

    monkeypatch.delenv("AIRFLOW_CONN_NO_SUCH_CONNECTION", raising=False)

    async def first_event():
        async for event in ImportTrigger(import_id="1", pinecone_conn_id="no_such_connection").run():
            return event.payload

    payload = asyncio.run(asyncio.wait_for(first_event(), timeout=30))
    assert payload["status"] == "error" and "no_such_connection" in payload["message"]
