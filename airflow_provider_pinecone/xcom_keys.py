"""The XCom keys the import tasks push, read by DAGs (``ti.xcom_pull(..., key=...)``) and by the extra link."""

from __future__ import annotations

#: The id of the import a task started, re-attached to, cancelled or watched.
XCOM_IMPORT_ID = "import_id"
#: The Pinecone console page of the project's imports, behind the task's "Pinecone Import" button.
XCOM_IMPORT_URL = "pinecone_import_url"
#: Pre-flight's whole report (every kept problem) when it fails; on success it is the return value.
XCOM_PREFLIGHT_REPORT = "preflight_report"
