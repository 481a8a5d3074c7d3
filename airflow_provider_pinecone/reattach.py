"""The one rule for which import a try of ``StartImportOperator`` uses: one it started before, or a new one.

Pinecone imports only into namespaces that do not exist yet, so a second import of the same files
fails, and a try that starts one while the first is still running leaves two half-loaded imports.
Every try therefore looks for the import an earlier try of the same task in the same DAG run started,
in this order:

1. **The import id the task stored** the moment the import existed, in Airflow 3.3's
   ``task_state_store`` (the store behind ``ResumableJobMixin``). It survives retries, clears and
   restarts. A stored import that is running or Completed is re-attached to; a Failed or Cancelled one
   is not (the user cleared the task to run it again).
2. **The import listing** (Airflow 3.1 and 3.2, and a try that died between submitting and storing):
   the newest unfinished import of the same URI; else the newest Completed import of the same URI
   created during this DAG run (after its ``start_date``, or after its ``run_after`` once a clear has
   reset the start date; see :func:`run_created_at`). A *new* DAG run for the same URI therefore
   starts a new import.
3. Otherwise: a new import.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, overload

from airflow_provider_pinecone.client import ImportModel, ImportStatus, PineconeNotFoundError
from airflow_provider_pinecone.hooks.pinecone import PineconeHook

#: The task_state_store key. Renaming it breaks re-attaching for tasks that stored the old one.
STATE_KEY = "pinecone_import"


@dataclass(frozen=True)
class ImportRecord:
    """What a task remembers about the import it started.

    :param import_id: the import's id.
    :param uri: the URI it imports (a task whose ``uri`` changed between tries starts afresh).
    :param namespaces_before: the index's namespaces just before the import started, so that the
        namespaces it created can be named if it has to be cancelled; ``None`` when unknown.
    """

    import_id: str
    uri: str
    namespaces_before: list[str] | None = None

    @classmethod
    def from_stored(cls, value: Any) -> ImportRecord | None:
        if not isinstance(value, dict) or not isinstance(value.get("import_id"), str):
            return None
        before = value.get("namespaces_before")
        return cls(
            str(value["import_id"]), str(value.get("uri") or ""), list(before) if isinstance(before, list) else None
        )


class ImportLedger:
    """Where a task keeps its :class:`ImportRecord`: the ``task_state_store`` of Airflow 3.3+.

    On older Airflow versions (no store in the context) reads return ``None`` and writes do nothing,
    and the import listing is the only way back to the import.
    """

    def __init__(self, context: Any) -> None:
        self._store = context.get("task_state_store") if hasattr(context, "get") else None

    @property
    def durable(self) -> bool:
        """Whether records survive this try."""
        return self._store is not None

    def read(self) -> ImportRecord | None:
        """The record an earlier try (or this one) stored, if any."""
        return ImportRecord.from_stored(self._store.get(STATE_KEY)) if self._store is not None else None

    def write(self, record: ImportRecord) -> None:
        """Store ``record`` for every later try of this task in this DAG run."""
        if self._store is not None:
            self._store.set(STATE_KEY, asdict(record))


def newest(imports: list[ImportModel]) -> ImportModel | None:
    """The most recently created of ``imports`` (those without a creation time count as oldest)."""
    return max(imports, key=lambda imp: (imp.created_at is not None, imp.created_at), default=None)


def newest_active(imports: list[ImportModel]) -> ImportModel | None:
    """The newest of ``imports`` that has not finished, if any."""
    return newest([imp for imp in imports if not imp.is_terminal])


def run_created_at(context: Any) -> datetime | None:
    """The earliest time an import of this DAG run can have been created.

    The run's ``start_date`` while it was never cleared (for a backfill or catch-up run, ``run_after``
    lies in the past, and would match another run's import); after a clear, which resets
    ``start_date``, its ``run_after``, which a clear leaves alone.
    """
    dag_run = context.get("dag_run")
    if dag_run is None:
        return None
    never_cleared = not getattr(dag_run, "clear_number", 0)
    anchor = getattr(dag_run, "start_date", None) if never_cleared else None
    return _utc(anchor or getattr(dag_run, "run_after", None) or getattr(dag_run, "logical_date", None))


@overload
def _utc(moment: datetime) -> datetime: ...
@overload
def _utc(moment: datetime | None) -> datetime | None: ...
def _utc(moment: datetime | None) -> datetime | None:
    """``moment`` with a time zone: a naive time is taken as UTC (as Pinecone's timestamps are)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def find_import_to_reattach(
    hook: PineconeHook, uri: str, record: ImportRecord | None, run_created: datetime | None
) -> tuple[ImportModel | None, str]:
    """The import this try should use instead of starting one, and why (for the log); ``None`` if none."""
    if record is not None and record.uri.rstrip("/") == uri.rstrip("/"):
        try:
            stored = hook.describe_import(record.import_id)
        except PineconeNotFoundError:
            stored = None  # Pinecone no longer lists it: fall back to the listing
        if stored is not None and stored.status != ImportStatus.FAILED and stored.status != ImportStatus.CANCELLED:
            return stored, "the import this task stored in the task state store"
    same_uri = hook.imports_of(uri)
    running = newest_active(same_uri)
    if running is not None:
        return running, "an unfinished import of the same uri"
    if run_created is None:
        return None, ""
    completed = newest(
        [
            imp
            for imp in same_uri
            if imp.status == ImportStatus.COMPLETED
            and imp.created_at is not None
            and _utc(imp.created_at) >= _utc(run_created)
        ]
    )
    if completed is not None:
        return completed, "an import of the same uri that Completed during this DAG run"
    return None, ""


def recover_ambiguous_start(hook: PineconeHook, uri: str) -> ImportModel | None:
    """After a start that failed ambiguously (a 5xx, a read timeout), the import it may have created."""
    return newest_active(hook.imports_of(uri))
