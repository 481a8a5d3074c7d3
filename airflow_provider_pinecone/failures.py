"""How an import that did not complete fails its task: the exception classes and their wording.

Shared by the operators, the sensor and the trigger's event (:mod:`airflow_provider_pinecone.events`),
so that all of them fail the same way for the same outcome.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_pinecone.client import ImportModel, ImportStatus


class ImportDidNotComplete(AirflowFailException):
    """The import ended Failed or Cancelled. Retrying the task cannot fix that, so it fails outright."""


class ImportTimedOut(AirflowFailException):
    """The operator's ``timeout`` passed, so it cancelled its import. A retry would start a second import
    into the namespaces the cancelled one left behind, so the task fails outright."""


class ImportWaitFailed(AirflowException):
    """Waiting for the import stopped: the trigger sent an event this provider does not send."""


class ImportWatchError(AirflowFailException):
    """The trigger stopped on an error polling cannot fix (a rejected key, an unknown import)."""


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
