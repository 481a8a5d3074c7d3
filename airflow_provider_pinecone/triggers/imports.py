"""ImportTrigger: wait for a Pinecone import in the triggerer, holding no worker slot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.common.compat.sdk import AirflowNotFoundException
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_pinecone.client import ImportModel, PineconeError, PineconeValidationError
from airflow_provider_pinecone.events import ImportEvent
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.polling import ProgressLog, seconds_until_next_poll
from airflow_provider_pinecone.task_failures import is_user_mistake
from airflow_provider_pinecone.task_params import MAX_POLL_SECONDS, check_deadline, check_seconds
from airflow_provider_pinecone.user_decision import astopped_by_user


class TriggerArgumentError(PineconeValidationError, TypeError):
    """An argument the trigger cannot honour. Also a ``TypeError``: that is what the triggerer catches
    when it builds a trigger, to fail its task instead of stopping."""


class ImportTrigger(BaseTrigger):
    """Poll a Pinecone import until it ends, then fire exactly one event.

    The event is an :class:`~airflow_provider_pinecone.events.ImportEvent`, sent as its plain-JSON
    payload ``{"status", "import_id", "import", "message"}`` where ``status`` is ``success``
    (Completed), ``failed``, ``cancelled``, ``timeout`` (the deadline passed first) or ``error`` (a
    problem that polling cannot fix, such as a rejected API key), and ``import`` is the last known
    state of the import as a dict.

    Transient errors (timeouts, 429, 5xx) are retried by the client and then, if they persist, by
    the next poll: they never end the trigger.

    :param import_id: the import to watch.
    :param pinecone_conn_id: the Pinecone connection.
    :param index_name: overrides the connection's index name.
    :param index_host: overrides the connection's index host.
    :param poll_interval: seconds between polls.
    :param deadline: absolute wall-clock time (epoch seconds) after which a ``timeout`` event fires;
        absolute so that a restarted triggerer keeps the original deadline.
    :param cancel_on_kill: cancel the import if a user stops the deferred task by marking it failed
        or success (set by :class:`~airflow_provider_pinecone.operators.imports.StartImportOperator`,
        not by the sensor). Clearing the task does not cancel it: the next try re-attaches.

    A ``poll_interval`` or ``deadline`` the trigger cannot honour (not a finite positive number) is
    refused when it is built, so the task fails instead of a trigger that never fires.
    """

    def __init__(
        self,
        import_id: str,
        pinecone_conn_id: str = PineconeHook.default_conn_name,
        index_name: str | None = None,
        index_host: str | None = None,
        poll_interval: float = 30.0,
        deadline: float | None = None,
        cancel_on_kill: bool = False,
    ) -> None:
        super().__init__()
        self.import_id = import_id
        self.pinecone_conn_id = pinecone_conn_id
        self.index_name = index_name
        self.index_host = index_host
        try:
            self.poll_interval = check_seconds("poll_interval", poll_interval, maximum=MAX_POLL_SECONDS)
            self.deadline = check_deadline(deadline)
        except PineconeValidationError as exc:
            raise TriggerArgumentError(str(exc)) from None
        self.cancel_on_kill = cancel_on_kill

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Plain-JSON kwargs only: no secrets, no objects."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "import_id": self.import_id,
                "pinecone_conn_id": self.pinecone_conn_id,
                "index_name": self.index_name,
                "index_host": self.index_host,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "cancel_on_kill": self.cancel_on_kill,
            },
        )

    def _hook(self) -> PineconeHook:
        return PineconeHook(self.pinecone_conn_id, index_name=self.index_name, index_host=self.index_host)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until the import ends or the deadline passes; yield one event."""
        event = await self._wait()
        yield TriggerEvent(event.to_payload())

    async def _wait(self) -> ImportEvent:
        hook = self._hook()
        progress = ProgressLog(self.log)
        last: ImportModel | None = None
        # Hold the loop's shared HTTP pool for the whole wait, so polls reuse its connections.
        async with hook.session():
            while True:
                try:
                    last = await hook.adescribe_import(self.import_id)
                except (PineconeError, AirflowNotFoundException) as exc:
                    if is_user_mistake(exc):  # polling again cannot fix it (a missing connection neither)
                        return ImportEvent.error(self.import_id, str(exc), last)
                    self.log.warning("Polling Pinecone import %s failed, will try again: %s", self.import_id, exc)
                else:
                    progress(last)
                    if last.is_terminal:
                        return ImportEvent.ended(last)
                delay = seconds_until_next_poll(self.poll_interval, self.deadline)
                if delay is None:
                    return ImportEvent.timed_out(self.import_id, last)
                await asyncio.sleep(delay)

    async def on_kill(self) -> None:
        """Cancel the import when a user marked the deferred task failed or success (Airflow 3.3+).

        Airflow calls this for a clear too; then the task runs again and re-attaches, so the import
        is left running (see :mod:`airflow_provider_pinecone.user_decision`).
        """
        if not self.cancel_on_kill:
            return
        # The triggerer repeats its cancel request while the trigger is still winding down, which
        # cancels this coroutine too: the decision and the cancel run as their own task, and finish.
        decision = asyncio.ensure_future(self._cancel_if_a_user_stopped_the_task())
        _KILLS_IN_FLIGHT.add(decision)
        decision.add_done_callback(_KILLS_IN_FLIGHT.discard)
        await asyncio.shield(decision)

    async def _cancel_if_a_user_stopped_the_task(self) -> None:
        if not await astopped_by_user(getattr(self, "task_instance", None)):
            self.log.info("Pinecone import %s keeps running: the task was cleared, not stopped by a user, and "
                          "its next try re-attaches to the import.", self.import_id)  # fmt: skip
            return
        try:
            await self._hook().acancel_import(self.import_id)
            self.log.info("Cancelled Pinecone import %s because a user stopped the task.", self.import_id)
        except PineconeError as exc:
            self.log.warning("Could not cancel Pinecone import %s: %s", self.import_id, exc)


#: Cancels still running after their on_kill was itself cancelled (the loop keeps only weak references).
_KILLS_IN_FLIGHT: set[asyncio.Future[None]] = set()
