"""Bulk imports on a real Airflow 3.3 deployment: PostgreSQL, LocalExecutor, api-server, scheduler,
dag-processor and triggerer as separate processes (see conftest.py).

Each scenario runs on its own index and import URI, driven through the REST API the way a user (or a
crash) would. The scenarios run side by side in threads, started together by the ``scenarios``
fixture, and each test waits for its own and reports it: they share the deployment, so the suite
takes about as long as its slowest scenario plus start-up. The two that crash a component serialize
with the ones whose assertion needs every component up (``components_lock``), and the scheduler is
only killed once every other scenario has finished, since killing it disturbs every task in a worker.

Every scenario asserts the run's final state, every task's state and try number, the imports of its
URI in the emulator (exactly one unless stated) and that none was cancelled unless a user asked.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import numpy as np
import psutil
import pytest

from airflow_provider_pinecone.testing.datasets import dense_table, parquet_bytes
from airflow_provider_pinecone.upsert.resume import SAVE_INTERVAL, STATE_KEY
from tests.deployment.api import AirflowApi, ApiError
from tests.deployment.emulator import ImportGate, StartGate
from tests.deployment.stack import DEFAULT_DIMENSION, DEFAULT_INDEX, Deployment
from tests.waiting import patient

pytestmark = pytest.mark.deployment

BUCKET = "deployment-data"
RUN_TIMEOUT = 120.0
PROGRESS_LINE = re.compile(r"Pinecone import \S+: InProgress, (\d+(?:\.\d+)?)%")


# ------------------------------------------------------------------------------------------------
# Scenario plumbing


@dataclass
class Scenario:
    """What a scenario driver gets: the deployment, the REST helpers and its own names."""

    name: str
    deployment: Deployment
    others_done: Callable[[], None]
    notes: list[str] = field(default_factory=list)
    runs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rest(self) -> AirflowApi:
        return self.deployment.rest

    @property
    def emulator(self):
        return self.deployment.emulator

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        run_id = self.rest.trigger(dag_id, conf)
        self.runs.append((dag_id, run_id))
        return run_id

    def start_held_run(self, dag_id: str) -> tuple[str, str, str, ImportGate, Callable[[], str]]:
        """Trigger ``dag_id`` on a new index and URI whose imports are held InProgress until the gate is
        released: returns ``(index, uri, run_id, gate, where)``, ``where()`` describing the run for a failure."""
        index, uri = self.index(), self.uri()
        gate = self.emulator.configure(index, hold=True)
        assert isinstance(gate, ImportGate)
        run_id = self.trigger(dag_id, {"index_name": index, "uri": uri})
        return index, uri, run_id, gate, lambda: self.context(dag_id, run_id, index, uri)

    def task_logs(self, lines: int = 30) -> str:
        """The end of the latest try's log of every task of this scenario's runs, for a failure message."""
        parts = []
        for dag_id, run_id in self.runs:
            try:
                for task_id, ti in self.rest.task_instances(dag_id, run_id).items():
                    if ti["try_number"] < 1:
                        continue
                    log = self.rest.task_log(dag_id, run_id, task_id, ti["try_number"]).splitlines()
                    parts.append(
                        f"----- {dag_id}/{run_id}/{task_id} try {ti['try_number']} ({ti['state']}) -----\n"
                        + "\n".join(line[:400] for line in log[-lines:])
                    )
            except Exception as exc:  # a failure report must not fail
                parts.append(f"----- {dag_id}/{run_id}: logs unavailable ({exc!r})")
        return "\n".join(parts)

    def index(self, suffix: str = "") -> str:
        name = f"{self.name.replace('_', '-')}{suffix}"[:45].rstrip("-")
        return self.deployment.create_index(name)

    def uri(self, suffix: str = "") -> str:
        return f"s3://{BUCKET}/{self.name}{suffix}"

    def write_dataset(self, uri: str, namespaces: dict[str, int], dimension: int = 8) -> None:
        """Parquet files in Pinecone's layout under ``uri``: one file per namespace of ``rows`` records."""
        prefix = uri.removeprefix(f"s3://{BUCKET}/")
        start = 0
        for namespace, rows in namespaces.items():
            table = dense_table(rows, dimension, start=start, seed=start)
            self.deployment.s3.put(BUCKET, f"{prefix}/{namespace}/part-0.parquet", parquet_bytes(table))
            start += rows

    def imports(self, index: str, uri: str) -> list[dict[str, Any]]:
        return self.emulator.imports_of(index, uri)

    def context(self, dag_id: str, run_id: str, index: str, uri: str) -> str:
        """Everything a failure message needs: tasks, imports, namespaces."""
        try:
            tasks = self.rest.tries_and_states(dag_id, run_id)
        except Exception as exc:  # the API may be what failed
            tasks = f"(unavailable: {exc!r})"
        return (
            f"\n  tasks (state, try): {tasks}\n  imports of {uri}: "
            + str([(i["id"], i["status"], i.get("recordsImported")) for i in self.imports(index, uri)])
            + f"\n  namespaces: {self.emulator.namespace_counts(index)}"
            + "".join(f"\n  {note}" for note in self.notes)
        )

    def ti_process(self, ti: dict[str, Any]) -> psutil.Process | None:
        """The process running a task instance: the task runner titles itself ``airflow worker -- <ti id>``."""
        title = f"airflow worker -- {ti['id']}"
        for proc in psutil.process_iter(["cmdline"]):
            if title in " ".join(proc.info["cmdline"] or []):
                return proc
        return None


REGISTRY: dict[str, Callable[[Scenario], dict[str, Any] | None]] = {}


def scenario(func: Callable[[Scenario], Any]) -> Callable[[Scenario], Any]:
    REGISTRY[func.__name__.removeprefix("scenario_")] = func
    return func


class ScenarioRunner:
    """Runs the selected scenarios in threads; ``result(name)`` waits for one and re-raises its failure."""

    def __init__(self, deployment: Deployment, names: list[str]) -> None:
        self.deployment = deployment
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, len(names)), thread_name_prefix="scenario"
        )
        self._futures: dict[str, concurrent.futures.Future[Any]] = {}
        for name in names:
            ctx = Scenario(name, deployment, others_done=lambda name=name: self._wait_others(name))
            self._futures[name] = self._pool.submit(self._run, REGISTRY[name], ctx)

    @staticmethod
    def _run(driver: Callable[[Scenario], Any], ctx: Scenario) -> Any:
        try:
            return driver(ctx)
        except Exception as exc:
            raise AssertionError(f"{exc}\n\n===== task logs (latest tries) =====\n{ctx.task_logs()}") from exc

    def _wait_others(self, name: str, timeout: float = 300.0) -> None:
        others = [f for n, f in self._futures.items() if n != name]
        _, pending = concurrent.futures.wait(others, timeout=patient(timeout))
        if pending:
            raise AssertionError(f"{len(pending)} other scenarios still running after {patient(timeout):.0f} s")

    def result(self, name: str, timeout: float = 330.0) -> Any:
        bound = patient(timeout)
        try:
            return self._futures[name].result(timeout=bound)
        except concurrent.futures.TimeoutError:
            pytest.fail(f"scenario {name} did not finish within {bound:.0f} s\n{self.deployment.log_tails()}")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@pytest.fixture(scope="session")
def scenarios(request: pytest.FixtureRequest, deployment: Deployment) -> Iterator[ScenarioRunner]:
    """Starts every selected scenario at once (so they overlap); tests collect the results."""
    deployment.s3.create_bucket(BUCKET)
    selected = [
        item.name.removeprefix("test_")
        for item in request.session.items
        if item.module is not None and item.module.__name__ == __name__ and item.name.removeprefix("test_") in REGISTRY
    ]
    runner = ScenarioRunner(deployment, selected)
    yield runner
    runner.shutdown()


def assert_tasks(ctx: Scenario, dag_id: str, run_id: str, expected: dict[str, tuple[str, int]], where: str) -> None:
    actual = ctx.rest.tries_and_states(dag_id, run_id)
    assert actual == expected, f"{ctx.name}: task (state, try) {actual}, expected {expected}{where}"


def assert_one_import(ctx: Scenario, index: str, uri: str, status: str, where: str) -> dict[str, Any]:
    imports = ctx.imports(index, uri)
    assert len(imports) == 1, f"{ctx.name}: {len(imports)} imports of {uri}, expected exactly one{where}"
    assert imports[0]["status"] == status, f"{ctx.name}: the import is {imports[0]['status']}, expected {status}{where}"
    return imports[0]


def assert_reattached_once(ctx: Scenario, dag_id: str, run_id: str, index: str, uri: str, where: str) -> None:
    """The run succeeded on start_import's try 2, with one import of ``uri``, Completed, never cancelled,
    and XCom ``import_id`` pointing at it."""
    state = ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT)
    imports = ctx.imports(index, uri)
    assert all(i["status"] != "Cancelled" for i in imports), f"{ctx.name}: an import was cancelled{where}"
    imp = assert_one_import(ctx, index, uri, "Completed", where)
    assert state == "success", f"{ctx.name}: run {state}{where}"
    assert_tasks(ctx, dag_id, run_id, {"start_import": ("success", 2)}, where)
    assert ctx.rest.xcom(dag_id, run_id, "start_import", "import_id") == imp["id"], where


def _when(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def wait_next_try_attached(ctx: Scenario, dag_id: str, run_id: str, index: str, uri: str, timeout: float) -> None:
    """Wait until try 2+ of ``start_import`` runs and has pushed its ``import_id`` (Airflow clears a task's
    XComs when a try starts); stop waiting early if the task ends or the import is no longer running."""

    def attached() -> bool:
        ti = ctx.rest.task_instance(dag_id, run_id, "start_import")
        if ti["state"] in ("success", "failed", "upstream_failed"):
            return True
        if any(i["status"] not in ("Pending", "InProgress") for i in ctx.imports(index, uri)):
            return True
        if ti["try_number"] < 2 or ti["state"] not in ("running", "deferred") or not ti["start_date"]:
            return False
        entry = ctx.rest.xcom_entry(dag_id, run_id, "start_import", "import_id")
        # Pushed by this try: try 1's entry (if the SDK has not cleared it yet) is older than this try's start.
        return entry is not None and _when(entry["timestamp"]) >= _when(ti["start_date"])

    ctx.rest.wait(attached, timeout, f"{ctx.name}: start_import's next try attached to the import")


KEPT = "keeps running"
CANCELLED_BY_KILL = "Cancelled Pinecone import"


def wait_kill_decision(ctx: Scenario, dag_id: str, run_id: str, try_number: int, timeout: float = 60) -> str:
    """Wait until the on_kill of ``try_number`` of start_import logged its decision (kept or cancelled),
    so that the import is still held when it decides; return that try's log."""

    def decided() -> str | None:
        log = ctx.rest.task_log(dag_id, run_id, "start_import", try_number)
        if KEPT in log or CANCELLED_BY_KILL in log:
            return log
        # A trigger's decision can outlast the triggerer's routing of its log to the task (on a loaded
        # machine the API server's answer took 30 s); then the line is in the triggerer's own log.
        triggerer = ctx.deployment.airflow.logs / "triggerer.log"
        text = triggerer.read_text(errors="replace") if triggerer.exists() else ""
        mine = (f"run_id={run_id} ", "task_id=start_import ", f"try_number={try_number} ")
        lines = [line for line in text.splitlines() if all(f in line + " " for f in mine)]
        return "\n".join(lines) if any(KEPT in line or CANCELLED_BY_KILL in line for line in lines) else None

    # Every 1 s: a log read is the API server's costliest answer (it may fetch from the worker).
    return ctx.rest.wait(decided, timeout, f"{ctx.name}: try {try_number}'s on_kill decided", interval=1.0)


def wait_deferred(ctx: Scenario, dag_id: str, run_id: str, task_id: str, timeout: float = 90) -> dict[str, Any]:
    """Wait until the task is deferred with its trigger assigned to a triggerer; fail early if it ends."""

    def deferred(ti: dict[str, Any]) -> bool:
        if ti["state"] in ("success", "failed", "upstream_failed"):
            raise AssertionError(f"{ctx.name}: {task_id} ended {ti['state']} instead of deferring")
        return ti["state"] == "deferred" and (ti.get("trigger") or {}).get("triggerer_id") is not None

    return ctx.rest.wait_ti(dag_id, run_id, task_id, deferred, timeout=timeout)


# ------------------------------------------------------------------------------------------------
# 1. The example DAG end to end


def _watch_deferred_sensor(
    ctx: Scenario, dag_id: str, run_id: str, where: Callable[[], str], once_deferred: Callable[[], None]
) -> None:
    """Wait for the sensor to defer, then call ``once_deferred``; while the sensor is deferred, no task of
    the run runs and no process runs it."""
    sensor = wait_deferred(ctx, dag_id, run_id, "wait_for_import")
    once_deferred()
    # The task runner reports "deferred" before its process has finished exiting (it still flushes
    # its log and reports to the API server, slowly on a loaded machine), so the process must be
    # gone at some point while the sensor is deferred, and once gone stay gone.
    samples = without_process = 0
    while True:
        tis = ctx.rest.task_instances(dag_id, run_id)
        if tis["wait_for_import"]["state"] != "deferred":
            break
        running = [t for t, ti in tis.items() if ti["state"] == "running"]
        assert not running, f"{ctx.name}: {running} running while the sensor is deferred{where()}"
        proc = ctx.ti_process(sensor)
        if proc is None:
            without_process += 1
        else:
            assert not without_process, f"{ctx.name}: process {proc} runs the deferred sensor again{where()}"
        samples += 1
        time.sleep(0.3)
    assert samples >= 1, f"{ctx.name}: the sensor was never seen deferred{where()}"
    assert without_process >= 1, f"{ctx.name}: the sensor's process never exited while deferred{where()}"


@scenario
def scenario_example_dag(ctx: Scenario) -> None:
    dag_id = "example_pinecone_bulk_import"
    index, uri = DEFAULT_INDEX, ctx.uri()
    ctx.write_dataset(uri, {"articles": 150, "products": 100})
    # A real import, Pending until the sensor has deferred (however long the tasks before it take on a
    # loaded machine), then slow enough to watch: loading 250 records takes 25 s (0.1 s per record, in
    # batches of 100), so the trigger sees it rise and the sensor's worker process has time to exit
    # while it is deferred; then 3 s InProgress at 100 %.
    gate = ctx.emulator.configure(
        index, hold_start=True, simulate=False, file_delay=0.0, record_delay=0.1, indexing_delay=3.0
    )
    assert isinstance(gate, StartGate)
    # No component restart while this run waits (a restarted trigger would start its log over).
    with ctx.deployment.components_lock:
        run_id = ctx.trigger(dag_id, {"uri": uri})
        where = lambda: ctx.context(dag_id, run_id, index, uri)  # noqa: E731
        try:
            _watch_deferred_sensor(ctx, dag_id, run_id, where, once_deferred=gate.release)
        finally:
            gate.release()
    state = ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT)
    assert state == "success", f"{ctx.name}: run {state}{where()}"
    assert_tasks(
        ctx,
        dag_id,
        run_id,
        {
            t: ("success", 1)
            for t in ("validate_source", "start_import", "wait_for_import", "verify_counts", "query_probe")
        },
        where(),
    )
    imp = assert_one_import(ctx, index, uri, "Completed", where())
    assert ctx.rest.xcom(dag_id, run_id, "start_import", "import_id") == imp["id"], where()
    log = ctx.rest.task_log(dag_id, run_id, "wait_for_import", 1)
    percents = {
        m.group(1) for m in PROGRESS_LINE.finditer(log) if m.group(0).startswith(f"Pinecone import {imp['id']}:")
    }
    assert len(percents) >= 2, (
        f"{ctx.name}: the sensor's log (through the API server) shows progress {sorted(percents)}, "
        f"expected rising percentages:\n{log[-3000:]}"
    )
    # One line per check; that Pinecone is indexing (InProgress at 100 %, 3 s here: ~6 checks) is said once.
    indexing = [line for line in log.splitlines() if "indexing" in line.lower()]
    assert len(indexing) == 1, (
        f"{ctx.name}: the indexing note appears {len(indexing)} times, expected once:\n" + "\n".join(indexing)
    )


def test_example_dag(scenarios: ScenarioRunner) -> None:
    """The example DAG on a real dataset: sensor deferred without a worker, progress in its log, one import."""
    scenarios.result("example_dag")


# ------------------------------------------------------------------------------------------------
# 2. SIGKILL of the triggerer while the sensor is deferred


@scenario
def scenario_triggerer_killed(ctx: Scenario) -> None:
    dag_id = "deploy_sensor_triggerer_restart"
    index, uri, run_id, gate, where = ctx.start_held_run(dag_id)
    try:
        before = wait_deferred(ctx, dag_id, run_id, "wait_for_import")
        old_triggerer = before["trigger"]["triggerer_id"]
        with ctx.deployment.components_lock:
            ctx.deployment.restart_triggerer(kill=True)
            # The new triggerer takes the trigger over once the old one's heartbeat is stale.
            ctx.rest.wait_ti(
                dag_id,
                run_id,
                "wait_for_import",
                lambda ti: (
                    ti["state"] != "deferred"
                    or (ti.get("trigger") or {}).get("triggerer_id") not in (None, old_triggerer)
                ),
                timeout=120,  # the triggerer health-check threshold (60 s), then the take-over
            )
    finally:
        gate.release()
    state = ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT)
    assert state == "success", f"{ctx.name}: run {state}{where()}"
    assert_tasks(ctx, dag_id, run_id, {"start_import": ("success", 1), "wait_for_import": ("success", 1)}, where())
    assert_one_import(ctx, index, uri, "Completed", where())


def test_triggerer_killed(scenarios: ScenarioRunner) -> None:
    """SIGKILL of the triggerer while the sensor is deferred, then a restart: the run succeeds, one import."""
    scenarios.result("triggerer_killed")


# ------------------------------------------------------------------------------------------------
# 3. SIGKILL of the process of a task waiting in the worker


@scenario
def scenario_task_process_killed(ctx: Scenario) -> None:
    dag_id = "deploy_worker_wait_task_killed"
    index, uri, run_id, gate, where = ctx.start_held_run(dag_id)
    try:
        ti = ctx.rest.wait_ti(dag_id, run_id, "start_import", "running", timeout=60)
        ctx.rest.wait(lambda: ctx.imports(index, uri), 30, f"{ctx.name}: import started")
        proc = ctx.rest.wait(lambda: ctx.ti_process(ti), 15, f"{ctx.name}: the task's process")
        ctx.notes.append(f"killed task process {proc.pid} (TI pid {ti.get('pid')})")
        os.kill(proc.pid, signal.SIGKILL)
        # The retry finds the import (its XCom is pushed before it waits) while the import still runs;
        # the scheduler retries the task once its heartbeat is 60 s stale.
        wait_next_try_attached(ctx, dag_id, run_id, index, uri, timeout=120)
    finally:
        gate.release()
    assert_reattached_once(ctx, dag_id, run_id, index, uri, where())


def test_task_process_killed(scenarios: ScenarioRunner) -> None:
    """SIGKILL of a worker-waiting StartImportOperator's process: try 2 re-attaches, one import, success."""
    scenarios.result("task_process_killed")


# ------------------------------------------------------------------------------------------------
# 4. SIGKILL of the scheduler while a task waits in the worker


@scenario
def scenario_scheduler_killed(ctx: Scenario) -> None:
    dag_id = "deploy_worker_wait_scheduler_restart"
    index, uri, run_id, gate, where = ctx.start_held_run(dag_id)
    try:
        ctx.rest.wait_ti(dag_id, run_id, "start_import", "running", timeout=60)
        ctx.rest.wait(lambda: ctx.imports(index, uri), 30, f"{ctx.name}: import started")
        # Killing the scheduler disturbs every task in its workers: wait until the others are done.
        ctx.others_done()
        with ctx.deployment.components_lock:
            ctx.deployment.restart_scheduler(kill=True)
            # The new scheduler finds the dead one's running task orphaned and resets it (a new try),
            # once the old scheduler's heartbeat is older than the health-check threshold.
            wait_next_try_attached(ctx, dag_id, run_id, index, uri, timeout=90)
    finally:
        gate.release()
    assert_reattached_once(ctx, dag_id, run_id, index, uri, where())


def test_scheduler_killed(scenarios: ScenarioRunner) -> None:
    """SIGKILL of the scheduler while StartImportOperator waits in a worker: one import, never cancelled."""
    scenarios.result("scheduler_killed")


# ------------------------------------------------------------------------------------------------
# 5. Clear of a running, deferred StartImportOperator


@scenario
def scenario_deferred_task_cleared(ctx: Scenario) -> None:
    dag_id = "deploy_deferred_cleared"
    index, uri, run_id, gate, where = ctx.start_held_run(dag_id)
    try:
        wait_deferred(ctx, dag_id, run_id, "start_import")
        with ctx.deployment.components_lock:
            cleared = ctx.rest.clear(dag_id, run_id, ["start_import"])
            ctx.notes.append(f"cleared {[t['task_id'] for t in cleared]}")
            # Try 2 runs, finds the import and defers again (or ends).
            ctx.rest.wait_ti(
                dag_id,
                run_id,
                "start_import",
                lambda t: t["try_number"] >= 2 and t["state"] in ("deferred", "success", "failed"),
                timeout=60,
            )
            # The import is held until the trigger of try 1 has decided, so a wrong decision shows.
            decision = wait_kill_decision(ctx, dag_id, run_id, 1)
    finally:
        gate.release()
    assert KEPT in decision, f"{ctx.name}: try 1's on_kill did not keep the import{where()}\n{decision[-2000:]}"
    assert_reattached_once(ctx, dag_id, run_id, index, uri, where())


def test_deferred_task_cleared(scenarios: ScenarioRunner) -> None:
    """Clear of a deferred StartImportOperator(wait_for_completion, deferrable): same import, not cancelled."""
    scenarios.result("deferred_task_cleared")


# ------------------------------------------------------------------------------------------------
# 6. Clear of a completed start_import, alone and with downstream


@scenario
def scenario_completed_task_cleared(ctx: Scenario) -> None:
    dag_id = "deploy_completed_cleared"
    cases = {}
    for case in ("alone", "downstream"):
        index, uri = ctx.index(f"-{case}"), ctx.uri(f"_{case}")
        ctx.emulator.configure(index, simulate=True, duration=1.0, pending=0.2, indexing_delay=0.5, records=500)
        cases[case] = (index, uri, ctx.trigger(dag_id, {"index_name": index, "uri": uri}))
    for case, (index, uri, run_id) in cases.items():
        where = ctx.context(dag_id, run_id, index, uri)
        assert ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT) == "success", (
            f"{ctx.name} ({case}): first run{where}"
        )
    for case, (_index, _uri, run_id) in cases.items():
        ctx.rest.clear(dag_id, run_id, ["start_import"], include_downstream=case == "downstream")
    expected = {
        "alone": {"start_import": ("success", 2), "wait_for_import": ("success", 1)},
        "downstream": {"start_import": ("success", 2), "wait_for_import": ("success", 2)},
    }

    def done_again(run_id: str, tries: dict[str, tuple[str, int]]) -> bool:
        """Every cleared task finished its second try and the run is over."""
        return ctx.rest.dag_run(dag_id, run_id)["state"] in ("success", "failed") and all(
            ti["try_number"] >= tries[t][1] and ti["state"] in ("success", "failed", "upstream_failed")
            for t, ti in ctx.rest.task_instances(dag_id, run_id).items()
        )

    failures = []
    for case, (index, uri, run_id) in cases.items():
        where = functools.partial(ctx.context, dag_id, run_id, index, uri)
        try:
            ctx.rest.wait(
                functools.partial(done_again, run_id, expected[case]),
                RUN_TIMEOUT,
                f"{ctx.name} ({case}): run done after the clear",
            )
            state = ctx.rest.dag_run(dag_id, run_id)["state"]
            assert state == "success", f"{ctx.name} ({case}): run {state} after the clear{where()}"
            assert_tasks(ctx, dag_id, run_id, expected[case], f" ({case}){where()}")
            imp = assert_one_import(ctx, index, uri, "Completed", f" ({case}){where()}")
            xcom = ctx.rest.xcom(dag_id, run_id, "start_import", "import_id")
            assert xcom == imp["id"], (
                f"{ctx.name} ({case}): XCom import_id {xcom!r}, the import is {imp['id']}{where()}"
            )
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


def test_completed_task_cleared(scenarios: ScenarioRunner) -> None:
    """Clear of a completed start_import, alone and with downstream: no second import, XCom is the one import."""
    scenarios.result("completed_task_cleared")


# ------------------------------------------------------------------------------------------------
# 7. A user marks a deferred StartImportOperator failed


def mark_failed_and_expect_cancel(ctx: Scenario, dag_id: str, until_waiting: Callable[[str], Any]) -> None:
    """Start ``dag_id`` on a held import, mark start_import failed once ``until_waiting(run_id)`` returns:
    the import is cancelled (a user's decision), the task fails on try 1."""
    index, uri, run_id, gate, where = ctx.start_held_run(dag_id)
    try:
        until_waiting(run_id)
        with ctx.deployment.components_lock:
            ctx.rest.set_state(dag_id, run_id, "start_import", "failed")
            try:  # the worker's heartbeat or the triggerer learns it; on_kill asks the API server, cancels
                ctx.rest.wait(
                    lambda: any(i["status"] == "Cancelled" for i in ctx.imports(index, uri)),
                    60,
                    f"{ctx.name}: the import cancelled",
                )
            except ApiError:
                pass  # asserted below, with the context
    finally:
        gate.release()
    state = ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT)
    assert_one_import(ctx, index, uri, "Cancelled", where())
    assert state == "failed", f"{ctx.name}: run {state}{where()}"
    assert_tasks(ctx, dag_id, run_id, {"start_import": ("failed", 1)}, where())


@scenario
def scenario_deferred_task_marked_failed(ctx: Scenario) -> None:
    dag_id = "deploy_deferred_marked_failed"
    mark_failed_and_expect_cancel(ctx, dag_id, lambda run_id: wait_deferred(ctx, dag_id, run_id, "start_import"))


def test_deferred_task_marked_failed(scenarios: ScenarioRunner) -> None:
    """A user marks a deferred StartImportOperator failed: the import is cancelled."""
    scenarios.result("deferred_task_marked_failed")


# ------------------------------------------------------------------------------------------------
# 8. The wait times out (retries=2)


@scenario
def scenario_wait_timeout(ctx: Scenario) -> None:
    dag_id = "deploy_wait_timeout"
    index, uri = ctx.index(), ctx.uri()
    ctx.write_dataset(uri, {"alpha": 300, "beta": 300})
    # A real import paced at 0.05 s per record (100-record batches): 30 s, far beyond the 3 s timeout.
    ctx.emulator.configure(index, simulate=False, record_delay=0.05, file_delay=0.0, indexing_delay=1.0)
    run_id = ctx.trigger(dag_id, {"index_name": index, "uri": uri})
    where = lambda: ctx.context(dag_id, run_id, index, uri)  # noqa: E731
    state = ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT)
    assert state == "failed", f"{ctx.name}: run {state}{where()}"
    assert_tasks(ctx, dag_id, run_id, {"start_import": ("failed", 1)}, where())
    imp = assert_one_import(ctx, index, uri, "Cancelled", where())
    counts = ctx.emulator.namespace_counts(index)
    assert counts, f"{ctx.name}: no records stayed; the scenario needs a partial import{where()}"
    total = sum(counts.values())
    log = ctx.rest.task_log(dag_id, run_id, "start_import", 1)
    lowered = log.lower()
    problems = []
    if "cancel" not in lowered:
        problems.append("does not say the import was cancelled")
    if not any(f"{n}" in log for n in {total, f"{total:,}", imp.get("recordsImported")} if n is not None):
        problems.append(f"does not say how many records stayed ({total})")
    missing = [ns for ns in counts if ns not in log]
    if missing:
        problems.append(f"does not name the namespaces holding records {missing}")
    if "delete" not in lowered:
        problems.append("does not say the namespaces must be deleted before importing the same files again")
    assert not problems, f"{ctx.name}: the task log " + "; ".join(problems) + f"{where()}\n--- log ---\n{log[-4000:]}"


def test_wait_timeout(scenarios: ScenarioRunner) -> None:
    """StartImportOperator(timeout=3 s, retries=2) on a long import: fails once, cancels, explains what stayed."""
    scenarios.result("wait_timeout")


# ------------------------------------------------------------------------------------------------
# 9. User mistakes (retries=2)


@scenario
def scenario_user_mistakes(ctx: Scenario) -> None:
    dag_id = "deploy_user_mistakes"
    index, uri = ctx.index(), ctx.uri()
    ctx.write_dataset(uri, {"delta": 50})
    run_id = ctx.trigger(dag_id, {"index_name": index, "uri": uri})
    where = lambda: ctx.context(dag_id, run_id, index, uri)  # noqa: E731
    state = ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT)
    problems = []
    tasks = ctx.rest.tries_and_states(dag_id, run_id)
    if state != "failed":
        problems.append(f"run {state}")
    if tasks != {"bad_uri": ("failed", 1), "no_api_key": ("failed", 1)}:
        problems.append(f"task (state, try) {tasks}, expected both ('failed', 1): a user mistake is not retried")
    if ctx.emulator.list_imports(index):
        problems.append("an import was started")
    bad_uri_log = ctx.rest.task_log(dag_id, run_id, "bad_uri", 1)
    if "ftp" not in bad_uri_log or "s3://" not in bad_uri_log:
        problems.append(
            f"bad_uri's log does not name the problem (the ftp:// URI, and what is accepted):\n{bad_uri_log[-2000:]}"
        )
    no_key_log = ctx.rest.task_log(dag_id, run_id, "no_api_key", 1)
    if "api key" not in no_key_log.lower() or "pinecone_no_key" not in no_key_log:
        problems.append(
            f"no_api_key's log does not name the problem (no API key in pinecone_no_key):\n{no_key_log[-2000:]}"
        )
    assert not problems, f"{ctx.name}: " + "\n".join(problems) + where()


def test_user_mistakes(scenarios: ScenarioRunner) -> None:
    """A bad URI and a connection without an API key, retries=2: failed on try 1, the log names the problem."""
    scenarios.result("user_mistakes")


# ------------------------------------------------------------------------------------------------
# 10. A new run for the same files after the user deleted the namespaces


@scenario
def scenario_new_run_after_namespaces_deleted(ctx: Scenario) -> None:
    dag_id = "deploy_reimport"
    index, uri = ctx.index(), ctx.uri()
    ctx.write_dataset(uri, {"gamma": 120})
    ctx.emulator.configure(index, simulate=False, indexing_delay=0.5)
    first = ctx.trigger(dag_id, {"index_name": index, "uri": uri})
    state = ctx.rest.wait_run(dag_id, first, timeout=RUN_TIMEOUT)
    assert state == "success", f"{ctx.name}: first run {state}{ctx.context(dag_id, first, index, uri)}"
    assert_tasks(ctx, dag_id, first, {"start_import": ("success", 1)}, ctx.context(dag_id, first, index, uri))
    first_import = assert_one_import(ctx, index, uri, "Completed", ctx.context(dag_id, first, index, uri))
    assert ctx.emulator.namespace_counts(index) == {"gamma": 120}, ctx.context(dag_id, first, index, uri)

    ctx.emulator.delete_namespaces(index)
    second = ctx.trigger(dag_id, {"index_name": index, "uri": uri})
    where = lambda: ctx.context(dag_id, second, index, uri)  # noqa: E731
    state = ctx.rest.wait_run(dag_id, second, timeout=RUN_TIMEOUT)
    imports = ctx.imports(index, uri)
    assert len(imports) == 2, (
        f"{ctx.name}: {len(imports)} imports of {uri}, expected a new one for the new run{where()}"
    )
    assert state == "success", f"{ctx.name}: second run {state}{where()}"
    assert_tasks(ctx, dag_id, second, {"start_import": ("success", 1)}, where())
    assert [i["status"] for i in imports] == ["Completed", "Completed"], where()
    assert ctx.rest.xcom(dag_id, first, "start_import", "import_id") == first_import["id"], where()
    assert ctx.rest.xcom(dag_id, second, "start_import", "import_id") == imports[1]["id"], where()
    assert ctx.emulator.namespace_counts(index) == {"gamma": 120}, where()


def test_new_run_after_namespaces_deleted(scenarios: ScenarioRunner) -> None:
    """A new DAG run for the same URI after the namespaces were deleted starts a new import (two in all)."""
    scenarios.result("new_run_after_namespaces_deleted")


# ------------------------------------------------------------------------------------------------
# 11. and 12. A user marks failed, or clears, a StartImportOperator that waits in the worker


def _wait_worker_waiting(ctx: Scenario, dag_id: str, run_id: str) -> None:
    """Until start_import runs and has pushed its import id, so it is polling in the worker."""
    ctx.rest.wait(
        lambda: (
            ctx.rest.task_instance(dag_id, run_id, "start_import")["state"] == "running"
            and ctx.rest.xcom_entry(dag_id, run_id, "start_import", "import_id") is not None
        ),
        90,
        f"{ctx.name}: start_import waiting in the worker",
    )


@scenario
def scenario_worker_wait_marked_failed(ctx: Scenario) -> None:
    dag_id = "deploy_worker_wait_marked_failed"
    mark_failed_and_expect_cancel(ctx, dag_id, lambda run_id: _wait_worker_waiting(ctx, dag_id, run_id))


def test_worker_wait_marked_failed(scenarios: ScenarioRunner) -> None:
    """A user marks a worker-waiting StartImportOperator failed: the import is cancelled."""
    scenarios.result("worker_wait_marked_failed")


@scenario
def scenario_worker_wait_cleared(ctx: Scenario) -> None:
    dag_id = "deploy_worker_wait_cleared"
    index, uri, run_id, gate, where = ctx.start_held_run(dag_id)
    try:
        _wait_worker_waiting(ctx, dag_id, run_id)
        ctx.rest.clear(dag_id, run_id, ["start_import"])
        # The running try is told to stop (SIGTERM, on_kill keeps the import); try 2 re-attaches.
        wait_next_try_attached(ctx, dag_id, run_id, index, uri, timeout=90)
        decision = wait_kill_decision(ctx, dag_id, run_id, 1)
    finally:
        gate.release()
    assert KEPT in decision, f"{ctx.name}: try 1's on_kill did not keep the import{where()}\n{decision[-2000:]}"
    assert_reattached_once(ctx, dag_id, run_id, index, uri, where())


def test_worker_wait_cleared(scenarios: ScenarioRunner) -> None:
    """A user clears a worker-waiting StartImportOperator: the next try re-attaches; nothing is cancelled."""
    scenarios.result("worker_wait_cleared")


# ------------------------------------------------------------------------------------------------
# 13. SIGKILL of UpsertOperator's task process mid-load (retries=1): try 2 resumes, nothing lost or doubled

UPSERT_NAMESPACE = "articles"
UPSERT_ROW_GROUPS = 40
UPSERT_GROUP_ROWS = 50
RESUMING = re.compile(r"Resuming the load: (\d+) row group\(s\) were upserted by an earlier try")


def saved_position(ctx: Scenario, dag_id: str, run_id: str, task_id: str) -> dict[str, Any] | None:
    """What the load saved in the task's state store (the point a retry resumes from); ``None`` if nothing."""
    response = ctx.deployment.api.get(
        f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/state-store/{STATE_KEY}"
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()["value"]


def row_groups_saved(position: dict[str, Any] | None) -> int:
    return sum(position["next_row_group"].values()) if position else 0


def kill_between_saves(
    ctx: Scenario,
    proc: psutil.Process,
    saved: Callable[[], int],
    served: Callable[[], int],
    min_saved: int = 5,
    timeout: float = 90,
) -> tuple[int, int]:
    """SIGKILL ``proc`` (a load) once it has saved at least ``min_saved`` row groups and two more requests
    were served, while its next save is certainly not due; return the row groups saved and the requests
    served at the kill. (When the machine is busy, a try's first save may come after one row group.)

    A save seen by a poll committed after the previous poll (which still saw the old position) was
    sent, and the load starts its next save SAVE_INTERVAL after starting this one. Killing less than
    SAVE_INTERVAL - 2 s after that previous poll (2 s for the write's own latency) leaves exactly the
    position seen in the store, so where the retry resumes is known exactly. (A kill during a save
    leaves the old position or the new one, both acknowledged: a retry resumes from either.)
    """
    deadline = time.monotonic() + timeout
    position, saved_after, previous_poll = 0, float("-inf"), float("-inf")
    while time.monotonic() < deadline:
        if not proc.is_running():
            raise AssertionError(f"{ctx.name}: try 1's process ended before the kill ({position} row groups saved)")
        asked = time.monotonic()
        try:
            now = saved()
        except httpx.HTTPError:
            now = None
        if now is not None:
            if now != position:  # unknown when, if the first poll already sees a position
                position, saved_after = now, previous_poll
            previous_poll = asked
        if position >= min_saved and served() >= position + 2 and time.monotonic() < saved_after + SAVE_INTERVAL - 2:
            os.kill(proc.pid, signal.SIGKILL)
            # At most one request was in flight (max_concurrency=1): the emulator may still serve it.
            return position, served()
        time.sleep(0.1)
    raise AssertionError(f"{ctx.name}: no moment to kill try 1 within {timeout:.0f} s ({position} row groups saved)")


@scenario
def scenario_upsert_worker_killed(ctx: Scenario) -> None:
    dag_id, task_id, namespace = "deploy_upsert_worker_killed", "upsert", UPSERT_NAMESPACE
    index, uri = ctx.index(), ctx.uri()
    rows = UPSERT_ROW_GROUPS * UPSERT_GROUP_ROWS
    table = dense_table(rows, DEFAULT_DIMENSION, seed=13)
    key = f"{uri.removeprefix(f's3://{BUCKET}/')}/{namespace}/part-0.parquet"
    ctx.deployment.s3.put(BUCKET, key, parquet_bytes(table, row_group_size=UPSERT_GROUP_ROWS))
    run_id = ctx.trigger(dag_id, {"index_name": index, "uri": uri})

    def served() -> dict[str, int]:
        """The emulator's counters of upserts into the namespace (requests and records served, throttled)."""
        return ctx.emulator.upsert_stats(index).get(namespace, {"requests": 0, "records": 0, "throttled": 0})

    def where() -> str:
        return ctx.context(dag_id, run_id, index, uri) + f"\n  upserts served: {served()}"

    # Try 1 sends one row group (50 records) per request, 4 requests/s: about 10 s for the 40.
    ti = ctx.rest.wait_ti(dag_id, run_id, task_id, "running", timeout=60)
    proc = ctx.rest.wait(lambda: ctx.ti_process(ti), 15, f"{ctx.name}: the task's process")
    seen, killed_at = kill_between_saves(
        ctx, proc, lambda: row_groups_saved(saved_position(ctx, dag_id, run_id, task_id)), lambda: served()["requests"]
    )
    ctx.notes.append(f"killed task process {proc.pid} after {killed_at} requests, {seen} row groups saved")
    assert killed_at < UPSERT_ROW_GROUPS, f"{ctx.name}: try 1 had sent everything before the kill{where()}"

    state = ctx.rest.wait_run(dag_id, run_id, timeout=RUN_TIMEOUT)
    assert state == "success", f"{ctx.name}: run {state}{where()}"
    assert_tasks(ctx, dag_id, run_id, {task_id: ("success", 2)}, where())
    log = ctx.rest.task_log(dag_id, run_id, task_id, 2)
    match = RESUMING.search(log)
    assert match, f"{ctx.name}: try 2 does not say it resumed{where()}\n--- try 2 log ---\n{log[-3000:]}"
    resumed = int(match.group(1))
    summary = ctx.rest.xcom(dag_id, run_id, task_id)
    stats, final = served(), saved_position(ctx, dag_id, run_id, task_id)
    problems = []
    if resumed != seen:  # exact: no save was under way at the kill (see kill_between_saves)
        problems.append(f"try 2 resumed after {resumed} row groups, try 1 had saved {seen}")
    # Try 2 sends the row groups after the saved position, one request each (no 429 at 4/s); its
    # totals start from the saved ones, so they cover the whole load.
    expected = {"upserted": {namespace: rows}, "upserted_total": rows, "skipped_total": 0,
                "resumed_row_groups": seen, "requests": UPSERT_ROW_GROUPS - seen, "throttled_retries": 0}  # fmt: skip
    got = {k: summary.get(k) for k in expected} if isinstance(summary, dict) else summary
    if got != expected:
        problems.append(f"the returned summary {got}, expected {expected}")
    if ctx.emulator.namespace_counts(index) != {namespace: rows}:
        problems.append(f"the index holds {ctx.emulator.namespace_counts(index)}, expected {rows} in {namespace}")
    # Served twice: exactly the row groups try 1 had sent after its save (one more if a request was
    # in flight at the kill), which the index overwrote by id (its count above). Not a start-over.
    resent = stats["records"] - rows
    if stats["records"] != UPSERT_GROUP_ROWS * stats["requests"] or resent not in (
        UPSERT_GROUP_ROWS * (killed_at - seen),
        UPSERT_GROUP_ROWS * (killed_at + 1 - seen),
    ):
        problems.append(f"{stats['records']} records served in {stats['requests']} requests: {resent} twice, expected "
                        f"the {killed_at - seen} (or one more) row groups try 1 sent after saving {seen}")  # fmt: skip
    if stats["throttled"] or ctx.imports(index, uri):
        problems.append(f"{stats['throttled']} requests throttled at 4/s, imports {ctx.imports(index, uri)}")
    if (
        not final
        or list(final["next_row_group"].values()) != [UPSERT_ROW_GROUPS]
        or final["totals"]["upserted"] != {namespace: rows}
    ):
        problems.append(f"the state store ends at {final}, expected every row group and {rows} records")
    # Records saved by try 1, the first and the last sent by both tries, the last of the file.
    sample = sorted({0, seen * UPSERT_GROUP_ROWS, killed_at * UPSERT_GROUP_ROWS - 1, rows - 1})
    stored = {r.id: r for r in ctx.emulator.fetch(index, namespace, [f"rec-{i}" for i in sample])}
    for i in sample:
        record, source = stored.get(f"rec-{i}"), table.slice(i, 1).to_pylist()[0]
        if (
            record is None
            or not np.array_equal(np.float32(record.values), np.float32(source["values"]))
            or record.metadata != json.loads(source["metadata"])
        ):
            problems.append(f"rec-{i} stored as {record}, expected {source}")
    assert not problems, f"{ctx.name}: " + "\n".join(problems) + where()


def test_upsert_worker_killed(scenarios: ScenarioRunner) -> None:
    """SIGKILL of UpsertOperator's task process mid-load: try 2 resumes after the saved row groups; exactly
    2,000 records, and only the acknowledged-but-unsaved row groups were sent twice."""
    scenarios.result("upsert_worker_killed")


# 14. Assets: an upsert's asset event schedules a DAG scheduled on pinecone://<index>/<namespace>


@scenario
def scenario_asset_downstream(ctx: Scenario) -> None:
    producer, consumer, namespace = "deploy_asset_upsert", "deploy_asset_consumer", "articles"
    index, uri = ctx.index(), ctx.uri()  # the index is "asset-downstream": the consumer's asset names it
    ctx.write_dataset(uri, {namespace: 40})
    existing = {run["dag_run_id"] for run in ctx.rest.get(f"/api/v2/dags/{consumer}/dagRuns")["dag_runs"]}
    run_id = ctx.trigger(producer, {"index_name": index, "uri": uri})
    where = lambda: ctx.context(producer, run_id, index, uri)  # noqa: E731
    state = ctx.rest.wait_run(producer, run_id, timeout=RUN_TIMEOUT)
    assert state == "success", f"{ctx.name}: the upsert run {state}{where()}"

    def consumer_run() -> dict[str, Any] | None:
        runs = ctx.rest.get(f"/api/v2/dags/{consumer}/dagRuns")["dag_runs"]
        return next((run for run in runs if run["dag_run_id"] not in existing), None)

    run = ctx.rest.wait(consumer_run, 30, f"{ctx.name}: a run of {consumer} after the asset event")
    ctx.runs.append((consumer, run["dag_run_id"]))
    assert run["run_type"] == "asset_triggered", f"{ctx.name}: {consumer} run {run}{where()}"
    state = ctx.rest.wait_run(consumer, run["dag_run_id"], timeout=RUN_TIMEOUT)
    assert state == "success", f"{ctx.name}: the consumer run {state}{where()}"
    event = ctx.rest.xcom(consumer, run["dag_run_id"], "read_event")
    expected_extra = {"index": index, "namespace": namespace, "records": 40, "source_uri": uri}
    assert isinstance(event, dict), f"{ctx.name}: the consumer returned {event!r}{where()}"
    got = {key: event["extra"].get(key) for key in expected_extra}
    assert (got, event["source_dag_id"], event["source_run_id"]) == (expected_extra, producer, run_id), (
        f"{ctx.name}: the triggering event {event}{where()}"
    )
    assert event["extra"]["load"]["upserted_total"] == 40, f"{ctx.name}: {event}{where()}"


def test_asset_downstream(scenarios: ScenarioRunner) -> None:
    """An upsert emits pinecone://asset-downstream/articles; the DAG scheduled on that asset runs after it,
    triggered by that event, and reads the event's extra (records, source URI, load summary)."""
    scenarios.result("asset_downstream")
