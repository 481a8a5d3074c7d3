"""The bookkeeping of a load: which row groups are committed, what a retry resumes from, the summary,
the progress line, the partitions and the wait for visible counts. Pure logic, no server."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from airflow_provider_pinecone.upsert.partitions import balance, files_of
from airflow_provider_pinecone.upsert.progress import LoadProgress
from airflow_provider_pinecone.upsert.resume import (
    STATE_KEY,
    Checkpoints,
    ResumePoint,
    RowGroupTag,
    UpsertLedger,
    source_key,
)
from airflow_provider_pinecone.upsert.run import counts_short, expected_counts, wait_for_counts
from airflow_provider_pinecone.upsert.sources import SourceFile
from airflow_provider_pinecone.upsert.summary import MAX_SKIPPED_IDS, LoadTotals, UpsertSummary

A0, A1, B0 = (
    RowGroupTag("s3://b/ns/a.parquet", 0),
    RowGroupTag("s3://b/ns/a.parquet", 1),
    RowGroupTag("s3://b/ns/b.parquet", 0),
)


def totals(upserted: int, namespace: str = "ns", **skipped: int) -> LoadTotals:
    return LoadTotals(Counter({namespace: upserted}), Counter(skipped))


class Store:
    """Airflow 3.3's task_state_store, as a dict that counts writes."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.writes = 0

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.writes += 1


# ---- Checkpoints ---------------------------------------------------------------------------------


def test_a_row_group_commits_only_when_read_and_every_request_is_acknowledged():
    checkpoints = Checkpoints(ResumePoint())
    checkpoints.sent(A0)
    checkpoints.sent(A0)
    checkpoints.read(A0, totals(10), source_bytes=100)
    checkpoints.acknowledged(A0)
    assert checkpoints.commit() == (0, 0)  # one request still in flight
    checkpoints.acknowledged(A0)
    assert checkpoints.commit() == (1, 100)
    assert checkpoints.point.next_row_group == {A0.file_url: 1}
    assert checkpoints.point.totals.upserted == {"ns": 10}


def test_a_later_row_group_acknowledged_first_waits_for_the_earlier_one():
    """The committed prefix never has holes, whatever order the answers come in."""
    checkpoints = Checkpoints(ResumePoint())
    for tag in (A0, A1):
        checkpoints.sent(tag)
        checkpoints.read(tag, totals(5))
    checkpoints.acknowledged(A1)
    assert checkpoints.commit() == (0, 0)
    assert checkpoints.point.next_row_group == {}
    checkpoints.acknowledged(A0)
    assert checkpoints.commit()[0] == 2
    assert checkpoints.point.next_row_group == {A0.file_url: 2}
    assert checkpoints.point.totals.upserted == {"ns": 10}


def test_a_row_group_with_only_skipped_records_commits_at_once_with_its_skips():
    checkpoints = Checkpoints(ResumePoint())
    checkpoints.read(B0, totals(0, **{"record.non_finite": 3}))
    assert checkpoints.commit()[0] == 1
    assert checkpoints.point.totals.skipped == {"record.non_finite": 3}
    assert checkpoints.pending == 0


# ---- the ledger ----------------------------------------------------------------------------------


def test_the_ledger_round_trips_the_position_and_totals_for_the_same_source():
    store = Store()
    point = ResumePoint({A0.file_url: 2}, totals(7, **{"record.missing_id": 1}))
    UpsertLedger({"task_state_store": store}, "src-1").save(point, force=True)
    read = UpsertLedger({"task_state_store": store}, "src-1").read()
    assert read.next_row_group == {A0.file_url: 2}
    assert read.totals.upserted == {"ns": 7} and read.totals.skipped == {"record.missing_id": 1}
    assert read.row_groups_done == 2


def test_a_changed_source_starts_over():
    store = Store()
    UpsertLedger({"task_state_store": store}, "src-1").save(ResumePoint({A0.file_url: 2}), force=True)
    assert UpsertLedger({"task_state_store": store}, "src-2").read().next_row_group == {}
    assert source_key(files=[("s3://b/x", 1)]) != source_key(files=[("s3://b/x", 2)])


def test_the_ledger_writes_at_most_once_per_interval_unless_forced():
    store, now = Store(), [0.0]
    ledger = UpsertLedger({"task_state_store": store}, "src", clock=lambda: now[0])
    ledger.save(ResumePoint({"f": 1}))
    assert store.writes == 0
    now[0] = 5.0
    ledger.save(ResumePoint({"f": 2}))
    ledger.save(ResumePoint({"f": 3}))
    assert store.writes == 1 and store.values[STATE_KEY]["next_row_group"] == {"f": 2}
    ledger.save(ResumePoint({"f": 4}), force=True)
    assert store.values[STATE_KEY]["next_row_group"] == {"f": 4}


def test_without_a_state_store_nothing_is_kept():
    ledger = UpsertLedger({}, "src")
    ledger.save(ResumePoint({"f": 1}), force=True)
    assert not ledger.durable and ledger.read().next_row_group == {}


# ---- summary and progress ------------------------------------------------------------------------


def test_the_summary_is_plain_json_with_totals_rate_and_skips():
    load = totals(900, **{"record.non_finite": 2})
    load.add(totals(100, namespace="other"))
    load.add(LoadTotals(skipped_ids=[{"id": f"x{i}", "reason": "r"} for i in range(20)]))
    result = UpsertSummary(load, requests=12, throttled_retries=2, seconds=2.0, records_this_try=1000).to_dict()
    assert result["upserted"] == {"ns": 900, "other": 100} and result["upserted_total"] == 1000
    assert result["skipped"] == {"record.non_finite": 2} and result["skipped_total"] == 2
    assert len(result["skipped_ids_sample"]) == MAX_SKIPPED_IDS
    assert result["records_per_second"] == 500.0 and result["requests"] == 12 and result["throttled_retries"] == 2


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, fmt: str, *args: Any) -> None:
        self.lines.append(fmt % args)


def test_progress_is_logged_at_a_bounded_rate_with_percent_rate_and_time_left():
    log, now = Lines(), [0.0]
    progress = LoadProgress(log, total_bytes=1000, interval=10.0, clock=lambda: now[0])
    for _ in range(100):  # many updates within one interval: no line
        progress.update(records=10, bytes_done=1)
    assert log.lines == []
    now[0] = 10.0
    progress.update(records=0, bytes_done=150)
    assert log.lines == ["Upserted 1,000 records (25.0%), 100 records/s, about 30 s left."]


# ---- partitions ----------------------------------------------------------------------------------


def source(name: str, size: int, namespace: str = "ns") -> SourceFile:
    return SourceFile(namespace=namespace, url=f"s3://b/{namespace}/{name}", key=f"{namespace}/{name}", size=size)


def test_partitions_are_balanced_by_bytes_and_keep_every_file_once():
    files = [source(f"f{i}.parquet", size) for i, size in enumerate([90, 60, 50, 40, 30, 20, 10])]
    plan = balance(files, 3)
    assert sorted(url for p in plan for url in (f["url"] for f in p["files"])) == sorted(f.url for f in files)
    sizes = [p["bytes"] for p in plan]
    assert sum(sizes) == 300 and max(sizes) <= 4 / 3 * 100  # within LPT's bound of the perfect 100/100/100
    assert [p["partition"] for p in plan] == [0, 1, 2] and {p["partitions"] for p in plan} == {3}
    assert files_of(plan[0]) == [f for f in files if f.url in {e["url"] for e in plan[0]["files"]}]


def test_fewer_files_than_partitions_give_one_partition_per_file():
    assert len(balance([source("a.parquet", 5), source("b.parquet", 5)], 8)) == 2


@pytest.mark.parametrize("bad", [None, {}, {"files": []}, {"files": [{"url": "s3://b/x"}]}, "s3://b/x"])
def test_a_partition_that_is_not_the_planners_output_is_refused_clearly(bad):
    with pytest.raises(ValueError, match="partition"):
        files_of(bad)


# ---- verify --------------------------------------------------------------------------------------


def test_expected_counts_are_at_least_what_the_namespace_held():
    expected = expected_counts({"ns": 50, "__default__": 7}, {"ns": 20, "": 10, "new": 3})
    assert expected == {"ns": 50, "": 10, "new": 3}
    assert counts_short(expected, {"ns": 50, "__default__": 9, "new": 3}) == {"": (9, 10)}


def test_wait_for_counts_polls_until_visible_and_gives_up_at_the_deadline():
    now, seen = [0.0], iter([{"ns": 1}, {"ns": 2}, {"ns": 5}])

    def sleep(seconds: float) -> None:
        now[0] += seconds

    assert wait_for_counts(lambda: next(seen), {"ns": 5}, 60, sleep=sleep, clock=lambda: now[0]) == {}
    short = wait_for_counts(lambda: {"ns": 1}, {"ns": 5}, 3, sleep=sleep, clock=lambda: now[0])
    assert short == {"ns": (1, 5)}


def test_after_a_resume_the_percent_counts_earlier_work_but_the_pace_only_this_trys():
    log, now = Lines(), [0.0]
    progress = LoadProgress(log, total_bytes=1000, interval=10.0, clock=lambda: now[0], records_before=600)
    progress.resumed(600)  # an earlier try loaded 60 % of the bytes
    now[0] = 10.0
    progress.update(records=100, bytes_done=100)
    assert log.lines == ["Upserted 700 records (70.0%), 10 records/s, about 30 s left."]
