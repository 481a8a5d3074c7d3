"""Operators that start and cancel Pinecone bulk imports."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NoReturn

from airflow.configuration import conf
from airflow.sdk import BaseOperator, Context

from airflow_provider_pinecone.client import (
    ImportModel,
    ImportStatus,
    PineconeConnectionError,
    PineconeError,
    PineconeServerError,
)
from airflow_provider_pinecone.client.validation import validate_error_mode, validate_import_id, validate_import_uri
from airflow_provider_pinecone.hooks.pinecone import PineconeHook, newest, newest_active
from airflow_provider_pinecone.links import PineconeImportLink
from airflow_provider_pinecone.operators._index_task import PineconeIndexTaskMixin
from airflow_provider_pinecone.outcome import (
    EVENT_TIMEOUT,
    XCOM_IMPORT_ID,
    XCOM_IMPORT_URL,
    ImportWaitFailed,
    log_progress,
    raise_unless_completed,
    result_from_event,
    seconds_until_next_poll,
)
from airflow_provider_pinecone.triggers.imports import ImportTrigger


def _seconds(value: float | timedelta | None) -> float | None:
    return value.total_seconds() if isinstance(value, timedelta) else (float(value) if value is not None else None)


class StartImportOperator(PineconeIndexTaskMixin, BaseOperator):
    """Start a Pinecone bulk import from object storage, and optionally wait for it to finish.

    The import id and a console link are pushed to XCom (keys ``import_id`` and
    ``pinecone_import_url``) as soon as the import exists, before any waiting.

    **Retries never start a second import.** Pinecone refuses to import into a namespace that
    exists, so a second import of the same files would fail. Before starting, the operator looks for
    an import of the same ``uri`` that is still running (or that Completed during this DAG run) and
    re-attaches to it. Set ``force_new_import=True`` to always start a new one.

    :param uri: the import directory: ``s3://BUCKET/DIR``, ``gs://BUCKET/DIR`` or
        ``https://ACCOUNT.blob.core.windows.net/CONTAINER/DIR`` (templated).
    :param integration_id: the storage integration that grants Pinecone access; not needed for
        public buckets (templated).
    :param error_mode: ``continue`` skips invalid records, ``abort`` stops at the first (templated).
    :param pinecone_conn_id: the Pinecone connection.
    :param index_name: overrides the connection's index name (templated).
    :param index_host: overrides the connection's index host (templated).
    :param wait_for_completion: wait until the import ends; the task then returns the final import
        as a dict, and fails if it ended Failed or Cancelled. Without waiting it returns the id.
    :param deferrable: wait in the triggerer instead of holding a worker slot (default from
        ``[operators] default_deferrable``).
    :param poll_interval: seconds between status checks while waiting.
    :param timeout: give up waiting after this long (seconds or a ``timedelta``): the import is
        cancelled, best effort, and the task fails. ``None`` waits for as long as it takes.
    :param force_new_import: start a new import even if one of the same ``uri`` is running.
    """

    template_fields: Sequence[str] = ("uri", "integration_id", "error_mode", "index_name", "index_host")
    operator_extra_links = (PineconeImportLink(),)
    ui_color = "#e6f1ff"

    def __init__(
        self,
        *,
        uri: str,
        integration_id: str | None = None,
        error_mode: str = "continue",
        pinecone_conn_id: str = PineconeHook.default_conn_name,
        index_name: str | None = None,
        index_host: str | None = None,
        wait_for_completion: bool = False,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 30.0,
        timeout: float | timedelta | None = None,
        force_new_import: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.uri = uri
        self.integration_id = integration_id
        self.error_mode = error_mode
        self._set_target(pinecone_conn_id, index_name, index_host)
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = float(poll_interval)
        self.timeout = _seconds(timeout)
        self.force_new_import = force_new_import
        if self.poll_interval <= 0:
            raise ValueError(f"poll_interval must be a positive number of seconds, got {poll_interval!r}")
        self.import_id: str | None = None

    def execute(self, context: Context) -> Any:
        # Templates are rendered now: check them before any network call.
        self.uri = validate_import_uri(self.uri)
        self.error_mode = validate_error_mode(self.error_mode)
        existing = None if self.force_new_import else self._find_existing_import(context)
        if existing is not None:
            self.import_id = existing.id
            self.log.info("Re-attaching to Pinecone import %s of %s (%s).", existing.id, existing.uri, existing.status)
        else:
            self.import_id = self._start_import()
            self.log.info("Started Pinecone import %s of %s (error_mode=%s).", self.import_id, self.uri, self.error_mode)
        context["ti"].xcom_push(key=XCOM_IMPORT_ID, value=self.import_id)
        context["ti"].xcom_push(key=XCOM_IMPORT_URL, value=self.hook.console_import_url())
        if not self.wait_for_completion:
            return self.import_id
        return self._wait(self.import_id)

    def _find_existing_import(self, context: Context) -> ImportModel | None:
        """The import an earlier try of this task started, if it is still worth attaching to."""
        same_uri = self.hook.imports_of(self.uri)
        running = newest_active(same_uri)
        if running is not None:
            return running
        # An import that Completed during this DAG run was ours: a try that died after it finished.
        run_start = getattr(context.get("dag_run"), "start_date", None)
        if run_start is None:
            return None
        return newest(
            [
                imp
                for imp in same_uri
                if imp.status == ImportStatus.COMPLETED and imp.created_at and imp.created_at >= run_start
            ]
        )

    def _start_import(self) -> str:
        try:
            return self.hook.start_import(self.uri, integration_id=self.integration_id, error_mode=self.error_mode)
        except (PineconeServerError, PineconeConnectionError) as exc:
            # The request may have reached Pinecone before it failed: look before giving up, so a
            # task retry does not find an orphan import it cannot see.
            found = self.hook.find_active_import(self.uri)
            if found is None:
                raise
            self.log.warning("start_import failed (%s) but import %s of %s exists; using it.", exc, found.id, self.uri)
            return found.id

    def _wait(self, import_id: str) -> dict[str, Any]:
        deadline = time.time() + self.timeout if self.timeout is not None else None
        imp = self.hook.describe_import(import_id)
        log_progress(self.log, imp)
        if imp.is_terminal:
            return raise_unless_completed(imp)
        if self.deferrable:
            self.defer(
                trigger=ImportTrigger(
                    import_id=import_id,
                    pinecone_conn_id=self.pinecone_conn_id,
                    index_name=self.index_name,
                    # Resolved already: the trigger need not ask the control plane again.
                    index_host=self.hook.client.index_host(),
                    poll_interval=self.poll_interval,
                    deadline=deadline,
                    cancel_on_kill=True,
                ),
                method_name="execute_complete",
            )
        while not imp.is_terminal:
            delay = seconds_until_next_poll(self.poll_interval, deadline)
            if delay is None:
                self._give_up(import_id)
            time.sleep(delay)
            imp = self.hook.describe_import(import_id)
            log_progress(self.log, imp)
        return raise_unless_completed(imp)

    def _give_up(self, import_id: str) -> NoReturn:
        self._cancel_quietly(import_id, "the wait timed out")
        raise ImportWaitFailed(
            f"Pinecone import {import_id} did not finish within {self.timeout or 0:.0f} s, so it was cancelled. "
            "Raise `timeout` for large imports (each takes at least 10 minutes)."
        )

    def _cancel_quietly(self, import_id: str, why: str) -> None:
        try:
            self.hook.cancel_import(import_id)
            self.log.info("Cancelled Pinecone import %s because %s.", import_id, why)
        except PineconeError as exc:
            self.log.warning("Could not cancel Pinecone import %s: %s", import_id, exc)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger fired: return the Completed import or fail with the reason."""
        if isinstance(event, dict) and event.get("status") == EVENT_TIMEOUT and event.get("import_id"):
            # Unlike the sensor, the operator owns the import: a timeout cancels it.
            self._give_up(str(event["import_id"]))
        result = result_from_event(event)
        self.log.info("Pinecone import %s completed: %s records imported.", result["id"], result.get("records_imported"))
        return result

    def on_kill(self) -> None:
        """Cancel the import if the task is killed while it runs."""
        if self.import_id is None:
            return
        try:
            if self.hook.describe_import(self.import_id).is_terminal:
                return
        except PineconeError:
            pass  # Try to cancel anyway.
        self._cancel_quietly(self.import_id, "the task was killed")


class CancelImportOperator(PineconeIndexTaskMixin, BaseOperator):
    """Cancel a Pinecone import.

    Cancelling an import that already finished changes nothing (the API ignores it); the task
    logs that and succeeds. Records imported before the cancel stay in the index.

    :param import_id: the import to cancel, typically
        ``"{{ ti.xcom_pull(task_ids='start_import', key='import_id') }}"`` (templated).
    :param pinecone_conn_id: the Pinecone connection.
    :param index_name: overrides the connection's index name (templated).
    :param index_host: overrides the connection's index host (templated).
    """

    template_fields: Sequence[str] = ("import_id", "index_name", "index_host")
    operator_extra_links = (PineconeImportLink(),)

    def __init__(
        self,
        *,
        import_id: str,
        pinecone_conn_id: str = PineconeHook.default_conn_name,
        index_name: str | None = None,
        index_host: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.import_id = import_id
        self._set_target(pinecone_conn_id, index_name, index_host)

    def execute(self, context: Context) -> dict[str, Any]:
        import_id = validate_import_id(self.import_id)
        hook = self.hook
        context["ti"].xcom_push(key=XCOM_IMPORT_URL, value=hook.console_import_url())
        before = hook.describe_import(import_id)
        if before.is_terminal:
            self.log.info("Pinecone import %s already ended %s; nothing to cancel.", import_id, before.status)
            return before.to_dict()
        hook.cancel_import(import_id)
        after = hook.describe_import(import_id)
        self.log.info("Cancelled Pinecone import %s: %s.", import_id, after.describe_progress())
        return after.to_dict()
