"""``make demo``: run the example DAG end to end, offline, against the local Pinecone emulator.

It starts the emulator on a free loopback port, creates an index, points the ``pinecone_default``
connection at it, and runs ``example_pinecone_bulk_import`` with ``dag.test()`` — the deferred sensor
included, whose trigger Airflow re-creates from its serialized form. No account, no network.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

DEMO_INDEX = "demo-index"
DEMO_URI = "s3://example-bucket/imports/demo"
DEMO_RECORDS = 3_000


def _prepare_airflow_environment() -> None:
    """A throw-away Airflow home whose DAG folder is example_dags/ (set before Airflow is imported)."""
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="pinecone-demo-airflow-"))
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).parent)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
    os.environ.setdefault("PINECONE_EXAMPLE_POLL_SECONDS", "0.5")


def main() -> int:
    _prepare_airflow_environment()
    from airflow.utils import db

    from airflow_provider_pinecone.testing.emulator import PineconeEmulator

    started = time.monotonic()
    db.initdb()
    with PineconeEmulator(import_duration=3.0, indexing_delay=1.5) as emulator:
        emulator.set_import_behaviour(duration=3.0, indexing_delay=1.5, records=DEMO_RECORDS)
        emulator.create_index(DEMO_INDEX, dimension=8)
        os.environ["AIRFLOW_CONN_PINECONE_DEFAULT"] = json.dumps(
            {
                "conn_type": "pinecone",
                "password": "demo-key",
                "extra": {"control_plane_url": emulator.control_plane_url, "index_name": DEMO_INDEX},
            }
        )
        from example_dags.example_pinecone_bulk_import import dag

        run = dag.test(run_conf={"uri": DEMO_URI})
        states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
        imports = emulator.list_imports(DEMO_INDEX)

    print("\n=== Pinecone bulk import demo ===")
    for task_id, state in states.items():
        print(f"  {task_id:<16} {state}")
    for imp in imports:
        print(f"  import {imp['id']}: {imp['status']}, {imp['recordsImported']:,} records imported from {imp['uri']}")
    print(f"  DAG run {run.state} in {time.monotonic() - started:.1f} s")
    ok = str(run.state) == "success" and len(imports) == 1 and imports[0]["status"] == "Completed"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
