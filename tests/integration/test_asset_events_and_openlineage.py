"""Asset events and OpenLineage of real runs: dag.test() against the emulator and a local S3 bucket."""

from __future__ import annotations

import json

import pytest

from airflow_provider_pinecone.testing.datasets import dense_table, parquet_bytes
from tests.integration.buckets import new_bucket
from tests.integration.conftest import load_dag

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("airflow_db")]
DIM = 8


@pytest.fixture
def source(s3_server, monkeypatch) -> str:
    """An import directory with namespaces ``alpha`` (30 records) and the default one (20)."""
    bucket = new_bucket("s3", s3_server)
    bucket.use_sdk_defaults(monkeypatch)
    files = {"alpha/part-0.parquet": dense_table(30, DIM, start=0), "__default__/part-0.parquet": dense_table(20, DIM)}
    bucket.put_all({f"load/{name}": parquet_bytes(table) for name, table in files.items()})
    return bucket.uri("load")


def _run(dag_id: str, **conf):
    run = load_dag(dag_id, "pinecone_asset_dags").test(run_conf=conf or None)
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == dict.fromkeys(
        [ti.task_id for ti in run.get_task_instances()], "success"
    )
    return run


def _events(run) -> dict[str, dict]:
    """The asset events the run's tasks emitted: URI -> extra."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(AssetEvent).filter_by(source_dag_id=run.dag_id, source_run_id=run.run_id).all()
        events = [(row.asset.uri, row.asset.name, row.extra) for row in rows]
    assert all(uri == name for uri, name, _ in events), "an asset's name is its URI"
    assert len(events) == len({uri for uri, _, _ in events}), f"one event per namespace: {events}"
    return {uri: extra for uri, _, extra in events}


def test_a_completed_import_emits_one_event_per_namespace_it_created(pinecone_conn, pinecone_index, source):
    pinecone_conn.upsert(pinecone_index, "old", [{"id": "x", "values": [1.0] * DIM}])  # there before: not the import's
    run = _run("pinecone_asset_import", uri=source)
    events = _events(run)
    (imp,) = pinecone_conn.list_imports(pinecone_index)
    assert set(events) == {"pinecone://test-index/alpha", "pinecone://test-index/__default__"}
    assert events["pinecone://test-index/alpha"] == {
        "import_id": imp["id"], "index": "test-index", "namespace": "alpha", "records": 30,
        "records_imported": 50, "source_uri": source,
    }  # fmt: skip
    assert events["pinecone://test-index/__default__"]["records"] == 20


def test_an_upsert_emits_one_event_per_namespace_with_its_summary(pinecone_conn, pinecone_index, source):
    events = _events(_run("pinecone_asset_upsert", uri=source))
    assert set(events) == {"pinecone://test-index/alpha", "pinecone://test-index/__default__"}
    alpha = events["pinecone://test-index/alpha"]
    assert alpha["records"] == 30 and alpha["source_uri"] == source and alpha["index"] == "test-index"
    assert alpha["load"]["upserted_total"] == 50 and alpha["load"]["skipped_total"] == 0


def test_a_declared_outlet_of_the_same_uri_carries_the_extra_once(pinecone_conn, pinecone_index):
    events = _events(_run("pinecone_asset_declared"))
    assert list(events) == ["pinecone://test-index/fresh"]
    assert events["pinecone://test-index/fresh"]["records"] == 3
    assert events["pinecone://test-index/fresh"]["source"] == "records"


def test_openlineage_events_name_the_source_and_the_namespaces_with_their_counts(
    pinecone_conn, pinecone_index, source, tmp_path, monkeypatch
):
    """With the OpenLineage provider installed (optional), its listener reports our facets."""
    pytest.importorskip("airflow.providers.openlineage")
    from airflow.providers.openlineage.plugins.listener import get_openlineage_listener
    from airflow.sdk.listener import get_listener_manager

    events_file = tmp_path / "openlineage.jsonl"
    transport = {"type": "file", "log_file_path": str(events_file), "append": True}
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__TRANSPORT", json.dumps(transport))
    # The task runner's listeners were gathered before this test configured a transport: add OpenLineage's.
    manager, listener = get_listener_manager(), get_openlineage_listener()
    added = not manager.pm.is_registered(listener)
    if added:
        manager.add_listener(listener)
    try:
        _run("pinecone_asset_upsert", uri=source)
    finally:
        if added:
            manager.pm.unregister(listener)
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    (complete,) = [e for e in events if e["eventType"] == "COMPLETE" and e["job"]["name"].endswith(".upsert")]
    bucket = source.split("/")[2]
    assert [(d["namespace"], d["name"]) for d in complete["inputs"]] == [(f"s3://{bucket}", "load")]
    outputs = {
        (d["namespace"], d["name"]): d["outputFacets"]["outputStatistics"]["rowCount"] for d in complete["outputs"]
    }
    assert outputs == {("pinecone://test-index", "alpha"): 30, ("pinecone://test-index", "__default__"): 20}
