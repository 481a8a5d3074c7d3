"""The "Pinecone Import" button on the task page."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperatorLink

from airflow_provider_pinecone.xcom_keys import XCOM_IMPORT_URL


class PineconeImportLink(BaseOperatorLink):
    """Links a task to its import in the Pinecone console.

    The URL is pushed to XCom by the task before it waits, so building the link needs no network.
    """

    name = "Pinecone Import"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """The console URL the task pushed, or an empty string before it pushed one."""
        from airflow.sdk.execution_time.xcom import XCom

        return XCom.get_value(ti_key=ti_key, key=XCOM_IMPORT_URL) or ""


class PineconeTabLink(BaseOperatorLink):
    """Opens the task's "Pinecone" tab (the provider's UI plugin): live import status, pre-flight report
    or upsert summary.

    A same-origin path, so the UI opens it in the same window; it needs neither XCom nor network.
    """

    name = "Pinecone tab"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """``<base>/dags/<dag>/runs/<run>/tasks/<task>[/mapped/<i>]/plugin/pinecone``."""
        from airflow_provider_pinecone.plugin.urls import base_path, task_tab_path

        return task_tab_path(ti_key.dag_id, ti_key.run_id, ti_key.task_id, ti_key.map_index, base=base_path())
