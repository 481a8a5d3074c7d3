"""The upsert example DAGs run end to end with dag.test(): Parquet on the local S3 server, the emulator.

``example_pinecone_upsert`` imports when every namespace is new and upserts once one exists, and
upserts an upstream task's records; ``example_pinecone_upsert_partitioned`` maps one upsert task per
partition.
"""

from __future__ import annotations

import importlib

import pytest

from airflow_provider_pinecone.testing.datasets import dense_table
from tests.integration.buckets import new_bucket
from tests.paths import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("airflow_db")]
DIM = 8


@pytest.fixture
def examples(s3_server, pinecone_conn, monkeypatch):
    # dag.test() serializes the DAGs of the DAG folder's bundle: make that the examples' folder.
    from airflow import settings

    monkeypatch.setattr(settings, "DAGS_FOLDER", str(REPO_ROOT / "example_dags"))
    monkeypatch.setenv("PINECONE_EXAMPLE_POLL_SECONDS", "0.1")
    monkeypatch.setenv("PINECONE_EXAMPLE_PARTITIONS", "3")
    bucket = new_bucket("s3", s3_server)
    bucket.use_sdk_defaults(monkeypatch)
    pinecone_conn.set_import_behaviour(duration=0.3, indexing_delay=0.1, records=40)
    module = importlib.reload(importlib.import_module("example_dags.example_pinecone_upsert"))
    return module, bucket


def _states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_new_namespaces_are_imported_and_existing_ones_upserted(examples, pinecone_conn, pinecone_index):
    module, bucket = examples
    bucket.put_all({f"daily/ns{i}/part.parquet": dense_table(20, DIM, start=100 * i) for i in range(2)})
    uri = bucket.uri("daily")

    first = module.dag.test(run_conf={"uri": uri})
    assert _states(first) == {
        "choose_load_method": "success", "start_import": "success", "upsert": "skipped",
        "embed_latest_documents": "success", "upsert_fresh_documents": "success",
    }  # fmt: skip
    assert len(pinecone_conn.list_imports(pinecone_index)) == 1

    pinecone_conn.upsert(pinecone_index, "ns0", [{"id": "old", "values": [0.2] * DIM}])
    second = module.dag.test(run_conf={"uri": uri})
    states = _states(second)
    assert states["start_import"] == "skipped" and states["upsert"] == "success"
    assert len(pinecone_conn.list_imports(pinecone_index)) == 1  # no second import
    counts = pinecone_conn.namespace_counts(pinecone_index)
    assert counts["ns0"] == 21 and counts["ns1"] == 20 and counts["fresh"] == 5


def test_the_partitioned_dag_maps_one_upsert_per_partition(examples, pinecone_conn, pinecone_index):
    module, bucket = examples
    bucket.put_all({f"backfill/ns/part-{i}.parquet": dense_table(10, DIM, start=100 * i) for i in range(5)})
    run = module.partitioned_dag.test(run_conf={"uri": bucket.uri("backfill")})
    mapped = [ti for ti in run.get_task_instances() if ti.task_id == "upsert_partition"]
    assert len(mapped) == 3 and all(ti.state == "success" for ti in mapped)
    assert pinecone_conn.namespace_counts(pinecone_index) == {"ns": 50}
