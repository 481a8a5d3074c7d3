"""An in-memory stand-in for ``PineconeHook``, for unit tests of the tasks' decisions.

It has the methods the operators and the sensor call, under the same names, and keeps imports in a
dict. Each import follows a script of statuses and moves one step on every ``describe_import`` of it,
so a wait ends after a known number of polls with no clock involved. Every call is recorded in
``calls``, and ``fail[method]`` makes that method raise. A test injects it into a task by setting the
task's cached ``hook``::

    operator.__dict__["hook"] = FakeHook()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_provider_pinecone.client import (
    ImportModel,
    ImportStatus,
    IndexStats,
    PineconeNotFoundError,
    PineconeServerError,
)

RUNNING = (ImportStatus.PENDING, ImportStatus.IN_PROGRESS)
#: How an import the fake starts goes: two polls in progress, then Completed.
TO_COMPLETION = (ImportStatus.IN_PROGRESS, ImportStatus.IN_PROGRESS, ImportStatus.COMPLETED)
INDEX_HOST = "fake-index-abc.svc.pinecone.io"
CONSOLE_URL = "https://app.pinecone.io/organizations/o/projects/p/import"


@dataclass
class _Import:
    model: ImportModel
    script: list[ImportStatus] = field(default_factory=list)  # the statuses still to come, one per describe
    namespaces: dict[str, int] = field(default_factory=dict)  # what it adds to the index once started


class FakeHook:
    """``PineconeHook``'s task-facing methods over a dict of imports; see the module doc.

    :param namespaces: the index's namespaces and their record counts before any import.
    :param script: the statuses an import started by ``start_import`` goes through.
    :param creates: the namespaces such an import adds to the index as soon as it starts.
    """

    def __init__(
        self,
        *,
        namespaces: dict[str, int] | None = None,
        script: Sequence[ImportStatus] = TO_COMPLETION,
        creates: dict[str, int] | None = None,
    ) -> None:
        self.imports: dict[str, _Import] = {}
        self.namespaces = dict(namespaces or {})
        self.script = list(script)
        self.creates = dict(creates or {})
        self.calls: list[tuple[str, Any]] = []
        #: method name -> the exception it raises (every time).
        self.fail: dict[str, BaseException] = {}
        #: start_import creates the import, then raises this (a 5xx after the request arrived).
        self.fail_after_starting: BaseException | None = None
        #: called with the number of describe_import calls so far, before each one answers.
        self.on_describe: Callable[[int], None] | None = None
        self._describes = 0

    # ---- set-up -------------------------------------------------------------------------------

    def add(
        self,
        uri: str,
        status: ImportStatus,
        *,
        created_at: datetime | None = None,
        script: Sequence[ImportStatus] = (),
        records: int = 0,
        import_id: str | None = None,
    ) -> str:
        """An import that exists before the task runs; returns its id."""
        import_id = import_id or str(len(self.imports) + 1)
        model = ImportModel(
            id=import_id,
            uri=uri,
            status=status,
            created_at=created_at or datetime.now(UTC),
            records_imported=records,
            percent_complete=100.0 if status == ImportStatus.COMPLETED else 10.0,
        )
        self.imports[import_id] = _Import(model, list(script))
        return import_id

    def status(self, import_id: str) -> ImportStatus | str:
        return self.imports[import_id].model.status

    def called(self, method: str) -> list[Any]:
        """The arguments of every call of ``method``, in order."""
        return [args for name, args in self.calls if name == method]

    def _call(self, method: str, args: Any = None) -> None:
        self.calls.append((method, args))
        if method in self.fail:
            raise self.fail[method]

    def _get(self, import_id: str) -> _Import:
        if import_id not in self.imports:
            raise PineconeNotFoundError(404, "NOT_FOUND", f"Import {import_id} not found", "describe_import")
        return self.imports[import_id]

    # ---- what the tasks call ------------------------------------------------------------------

    def resolve_index_host(self) -> str:
        self._call("resolve_index_host")
        return INDEX_HOST

    def asset_index_name(self) -> str:
        self._call("asset_index_name")
        return "fake-index"

    def report_written(self, records: Any, sources: Any = ()) -> None:
        self._call("report_written", (dict(records), list(sources)))

    def console_import_url(self) -> str:
        self._call("console_import_url")
        return CONSOLE_URL

    def describe_index_stats(self) -> IndexStats:
        self._call("describe_index_stats")
        return IndexStats(namespaces=dict(self.namespaces), total_vector_count=sum(self.namespaces.values()))

    def imports_of(self, uri: str) -> list[ImportModel]:
        self._call("imports_of", uri)
        uri = uri.rstrip("/")
        return [imp.model for imp in self.imports.values() if (imp.model.uri or "").rstrip("/") == uri]

    def start_import(
        self, uri: str, *, integration_id: str | None = None, error_mode: str = "continue", report_lineage: bool = True
    ) -> str:
        self._call("start_import", (uri, integration_id, error_mode))
        import_id = str(len(self.imports) + 1)
        started = datetime.now(UTC)
        model = ImportModel(id=import_id, uri=uri, status=ImportStatus.PENDING, created_at=started, percent_complete=0)
        self.imports[import_id] = _Import(model, list(self.script), dict(self.creates))
        self.namespaces.update(self.creates)
        if self.fail_after_starting is not None:
            raise self.fail_after_starting
        return import_id

    def describe_import(self, import_id: str) -> ImportModel:
        self._call("describe_import", import_id)
        self._describes += 1
        if self.on_describe is not None:
            self.on_describe(self._describes)
        imp = self._get(import_id)
        if imp.script and not imp.model.is_terminal:
            status = imp.script.pop(0)
            records = sum(imp.namespaces.values()) or 100
            done = status == ImportStatus.COMPLETED
            imp.model = replace(
                imp.model,
                status=status,
                percent_complete=100.0 if done else 50.0,
                records_imported=records if done else records // 2,
                finished_at=imp.model.created_at + timedelta(minutes=10) if done and imp.model.created_at else None,
            )
        return imp.model

    def cancel_import(self, import_id: str) -> None:
        self._call("cancel_import", import_id)
        self._cancel(import_id)

    def cancel_import_within(self, import_id: str, seconds: float) -> None:
        self._call("cancel_import_within", (import_id, seconds))
        self._cancel(import_id)

    def _cancel(self, import_id: str) -> None:
        imp = self._get(import_id)
        if not imp.model.is_terminal:
            imp.model = replace(imp.model, status=ImportStatus.CANCELLED)
            imp.script.clear()


def server_error(status: int = 503, operation: str = "start_import") -> PineconeServerError:
    return PineconeServerError(status, None, "Service Unavailable", operation)
