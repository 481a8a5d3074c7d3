"""Operators that start and cancel Pinecone bulk imports."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NoReturn

from airflow.configuration import conf
from airflow.providers.common.compat.sdk import AirflowTaskTimeout
from airflow.sdk import BaseOperator, Context

from airflow_provider_pinecone.assets import declare_outlets, emit_load_events
from airflow_provider_pinecone.client import PineconeConnectionError, PineconeError, PineconeServerError
from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.client.validation import validate_error_mode, validate_import_id, validate_import_uri
from airflow_provider_pinecone.events import EVENT_TIMEOUT, ImportEvent
from airflow_provider_pinecone.failures import ImportTimedOut, raise_unless_completed
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.lineage import operator_lineage
from airflow_provider_pinecone.links import PineconeImportLink, PineconeTabLink
from airflow_provider_pinecone.polling import ProgressLog, seconds_until_next_poll
from airflow_provider_pinecone.reattach import (
    ImportLedger,
    ImportRecord,
    find_import_to_reattach,
    recover_ambiguous_start,
    run_created_at,
)
from airflow_provider_pinecone.task_failures import mistakes_fail_fast
from airflow_provider_pinecone.task_params import MAX_POLL_SECONDS, MAX_WAIT_SECONDS, check_seconds
from airflow_provider_pinecone.tasks import PineconeIndexTaskMixin
from airflow_provider_pinecone.uris import without_secrets
from airflow_provider_pinecone.user_decision import stopped_by_user
from airflow_provider_pinecone.xcom_keys import XCOM_IMPORT_ID, XCOM_IMPORT_URL

#: How long on_kill may spend cancelling: Airflow escalates SIGTERM to SIGKILL after 5 s.
ON_KILL_CANCEL_SECONDS = 3.0
#: Namespaces of the index remembered before an import starts, to name the ones it created.
MAX_REMEMBERED_NAMESPACES = 1_000


class StartImportOperator(PineconeIndexTaskMixin, BaseOperator):
    """Start a Pinecone bulk import from object storage, and optionally wait for it to finish.

    The import id and a console link are pushed to XCom (keys ``import_id`` and
    ``pinecone_import_url``) as soon as the import exists, before any waiting.

    **An import is started once, and only a user cancels it.** Pinecone refuses to import into a
    namespace that exists, so a second import of the same files would fail. Every try first looks for
    the import an earlier try of this task started (a retry, a clear, a restarted scheduler) and
    re-attaches to it; see :mod:`airflow_provider_pinecone.reattach` for the rule. The import is
    cancelled only when a user marks the task failed or success, or when ``timeout`` passes; a
    superseded or cleared try leaves it running for the next try. Set ``force_new_import=True`` to
    always start a new one.

    A mistake (a bad argument or connection, HTTP 401/403/404) fails the task without retries;
    transient trouble (429, 5xx, timeouts) is retried by the client and then by Airflow.

    With ``wait_for_completion``, a Completed import emits one asset event per namespace it created
    (``pinecone://<index>/<namespace>``, through the outlet alias ``pinecone:<dag_id>.<task_id>``; see
    :mod:`airflow_provider_pinecone.assets`), with the import id, the namespace's record count and the
    source URI in ``extra``; ``get_openlineage_facets_on_complete`` reports the same.

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
        cancelled, best effort, and the task fails without retries (a retry would meet the
        namespaces the cancelled import left behind). ``None`` waits for as long as it takes.
    :param force_new_import: start a new import even if one of the same ``uri`` is running.
    """

    template_fields: Sequence[str] = ("uri", "integration_id", "error_mode", "index_name", "index_host")
    operator_extra_links = (PineconeImportLink(), PineconeTabLink())
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
        self.poll_interval = check_seconds("poll_interval", poll_interval, maximum=MAX_POLL_SECONDS)
        self.timeout = check_seconds("timeout", timeout, maximum=MAX_WAIT_SECONDS, allow_none=True)
        self.force_new_import = force_new_import
        declare_outlets(self)
        self.import_id: str | None = None
        self._written: dict[str, int] = {}  # namespace -> records, once the import completed
        self._ti: Any = None  # for on_kill, which gets no context
        self._waiting = False  # polling in this worker: a kill now may be a user stopping the import

    def execute(self, context: Context) -> Any:
        with mistakes_fail_fast():
            return self._execute(context)

    def _execute(self, context: Context) -> Any:
        # Templates are rendered now: check them before any network call.
        self.uri = validate_import_uri(self.uri)
        self.error_mode = validate_error_mode(self.error_mode)
        self._ti = context["ti"]
        ledger = ImportLedger(context)
        record = ledger.read()
        existing, why = (
            (None, "")
            if self.force_new_import
            else find_import_to_reattach(self.hook, self.uri, record, run_created_at(context))
        )
        if existing is not None:
            self.import_id = existing.id
            namespaces_before = record.namespaces_before if record and record.import_id == existing.id else None
            self.log.info("Re-attaching to Pinecone import %s of %s (%s): %s.", existing.id, existing.uri,
                          existing.status, why)  # fmt: skip
        else:
            # Pinecone imports only into new namespaces: what exists now is not this import's.
            namespaces = self.hook.describe_index_stats().namespaces
            # Kept with the import id; an index with very many namespaces is not worth the bytes.
            namespaces_before = sorted(namespaces) if len(namespaces) <= MAX_REMEMBERED_NAMESPACES else None
            self.import_id = self._start_import()
            ledger.write(ImportRecord(self.import_id, self.uri, namespaces_before))
            self.log.info(
                "Started Pinecone import %s of %s (error_mode=%s).", self.import_id, self.uri, self.error_mode
            )
        # From here until this task stops waiting, a kill may mean "stop this import" (see on_kill).
        self._waiting = self.wait_for_completion
        try:
            context["ti"].xcom_push(key=XCOM_IMPORT_ID, value=self.import_id)
            context["ti"].xcom_push(key=XCOM_IMPORT_URL, value=self.hook.console_import_url())
            if not self.wait_for_completion:
                return self.import_id
            result = self._wait(self.import_id, namespaces_before)
        finally:
            self._waiting = False
        self._announce(context, result, namespaces_before)
        return result

    def _start_import(self) -> str:
        try:
            # No hook lineage here: the collector's first use can take seconds (Airflow loads every
            # provider's asset factories) before the id is recorded. The task reports its lineage
            # when the import completed (_announce) and through get_openlineage_facets_on_complete.
            return self.hook.start_import(
                self.uri, integration_id=self.integration_id, error_mode=self.error_mode, report_lineage=False
            )
        except (PineconeServerError, PineconeConnectionError) as exc:
            # The request may have reached Pinecone before it failed: look before giving up, so a
            # task retry does not find an orphan import it cannot see.
            found = recover_ambiguous_start(self.hook, self.uri)
            if found is None:
                raise
            self.log.warning("start_import failed (%s) but import %s of %s exists; using it.", exc, found.id, self.uri)
            return found.id

    def _wait(self, import_id: str, namespaces_before: list[str] | None) -> dict[str, Any]:
        deadline = time.time() + self.timeout if self.timeout is not None else None
        progress = ProgressLog(self.log)
        imp = self.hook.describe_import(import_id)
        progress(imp)
        if imp.is_terminal:
            return raise_unless_completed(imp)
        if self.deferrable:
            self._defer_until_import_ends(
                import_id,
                poll_interval=self.poll_interval,
                deadline=deadline,
                cancel_on_kill=True,  # this task owns the import: a user stopping it stops the import
                kwargs={"namespaces_before": namespaces_before},
            )
        while not imp.is_terminal:
            delay = seconds_until_next_poll(self.poll_interval, deadline)
            if delay is None:
                self._give_up(import_id, namespaces_before)
            time.sleep(delay)
            imp = self.hook.describe_import(import_id)
            progress(imp)
        return raise_unless_completed(imp)

    def _give_up(self, import_id: str, namespaces_before: list[str] | None) -> NoReturn:
        """The timeout passed: cancel the import and fail, saying what it left behind and what to do."""
        self._cancel_quietly(import_id, "the wait timed out")
        left = self._what_stayed(import_id, namespaces_before)
        raise ImportTimedOut(
            f"Pinecone import {import_id} of {self.uri} did not finish within {self.timeout or 0:,.0f} s, so it was "
            f"cancelled. {left} Pinecone imports only into namespaces that do not exist: delete those namespaces "
            "before importing the same files again, and raise `timeout` for large imports (each takes at least "
            "10 minutes). The task is not retried, since a retry would fail on those namespaces."
        )

    def _what_stayed(self, import_id: str, namespaces_before: list[str] | None) -> str:
        """A sentence on the records and namespaces a cancelled import left in the index."""
        try:
            records = self.hook.describe_import(import_id).records_imported or 0
            counts = self.hook.describe_index_stats().namespaces
        except PineconeError as exc:
            return f"What it had imported stays in the index (could not be read: {exc})."
        if namespaces_before is None:
            return f"{records:,} records stayed in the index, in the namespaces of the sub-directories of {self.uri}."
        created = sorted(set(counts) - set(namespaces_before))
        if not created:
            return f"{records:,} records stayed in the index; it had created no namespace yet."
        listed = ", ".join(f"{name!r} ({counts[name]:,} records)" for name in created)
        return (
            f"{records:,} records stayed in the index, in the namespaces that appeared while it ran: {listed} "
            f"(those named after sub-directories of {self.uri} are this import's)."
        )

    def _cancel_quietly(self, import_id: str, why: str) -> None:
        try:
            self.hook.cancel_import(import_id)
            self.log.info("Cancelled Pinecone import %s because %s.", import_id, why)
        except PineconeError as exc:
            self.log.warning("Could not cancel Pinecone import %s: %s", import_id, exc)

    def execute_complete(
        self, context: Context, event: dict[str, Any] | None = None, namespaces_before: list[str] | None = None
    ) -> dict[str, Any]:
        """Resume after the trigger fired: return the Completed import or fail with the reason."""
        self._ti = context["ti"]
        with mistakes_fail_fast():
            ended = ImportEvent.from_payload(event)
            if ended.import_id:
                self.import_id = ended.import_id
            if ended.status == EVENT_TIMEOUT and self.import_id:
                # Unlike the sensor, the operator owns the import: a timeout cancels it.
                self.uri = validate_import_uri(self.uri)
                self._give_up(self.import_id, namespaces_before)
            result = ended.result()
        self.log.info("Pinecone import %s completed: %s records imported.", result["id"],
                      f"{result.get('records_imported') or 0:,}")  # fmt: skip
        self._announce(context, result, namespaces_before)
        return result

    def _announce(self, context: Context, result: dict[str, Any], namespaces_before: list[str] | None) -> None:
        """Tell Airflow what the Completed import wrote: asset events and hook lineage, one per namespace."""
        if namespaces_before is None:
            self.log.warning(
                "Pinecone import %s: the index's namespaces before it are unknown (over %d, or re-attached to "
                "without a record of them), so no asset events are emitted.", result["id"], MAX_REMEMBERED_NAMESPACES,
            )  # fmt: skip
            return
        try:
            stats = self.hook.describe_index_stats().namespaces
            index = self.hook.asset_index_name()
        except PineconeError as exc:  # the import Completed: failing the task now would help no one
            self.log.warning("Pinecone import %s: could not read what it wrote (%s), so no asset events are "
                             "emitted.", result["id"], exc)  # fmt: skip
            return
        self._written = {ns or DEFAULT_NAMESPACE: n for ns, n in stats.items() if ns not in set(namespaces_before)}
        source = without_secrets(self.uri)
        extras = {
            ns: {"import_id": result["id"], "index": index, "namespace": ns, "records": n,
                 "records_imported": result.get("records_imported"), "source_uri": source}
            for ns, n in self._written.items()
        }  # fmt: skip
        uris = emit_load_events(self, context, index, extras)
        self.hook.report_written(self._written, sources=[source])
        self.log.info("Asset events: %s.", ", ".join(uris) or "none (the import created no namespace)")

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the import directory as input; the namespaces it created, with their records, as outputs.

        ``None`` without the OpenLineage provider. Without ``wait_for_completion`` only the input is known.
        """
        index = self.hook.asset_index_name() if self._written else None
        return operator_lineage([self.uri], index, self._written)

    def on_kill(self) -> None:
        """Cancel the import if a user stopped the task while it waited (marked it failed or success),
        or if ``execution_timeout`` ended the task's last try.

        Airflow also kills a try that was cleared, reset by a restarted scheduler or superseded by a
        newer try; the next try re-attaches to the import, so then it is left running. So is an import
        whose task had stopped waiting (it returned, failed or deferred) before it was killed.
        """
        timed_out = isinstance(sys.exc_info()[1], AirflowTaskTimeout)  # on_kill runs inside that except
        if self.import_id is None:
            return
        if not (self._waiting or timed_out):
            self.log.info("Pinecone import %s keeps running: this task was no longer waiting on it.", self.import_id)
            return
        if timed_out:
            if not _is_last_try(self._ti):
                self.log.info("execution_timeout ended this try; Pinecone import %s keeps running and the next "
                              "try re-attaches to it.", self.import_id)  # fmt: skip
                return
            why = "execution_timeout ended the task's last try"
        elif stopped_by_user(self._ti):
            why = "a user stopped the task"
        else:
            self.log.info("Pinecone import %s keeps running: the task was not stopped by a user (it was "
                          "cleared, superseded or reset), and its next try re-attaches to the import.",
                          self.import_id)  # fmt: skip
            return
        try:
            # Airflow sends SIGKILL a few seconds after SIGTERM: one quick attempt, no pre-check
            # (cancelling a finished import changes nothing).
            self.hook.cancel_import_within(self.import_id, seconds=ON_KILL_CANCEL_SECONDS)
            self.log.info("Cancelled Pinecone import %s because %s.", self.import_id, why)
        except PineconeError as exc:
            self.log.warning("Could not cancel Pinecone import %s: %s", self.import_id, exc)


def _is_last_try(ti: Any) -> bool:
    """Whether Airflow will not run the task again after this try fails."""
    try:
        return int(ti.try_number) > int(ti.max_tries)
    except (AttributeError, TypeError, ValueError):
        return True  # unknown: a timeout is the user's own limit, so honour it


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
    operator_extra_links = (PineconeImportLink(), PineconeTabLink())

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
        with mistakes_fail_fast():
            return self._cancel(context)

    def _cancel(self, context: Context) -> dict[str, Any]:
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
