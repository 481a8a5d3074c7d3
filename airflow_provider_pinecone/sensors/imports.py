"""ImportSensor: wait for a Pinecone import to complete."""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Literal

from airflow.configuration import conf
from airflow.providers.common.compat.sdk import AirflowException, AirflowSensorTimeout, AirflowSkipException
from airflow.sdk import BaseSensorOperator, Context, PokeReturnValue

from airflow_provider_pinecone.client.validation import validate_import_id
from airflow_provider_pinecone.events import EVENT_TIMEOUT, ImportEvent
from airflow_provider_pinecone.failures import raise_unless_completed
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.links import PineconeImportLink, PineconeTabLink
from airflow_provider_pinecone.polling import ProgressLog
from airflow_provider_pinecone.task_failures import mistakes_fail_fast
from airflow_provider_pinecone.task_params import MAX_POLL_SECONDS, MAX_WAIT_SECONDS, check_seconds
from airflow_provider_pinecone.tasks import PineconeIndexTaskMixin
from airflow_provider_pinecone.xcom_keys import XCOM_IMPORT_URL


class ImportSensor(PineconeIndexTaskMixin, BaseSensorOperator):
    """Wait until a Pinecone import is Completed; fail if it ends Failed or Cancelled.

    Each check logs the status, percent complete and records imported. With ``soft_fail=True`` a
    Failed or Cancelled import (or a timeout) skips the task instead of failing it. The sensor's
    XCom return value is the final import as a dict.

    :param import_id: the import to watch, typically
        ``"{{ ti.xcom_pull(task_ids='start_import', key='import_id') }}"`` (templated).
    :param pinecone_conn_id: the Pinecone connection.
    :param index_name: overrides the connection's index name (templated).
    :param index_host: overrides the connection's index host (templated).
    :param deferrable: wait in the triggerer, holding no worker slot (default from
        ``[operators] default_deferrable``). ``poke_interval`` and ``timeout`` apply in both modes.
    """

    template_fields: Sequence[str] = ("import_id", "index_name", "index_host")
    operator_extra_links = (PineconeImportLink(), PineconeTabLink())
    ui_color = "#e6f1ff"

    def __init__(
        self,
        *,
        import_id: str,
        pinecone_conn_id: str = PineconeHook.default_conn_name,
        index_name: str | None = None,
        index_host: str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        # BaseSensorOperator accepts nan (and overflows on inf); neither can be waited for.
        for name, maximum in (("poke_interval", MAX_POLL_SECONDS), ("timeout", MAX_WAIT_SECONDS)):
            if name in kwargs:
                check_seconds(name, kwargs[name], maximum=maximum)
        super().__init__(**kwargs)
        self.import_id = import_id
        self._set_target(pinecone_conn_id, index_name, index_host)
        self.deferrable = deferrable

    @cached_property
    def _progress(self) -> ProgressLog:
        return ProgressLog(self.log)

    def execute(self, context: Context) -> Any:
        with mistakes_fail_fast():
            return self._execute(context)

    def _execute(self, context: Context) -> Any:
        self.import_id = validate_import_id(self.import_id)
        context["ti"].xcom_push(key=XCOM_IMPORT_URL, value=self.hook.console_import_url())
        if not self.deferrable:
            return super().execute(context)
        # Check once in the worker: an import that already ended needs no trigger. This check runs
        # outside BaseSensorOperator.execute, so soft_fail has to be honoured here too.
        try:
            done = self.poke(context)
        except AirflowException as exc:
            if self.soft_fail or self.never_fail:
                flag = "soft_fail" if self.soft_fail else "never_fail"
                raise AirflowSkipException(f"Skipping because {flag} is set: {exc}") from exc
            raise
        if done:
            return done.xcom_value
        self._defer_until_import_ends(
            self.import_id,
            poll_interval=float(self.poke_interval),
            deadline=time.time() + float(self.timeout),  # BaseSensorOperator made it seconds
        )

    def poke(self, context: Context) -> PokeReturnValue | Literal[False]:
        with mistakes_fail_fast():
            imp = self.hook.describe_import(self.import_id)
        self._progress(imp)
        if not imp.is_terminal:
            return False
        return PokeReturnValue(is_done=True, xcom_value=raise_unless_completed(imp))

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger fired: return the Completed import or fail with the reason.

        A timeout fails the task without retries, as a poking sensor's does (``AirflowSensorTimeout``),
        or skips it with ``soft_fail``.
        """
        ended = ImportEvent.from_payload(event)
        if ended.status == EVENT_TIMEOUT:
            message = (
                f"Pinecone import {ended.import_id} did not finish within the sensor's timeout "
                f"of {self.timeout:,.0f} s."
            )
            if self.soft_fail or self.never_fail:
                raise AirflowSkipException(f"Skipping: {message}")
            raise AirflowSensorTimeout(message)
        with mistakes_fail_fast():
            return ended.result()
