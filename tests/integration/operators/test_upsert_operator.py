"""UpsertOperator end to end: Parquet on the local storage servers (or records) -> the emulator over HTTP.

Each test runs the operator's ``execute`` as a worker would, with a task_state_store double where a
retry is simulated, and checks what the emulator holds: counts per namespace and, by fetch, the
values themselves.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any

import httpx
import pyarrow as pa
import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_pinecone.operators.upsert import (
    ImportOrUpsertOperator,
    PlanUpsertPartitionsOperator,
    UpsertOperator,
)
from airflow_provider_pinecone.testing.datasets import dense_table, parquet_bytes
from tests.integration.buckets import CLOUDS, SERVER_FIXTURES, Bucket, new_bucket
from tests.integration.conftest import API_KEY
from tests.waiting import wait_until

pytestmark = pytest.mark.integration
DIM = 8  # the pinecone_index fixture's dimension


class Store:
    """Airflow 3.3's task_state_store: what a retried try of the same task instance sees."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = json.loads(json.dumps(value))  # as the API server stores it: JSON


class TI:
    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def context(store: Store | None = None) -> dict[str, Any]:
    return {"ti": TI(), "task_state_store": store if store is not None else Store(), "dag_run": None}


@pytest.fixture
def bucket(request, s3_server, monkeypatch) -> Bucket:
    made = new_bucket("s3", s3_server)
    made.use_sdk_defaults(monkeypatch)
    return made


def fetch(emulator: Any, index: str, namespace: str, ids: list[str]) -> dict[str, Any]:
    """The records as the emulator's data plane returns them, over HTTP."""
    answer = httpx.get(
        f"http://{emulator.index_host(index)}/vectors/fetch",
        params={"ids": ids, "namespace": namespace},
        headers={"Api-Key": API_KEY},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["vectors"]


def stats(emulator: Any, index: str) -> dict[str, int]:
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook

    return PineconeHook().describe_index_stats().namespaces


def write_layout(bucket: Bucket, prefix: str, files: dict[str, pa.Table], row_group_size: int | None = None) -> str:
    bucket.put_all({f"{prefix}/{name}": parquet_bytes(t, row_group_size=row_group_size) for name, t in files.items()})
    return bucket.uri(prefix)


# ---- sources ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_source_form_loads_every_record_with_its_values(
    cloud, request, pinecone_conn, pinecone_index, monkeypatch
):
    server = request.getfixturevalue(SERVER_FIXTURES[cloud])
    bucket = new_bucket(cloud, server)
    bucket.use_sdk_defaults(monkeypatch)
    a, b, c = dense_table(30, DIM, start=0), dense_table(20, DIM, start=100), dense_table(10, DIM, start=200)
    root = write_layout(bucket, "daily", {"alpha/part-0.parquet": a, "__default__/part-0.parquet": b})
    single = write_layout(bucket, "one", {"file.parquet": c})

    whole = UpsertOperator(task_id="dir", uri=root).execute(context())
    namespace_dir = UpsertOperator(task_id="ns", uri=f"{root}/alpha", namespace="beta").execute(context())
    one_file = UpsertOperator(task_id="file", uri=single, namespace="gamma").execute(context())

    assert whole["upserted"] == {"alpha": 30, "__default__": 20} and whole["skipped_total"] == 0
    assert namespace_dir["upserted"] == {"beta": 30} and one_file["upserted"] == {"gamma": 10}
    assert stats(pinecone_conn, pinecone_index) == {"alpha": 30, "__default__": 20, "beta": 30, "gamma": 10}
    got = fetch(pinecone_conn, pinecone_index, "gamma", ["rec-200", "rec-209"])
    expected = c.to_pylist()
    for row in (expected[0], expected[9]):
        record = got[row["id"]]
        assert record["values"] == pytest.approx(row["values"], rel=1e-6)
        assert record["metadata"] == json.loads(row["metadata"])


def test_records_from_an_upstream_task_load_as_a_list_or_as_rendered_text(pinecone_conn, pinecone_index):
    records = [{"id": f"x{i}", "values": [0.5 + i] * DIM, "metadata": {"n": i}} for i in range(3)]
    direct = UpsertOperator(task_id="r1", records=records, namespace="xcom").execute(context())
    rendered = UpsertOperator(task_id="r2", records=str(records[:2]), namespace="rendered").execute(context())
    assert direct["upserted"] == {"xcom": 3} and rendered["upserted"] == {"rendered": 2}
    assert fetch(pinecone_conn, pinecone_index, "xcom", ["x2"])["x2"]["metadata"] == {"n": 2}


# ---- bad records --------------------------------------------------------------------------------


def bad_table() -> pa.Table:
    rows = dense_table(6, DIM).to_pylist()
    rows[1]["values"] = [math.nan] * DIM
    rows[3]["values"] = [0.1] * (DIM + 1)
    rows[4]["metadata"] = "[1, 2]"
    return pa.Table.from_pylist(rows, schema=dense_table(1, DIM).schema)


def test_continue_skips_bad_records_and_counts_them_by_reason(bucket, pinecone_conn, pinecone_index):
    uri = write_layout(bucket, "bad", {"ns/part.parquet": bad_table()})
    result = UpsertOperator(task_id="up", uri=uri).execute(context())
    assert result["upserted"] == {"ns": 3} and result["skipped_total"] == 3
    assert result["skipped"] == {"record.dimension_mismatch": 1, "record.invalid_metadata": 1, "record.non_finite": 1}
    assert sorted(s["id"] for s in result["skipped_ids_sample"]) == ["rec-1", "rec-3", "rec-4"]
    assert stats(pinecone_conn, pinecone_index) == {"ns": 3}


def test_abort_fails_at_the_first_bad_record_without_retries(bucket, pinecone_conn, pinecone_index):
    uri = write_layout(bucket, "bad", {"ns/part.parquet": bad_table()})
    with pytest.raises(AirflowFailException, match=r"rec-1.*row 1.*record\.non_finite"):
        UpsertOperator(task_id="up", uri=uri, error_mode="abort").execute(context())


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({}, "Give exactly one source"),
        ({"uri": "s3://b/x", "records": [{"id": "a"}]}, "Give exactly one source"),
        ({"records": "not a list"}, "records must be a list of dicts"),
        ({"uri": "ftp://bucket/x"}, "ftp"),
        ({"records": [{"id": "a", "values": [1.0] * DIM, "colour": "red"}]}, "colour"),
    ],
)
def test_bad_arguments_fail_at_once_naming_the_mistake(pinecone_conn, pinecone_index, kwargs, needle):
    with pytest.raises(AirflowFailException, match=needle):
        UpsertOperator(task_id="up", **kwargs).execute(context())


def test_a_missing_bucket_fails_with_a_clear_error(bucket, pinecone_conn, pinecone_index):
    with pytest.raises(Exception, match="nothing to upsert|No Parquet|does not exist|not found") as caught:
        UpsertOperator(task_id="up", uri=bucket.uri("empty-prefix")).execute(context())
    assert API_KEY not in str(caught.value)


# ---- throttling, faults and resume ---------------------------------------------------------------


def test_injected_429s_and_503s_lose_and_double_nothing(bucket, pinecone_conn, pinecone_index):
    table = dense_table(2000, DIM)
    uri = write_layout(bucket, "faults", {"ns/a.parquet": table}, row_group_size=100)
    # Seeded: the first draws of seed 1 include 429s and 503s within the load's 20 requests.
    pinecone_conn.set_fault_rates("429=0.2,503=0.2,retry_after=0.01@^/vectors/upsert", seed=1)
    try:
        result = UpsertOperator(task_id="up", uri=uri, max_concurrency=4).execute(context())
    finally:
        pinecone_conn.clear_fault_rates()
    assert result["upserted"] == {"ns": 2000}
    assert result["throttled_retries"] > 0
    assert stats(pinecone_conn, pinecone_index) == {"ns": 2000}
    ids = [f"rec-{i}" for i in range(0, 2000, 97)]
    got = fetch(pinecone_conn, pinecone_index, "ns", ids)
    by_id = {row["id"]: row for row in table.to_pylist()}
    assert sorted(got) == sorted(ids)
    for record_id in ids:
        assert got[record_id]["values"] == pytest.approx(by_id[record_id]["values"], rel=1e-6)


def test_a_retry_resumes_after_the_last_acknowledged_row_group(bucket, pinecone_conn, pinecone_index):
    uri = write_layout(bucket, "resume", {"ns/a.parquet": dense_table(1000, DIM)}, row_group_size=100)
    store = Store()
    # Try 1 sends one request at a time, 20 a second; once 4 are served, the next fails for good
    # (a 400 is not retried) and the try stops part-way.
    first_try = UpsertOperator(task_id="up", uri=uri, max_concurrency=1, max_requests_per_second=20)
    failure: list[BaseException] = []
    worker = threading.Thread(target=lambda: _capture(failure, first_try.execute, context(store)))
    worker.start()
    wait_until(lambda: _served(pinecone_conn, pinecone_index) >= 4, timeout=30, what="4 upserts served")
    pinecone_conn.inject_faults(r"^/vectors/upsert", status=400, count=1)
    worker.join(30)
    assert failure and not worker.is_alive()
    committed = store.values["pinecone_upsert"]["next_row_group"][f"{uri}/ns/a.parquet"]
    assert 4 <= committed < 10
    result = UpsertOperator(task_id="up", uri=uri, max_concurrency=1).execute(context(store))
    assert result["resumed_row_groups"] == committed and result["requests"] == 10 - committed
    assert result["upserted"] == {"ns": 1000}  # the whole load, both tries
    assert stats(pinecone_conn, pinecone_index) == {"ns": 1000}


def _capture(errors: list[BaseException], func: Any, *args: Any) -> None:
    try:
        func(*args)
    except BaseException as exc:
        errors.append(exc)


def _served(emulator: Any, index: str) -> int:
    return sum(ns["requests"] for ns in emulator.upsert_stats(index).values())


def test_a_changed_source_starts_over(bucket, pinecone_conn, pinecone_index):
    uri = write_layout(bucket, "v1", {"ns/a.parquet": dense_table(200, DIM)}, row_group_size=100)
    store = Store()
    UpsertOperator(task_id="up", uri=uri).execute(context(store))
    write_layout(bucket, "v1", {"ns/a.parquet": dense_table(300, DIM)}, row_group_size=100)
    result = UpsertOperator(task_id="up", uri=uri).execute(context(store))
    assert result["resumed_row_groups"] == 0 and result["upserted"] == {"ns": 300}


def test_verify_waits_for_the_counts(bucket, pinecone_conn, pinecone_index):
    uri = write_layout(bucket, "verify", {"ns/a.parquet": dense_table(50, DIM)})
    assert UpsertOperator(task_id="up", uri=uri, verify=True).execute(context())["verified"] is True


# ---- partitions and the choice of method --------------------------------------------------------


def test_mapped_partitions_together_load_the_whole_source(bucket, pinecone_conn, pinecone_index):
    files = {f"ns{i % 2}/part-{i}.parquet": dense_table(10 + i, DIM, start=1000 * i) for i in range(7)}
    uri = write_layout(bucket, "mapped", files)
    plan = PlanUpsertPartitionsOperator(task_id="plan", uri=uri, partitions=3).execute(context())
    assert len(plan) == 3 and sum(len(p["files"]) for p in plan) == 7
    results = [UpsertOperator(task_id="up", partition=p).execute(context()) for p in plan]
    total = sum(r["upserted_total"] for r in results)
    assert total == sum(10 + i for i in range(7))
    assert sum(stats(pinecone_conn, pinecone_index).values()) == total


def test_import_when_every_namespace_is_new_upsert_when_one_exists(bucket, pinecone_conn, pinecone_index):
    uri = write_layout(bucket, "choice", {"fresh/a.parquet": dense_table(5, DIM), "old/a.parquet": dense_table(5, DIM)})

    def choose() -> str | list[str]:
        task = ImportOrUpsertOperator(task_id="choose", uri=uri, import_task_id="imp", upsert_task_id="ups")
        return task.choose_branch(context())  # type: ignore[arg-type]

    assert choose() == "imp"
    UpsertOperator(task_id="seed", records=[{"id": "a", "values": [0.3] * DIM}], namespace="old").execute(context())
    assert choose() == "ups"


def test_a_load_whose_every_record_is_skipped_fails_instead_of_succeeding_empty(pinecone_conn, pinecone_index):
    wrong_dimension = [{"id": f"x{i}", "values": [0.5] * (DIM * 4)} for i in range(3)]
    with pytest.raises(AirflowFailException, match=r"All 3 records were skipped \(3 record.dimension_mismatch\)"):
        UpsertOperator(task_id="up", records=wrong_dimension).execute(context())


@pytest.mark.parametrize(("vector_type", "metric"), [("sparse", "dotproduct"), ("dense", "dotproduct")])
def test_sparse_and_hybrid_records_load_into_their_index(
    bucket, pinecone_conn, make_pinecone_index, vector_type, metric
):
    from airflow_provider_pinecone.testing.datasets import hybrid_table, sparse_table

    index = make_pinecone_index(vector_type=vector_type, metric=metric)
    table = sparse_table(40) if vector_type == "sparse" else hybrid_table(40, DIM)
    uri = write_layout(bucket, f"{vector_type}-src", {"ns/part.parquet": table})
    result = UpsertOperator(task_id="up", uri=uri, index_name=index).execute(context())
    assert result["upserted"] == {"ns": 40}
    row = table.to_pylist()[7]
    stored = fetch(pinecone_conn, index, "ns", [row["id"]])[row["id"]]
    assert stored["sparseValues"]["indices"] == row["sparse_values"]["indices"]
    assert stored["sparseValues"]["values"] == pytest.approx(row["sparse_values"]["values"], rel=1e-6)
