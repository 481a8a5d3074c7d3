"""``make demo``: the whole bulk-import pipeline, offline, on a local S3 server and the Pinecone emulator.

1. Starts moto's S3 server (a subprocess on loopback) and writes a realistic dataset in Pinecone's
   import layout: 3,000 records of 32-dimensional vectors with JSON metadata, in three namespaces,
   two Parquet files each.
2. Starts the Pinecone emulator, which reads that bucket for real, and creates an AWS index.
3. Runs ``example_pinecone_bulk_import`` with ``dag.test()``: pre-flight validation, the import, the
   deferred sensor (its trigger re-created from its serialized form), the count check against
   ``describe_index_stats`` and pre-flight's expected rows, and a query for a known nearest neighbour.
4. Prints a short summary. No account, no cloud, no network.

Set ``PINECONE_DEMO_FAULTS`` to a fault spec (e.g. ``"429=0.2,503=0.2,retry_after=0.1"``, syntax in
``airflow_provider_pinecone.testing.emulator.faults``) to watch the pipeline ride out a flaky API.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

DEMO_INDEX = "demo-index"
DEMO_BUCKET = "pinecone-demo"
DEMO_PREFIX = "imports/2026-11-21"
DIMENSION = 32
NAMESPACES = ("articles", "products", "__default__")
RECORDS_PER_FILE = 500
FILES_PER_NAMESPACE = 2


def _prepare_airflow_environment() -> None:
    """A throw-away Airflow home whose DAG folder is example_dags/ (set before Airflow is imported)."""
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="pinecone-demo-airflow-"))
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).parent)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
    os.environ.setdefault("PINECONE_EXAMPLE_POLL_SECONDS", "0.5")


def _write_dataset(s3) -> list[float]:
    """Write the Parquet files; return the vector of one known record (the probe)."""
    from airflow_provider_pinecone.testing.datasets import dense_table, parquet_bytes

    s3.create_bucket(DEMO_BUCKET)
    start, probe = 0, None
    for namespace in NAMESPACES:
        for part in range(FILES_PER_NAMESPACE):
            table = dense_table(RECORDS_PER_FILE, DIMENSION, start=start, seed=start)
            s3.put(DEMO_BUCKET, f"{DEMO_PREFIX}/{namespace}/part-{part}.parquet", parquet_bytes(table))
            if probe is None:
                probe = table.column("values")[7].as_py()  # record rec-7 of the first namespace
            start += RECORDS_PER_FILE
    return probe


def main() -> int:
    _prepare_airflow_environment()
    from airflow.utils import db

    from airflow_provider_pinecone.testing.emulator import PineconeEmulator
    from airflow_provider_pinecone.testing.object_stores import MotoS3Server

    started = time.monotonic()
    db.initdb()
    with MotoS3Server() as s3:
        probe = _write_dataset(s3)
        os.environ.update(s3.env())  # the SDK defaults of pre-flight and of the emulator find it
        with PineconeEmulator(indexing_delay=1.0) as emulator:
            emulator.create_index(DEMO_INDEX, dimension=DIMENSION, cloud="aws")
            faults = os.environ.get("PINECONE_DEMO_FAULTS")
            if faults:
                emulator.set_fault_rates(faults)
            os.environ["AIRFLOW_CONN_PINECONE_DEFAULT"] = json.dumps(
                {
                    "conn_type": "pinecone_bulk",
                    "password": "demo-key",
                    "extra": {"control_plane_url": emulator.control_plane_url, "index_name": DEMO_INDEX},
                }
            )
            from example_dags.example_pinecone_bulk_import import dag

            uri = f"s3://{DEMO_BUCKET}/{DEMO_PREFIX}"
            run = dag.test(
                run_conf={"uri": uri, "probe_vector": probe, "probe_namespace": NAMESPACES[0], "expected_id": "rec-7"}
            )
            states = {ti.task_id: (str(ti.state), ti.try_number) for ti in run.get_task_instances()}
            imports = emulator.list_imports(DEMO_INDEX)
            counts = emulator.namespace_counts(DEMO_INDEX)

    print("\n=== Pinecone bulk import demo ===")
    print(f"  source: {uri} ({len(NAMESPACES)} namespaces, {len(NAMESPACES) * FILES_PER_NAMESPACE} Parquet files)")
    if faults:
        print(f"  faults injected: {faults}")
    for task_id, (state, try_number) in states.items():
        print(f"  {task_id:<16} {state} (try {try_number})")
    for imp in imports:
        print(f"  import {imp['id']}: {imp['status']}, {imp['recordsImported']:,} records imported")
    print("  index: " + ", ".join(f"{ns} {n:,}" for ns, n in sorted(counts.items())))
    print(f"  DAG run {run.state} in {time.monotonic() - started:.1f} s")
    ok = str(run.state) == "success" and len(imports) == 1 and imports[0]["status"] == "Completed"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
