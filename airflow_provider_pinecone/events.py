"""The one event :class:`~airflow_provider_pinecone.triggers.imports.ImportTrigger` fires, typed.

The trigger builds an :class:`ImportEvent` and sends :meth:`ImportEvent.to_payload`, plain JSON that
Airflow stores with the task instance; the deferred task's ``execute_complete`` reads it back with
:meth:`ImportEvent.from_payload`. The payload's keys (``status``, ``import_id``, ``import``,
``message``) are the ones every earlier version sent, so an event stored before an upgrade still
parses. Anything else fails loudly: it would mean a bug or a mismatched trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_pinecone.client import ImportModel, ImportStatus
from airflow_provider_pinecone.failures import ImportWaitFailed, ImportWatchError, raise_unless_completed

#: The import Completed.
EVENT_SUCCESS = "success"
#: The import ended Failed.
EVENT_FAILED = "failed"
#: The import ended Cancelled.
EVENT_CANCELLED = "cancelled"
#: The deadline passed before the import ended.
EVENT_TIMEOUT = "timeout"
#: Polling hit a problem it cannot fix (a rejected key, an unknown import, a missing connection).
EVENT_ERROR = "error"
EVENT_STATUSES = frozenset({EVENT_SUCCESS, EVENT_FAILED, EVENT_CANCELLED, EVENT_TIMEOUT, EVENT_ERROR})
#: The statuses that report an ended import, which the event must then carry.
ENDED_STATUSES = frozenset({EVENT_SUCCESS, EVENT_FAILED, EVENT_CANCELLED})

_EVENT_FOR_STATUS = {
    ImportStatus.COMPLETED: EVENT_SUCCESS,
    ImportStatus.FAILED: EVENT_FAILED,
    ImportStatus.CANCELLED: EVENT_CANCELLED,
}
_PAYLOAD_KEYS = frozenset({"status", "import_id", "import", "message"})


@dataclass(frozen=True)
class ImportEvent:
    """What the trigger saw last: how the wait ended, for which import, and the import itself.

    :param status: one of :data:`EVENT_STATUSES`.
    :param import_id: the watched import.
    :param imported: the import's last known state as a dict (``ImportModel.to_dict()``), or ``None``
        if no poll succeeded; always present for ``success``, ``failed`` and ``cancelled``.
    :param message: a sentence for the log or the task failure.
    """

    status: str
    import_id: str | None
    imported: dict[str, Any] | None = None
    message: str = ""

    def __post_init__(self) -> None:
        if self.status not in EVENT_STATUSES:
            raise ImportWaitFailed(f"Unexpected event from the Pinecone import trigger: status {self.status!r}")
        if self.status in ENDED_STATUSES and not (isinstance(self.imported, dict) and self.imported.get("id")):
            raise ImportWaitFailed(
                f"The Pinecone import trigger sent a {self.status!r} event without the import: {self.to_payload()!r}"
            )

    # ---- building (in the trigger) ---------------------------------------------------------

    @classmethod
    def ended(cls, imp: ImportModel) -> ImportEvent:
        """The event for an import that reached Completed, Failed or Cancelled."""
        return cls(_EVENT_FOR_STATUS[imp.status], imp.id, imp.to_dict(), imp.describe_progress())  # type: ignore[index]

    @classmethod
    def timed_out(cls, import_id: str, last: ImportModel | None) -> ImportEvent:
        """The event for a deadline that passed first."""
        message = f"Pinecone import {import_id} did not finish before the deadline."
        return cls(EVENT_TIMEOUT, import_id, _as_dict(last), message)

    @classmethod
    def error(cls, import_id: str, message: str, last: ImportModel | None) -> ImportEvent:
        """The event for a problem that polling cannot fix."""
        return cls(EVENT_ERROR, import_id, _as_dict(last), message)

    # ---- the wire format -------------------------------------------------------------------

    def to_payload(self) -> dict[str, Any]:
        """Plain JSON, as stored by Airflow: ``{"status", "import_id", "import", "message"}``."""
        return {"status": self.status, "import_id": self.import_id, "import": self.imported, "message": self.message}

    @classmethod
    def from_payload(cls, payload: Any) -> ImportEvent:
        """Read an event back, from this version or an earlier one; raise :class:`ImportWaitFailed` on
        anything this provider never sends."""
        if (
            not isinstance(payload, dict)
            or not _PAYLOAD_KEYS.issuperset(payload)
            or payload.get("status") not in EVENT_STATUSES
            or not isinstance(payload.get("import_id"), (str, type(None)))
            or not isinstance(payload.get("import"), (dict, type(None)))
            or not isinstance(payload.get("message"), (str, type(None)))
        ):
            raise ImportWaitFailed(f"Unexpected event from the Pinecone import trigger: {payload!r}")
        return cls(payload["status"], payload.get("import_id"), payload.get("import"), payload.get("message") or "")

    # ---- reading (in the task) -------------------------------------------------------------

    def result(self) -> dict[str, Any]:
        """The Completed import as a dict; raise for every other outcome.

        Failed and Cancelled raise :class:`~airflow_provider_pinecone.failures.ImportDidNotComplete`,
        ``error`` raises :class:`~airflow_provider_pinecone.failures.ImportWatchError` (both fail the task
        without retries), and ``timeout`` :class:`~airflow_provider_pinecone.failures.ImportWaitFailed`
        (the operator and the sensor handle a timeout themselves before asking).
        """
        if self.status in ENDED_STATUSES:
            return raise_unless_completed(ImportModel.from_api(self.imported or {}))
        message = self.message or f"Waiting for Pinecone import {self.import_id} failed."
        if self.status == EVENT_ERROR:
            raise ImportWatchError(message)
        raise ImportWaitFailed(message)


def _as_dict(imp: ImportModel | None) -> dict[str, Any] | None:
    return imp.to_dict() if imp is not None else None


def result_from_event(payload: Any) -> dict[str, Any]:
    """:meth:`ImportEvent.from_payload` then :meth:`ImportEvent.result`: the Completed import, or raise."""
    return ImportEvent.from_payload(payload).result()
