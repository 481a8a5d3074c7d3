"""What a finished (or still running) import means for an Airflow task.

Shared by the operator, the sensor and the trigger so that all three log progress, judge outcomes
and word failures the same way.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from airflow_provider_pinecone.compat import AirflowException, AirflowFailException

from airflow_provider_pinecone.client import ImportModel, ImportStatus

# XCom keys, also read by the extra link.
XCOM_IMPORT_ID = "import_id"
XCOM_IMPORT_URL = "pinecone_import_url"

# Trigger event statuses.
EVENT_SUCCESS = "success"
EVENT_FAILED = "failed"
EVENT_CANCELLED = "cancelled"
EVENT_TIMEOUT = "timeout"
EVENT_ERROR = "error"
EVENT_STATUSES = frozenset({EVENT_SUCCESS, EVENT_FAILED, EVENT_CANCELLED, EVENT_TIMEOUT, EVENT_ERROR})

_EVENT_FOR_STATUS = {
    ImportStatus.COMPLETED: EVENT_SUCCESS,
    ImportStatus.FAILED: EVENT_FAILED,
    ImportStatus.CANCELLED: EVENT_CANCELLED,
}


class ImportDidNotComplete(AirflowFailException):
    """The import ended Failed or Cancelled. Retrying the task cannot fix that, so it fails outright."""


class ImportTimedOut(AirflowFailException):
    """The operator's ``timeout`` passed, so it cancelled its import. A retry would start a second import
    into the namespaces the cancelled one left behind, so the task fails outright."""


class ImportWaitFailed(AirflowException):
    """Waiting for the import stopped: the trigger sent an event this provider does not send."""


class ImportWatchError(AirflowFailException):
    """The trigger stopped on an error polling cannot fix (a rejected key, an unknown import)."""


def event_status_for(imp: ImportModel) -> str:
    """The trigger event status for a terminal import."""
    return _EVENT_FOR_STATUS[imp.status]  # type: ignore[index]


class ProgressLog:
    """Logs one line per status check, and says once per import when Pinecone starts indexing.

    An import sits at 100% while Pinecone indexes the records (at least 10 minutes); saying so on
    every poll would bury the log in the same sentence.
    """

    def __init__(self, log: logging.Logger | Any) -> None:
        self._log = log
        self._indexing_announced: set[str] = set()

    def __call__(self, imp: ImportModel) -> None:
        self._log.info("Pinecone import %s: %s", imp.id, imp.describe_progress())
        indexing = imp.status == ImportStatus.IN_PROGRESS and (imp.percent_complete or 0.0) >= 100.0
        if indexing and imp.id not in self._indexing_announced:
            self._indexing_announced.add(imp.id)
            self._log.info(
                "Pinecone import %s has loaded all records and is indexing them; this usually takes at "
                "least 10 minutes before the import is Completed.",
                imp.id,
            )


def failure_message(imp: ImportModel) -> str:
    """The task failure text for a Failed or Cancelled import, with Pinecone's own error."""
    if imp.status == ImportStatus.CANCELLED:
        return f"Pinecone import {imp.id} of {imp.uri} was cancelled ({imp.records_imported or 0:,} records imported)."
    reason = imp.error or "Pinecone gave no reason"
    return f"Pinecone import {imp.id} of {imp.uri} failed: {reason}"


def raise_unless_completed(imp: ImportModel) -> dict[str, Any]:
    """Return the import as a dict if it Completed; raise :class:`ImportDidNotComplete` otherwise."""
    if imp.status == ImportStatus.COMPLETED:
        return imp.to_dict()
    raise ImportDidNotComplete(failure_message(imp))


def result_from_event(event: Any) -> dict[str, Any]:
    """Check an :class:`~airflow_provider_pinecone.triggers.imports.ImportTrigger` event.

    Return the Completed import as a dict; raise on every other outcome, including an event this
    provider never sends (which would mean a bug or a mismatched trigger, and must not pass silently).
    """
    if not isinstance(event, dict) or event.get("status") not in EVENT_STATUSES:
        raise ImportWaitFailed(f"Unexpected event from the Pinecone import trigger: {event!r}")
    status, payload = event["status"], event.get("import")
    if status in (EVENT_SUCCESS, EVENT_FAILED, EVENT_CANCELLED):
        if not isinstance(payload, dict) or not payload.get("id"):
            raise ImportWaitFailed(f"The Pinecone import trigger sent a {status!r} event without the import: {event!r}")
        return raise_unless_completed(ImportModel.from_api(payload))
    message = str(event.get("message") or f"Waiting for Pinecone import {event.get('import_id')} failed.")
    if status == EVENT_ERROR:
        raise ImportWatchError(message)
    raise ImportWaitFailed(message)


def seconds_until_next_poll(poll_interval: float, deadline: float | None) -> float | None:
    """How long to wait before the next status check, or ``None`` once ``deadline`` has passed.

    The interval gets +-10% jitter, so that many waits started together (a thousand triggers
    deferred by one DAG run) do not poll in lockstep bursts; the deadline cuts the last wait short.
    """
    interval = poll_interval * random.uniform(0.9, 1.1)
    if deadline is None:
        return interval
    remaining = deadline - time.time()
    return None if remaining <= 0 else min(interval, remaining)
