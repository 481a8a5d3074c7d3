"""Fan-out benchmark: CPU per poll and memory of N concurrent ``ImportTrigger`` s on one event loop.

What it measures
    N triggers (default 1,000) wait for N Pinecone bulk imports in ONE asyncio event loop, as they
    would in an Airflow triggerer, against the provider's Pinecone emulator. For each way of polling
    it reports: how many ``describe_import`` polls were made, the CPU seconds the benchmark process
    spent (``time.process_time()``: user + system, all threads of this process only), CPU seconds per
    1,000 polls (= CPU ms per poll), RSS growth (peak RSS while the triggers run, sampled every 50 ms
    with psutil, minus RSS just before they were created) and the worst event-loop lag (how late a
    50 ms timer fired).

    * ``ours``: ``airflow_provider_pinecone.triggers.imports.ImportTrigger``, each driven to its first
      event with ``asyncio.gather`` (all triggers share the loop's pooled ``aiohttp`` session).
    * ``aiohttp`` (floor): a bare poller on one shared ``aiohttp.ClientSession`` with as many
      connections as ours: GET the status, parse the JSON, sleep the same jittered interval. No
      Airflow, no retries, no logging.
    * ``raw`` (floor): the same poller on hand-written HTTP/1.1 over 64 keep-alive asyncio streams.
    * ``sdk``: the old baseline, a trigger as a user would write it with the official ``pinecone``
      SDK's asyncio client: every poll opens ``PineconeAsyncio`` (alias of ``pinecone.AsyncPinecone``)
      and an ``IndexAsyncio`` data-plane client, calls ``describe_import`` and closes both.

How
    The parent process starts a fresh emulator in a separate process per mode (so the emulator's CPU is
    never counted), then re-invokes this script with ``--mode MODE`` in a fresh subprocess (so the
    modes share no memory, imported modules or connection pools). The child creates the imports
    (setup, not measured), does one warm-up poll so that lazy imports are not measured, then measures
    the fan-out and prints one JSON line. The parent prints a side-by-side table and checks the targets
    (issue 13): ours at most 1.0 ms of CPU per poll and at most 3x the aiohttp floor, at most 30 MiB
    RSS growth for 1,000 triggers, an event-loop lag of at most 0.5 s, and (when ``sdk`` runs) ours
    at most 1/5 of the SDK pattern's CPU per poll. Targets are reported, not asserted: the exit status
    is 0 unless the run itself breaks. Compare ratios within one run: the machine may be shared.

Usage
    .venv/bin/python benchmarks/trigger_fanout.py                  # 1,000 triggers
    .venv/bin/python benchmarks/trigger_fanout.py --quick          # 100-trigger smoke run
    .venv/bin/python benchmarks/trigger_fanout.py --triggers 500 --poll-interval 1 --import-duration 6
    .venv/bin/python benchmarks/trigger_fanout.py --modes ours,aiohttp,raw   # without the slow SDK baseline
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TextIO

API_KEY = "bench-key"
API_VERSION = "2025-10"
INDEX_NAME = "bench"
CONN_ID = "pinecone_default"
IMPORT_URI = "s3://bench/dir"
MODES = ("ours", "aiohttp", "raw", "sdk")
FLOOR_MODES = ("aiohttp", "raw")
TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Cancelled"})

DEFAULT_TRIGGERS = 1_000
QUICK_TRIGGERS = 100
DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_IMPORT_DURATION = 10.0
RSS_SAMPLE_SECONDS = 0.05
EMULATOR_START_TIMEOUT = 30.0
CHILD_TIMEOUT = 900.0

CPU_RATIO_TARGET = 1 / 5
CPU_PER_POLL_TARGET_MS = 1.0
FLOOR_RATIO_TARGET = 3.0
LOOP_LAG_TARGET_SECONDS = 0.5
FLOOR_CONNECTIONS = 64  # as many as ours keeps (client/pool.py)
RSS_TARGET_MIB = 30.0
RSS_TARGET_TRIGGERS = 1_000
MIB = 1024 * 1024


@dataclass
class ModeResult:
    """What one ``--mode`` child measured (sent to the parent as one JSON line)."""

    mode: str
    triggers: int
    polls: int
    cpu_seconds: float
    wall_seconds: float
    rss_before_mib: float
    rss_peak_mib: float
    max_loop_lag_seconds: float
    statuses: dict[str, int]

    @property
    def rss_growth_mib(self) -> float:
        return self.rss_peak_mib - self.rss_before_mib

    @property
    def cpu_per_1000_polls(self) -> float:
        return self.cpu_seconds / self.polls * 1000 if self.polls else float("nan")


# ================================================================================ child: shared parts


@dataclass
class PollCounter:
    """Successful ``describe_import`` calls made by the triggers under test."""

    polls: int = 0


@dataclass
class LoopSample:
    """Peak RSS and worst event-loop lateness seen by :func:`sample_loop`."""

    peak_rss: int
    max_lag: float = 0.0


def configure_airflow_env(host: str, home: str) -> None:
    """Point Airflow at a throwaway home and the emulator's index; must run before importing Airflow.

    The connection comes from ``AIRFLOW_CONN_PINECONE_DEFAULT``. Outside a task (no supervisor comms,
    no ``_AIRFLOW_PROCESS_CONTEXT``) the Task SDK's ``ensure_secrets_backend_loaded`` uses its fallback
    chain, whose first backend is the environment-variables one, so ``BaseHook.aget_connection`` works
    here without a triggerer or API server.
    """
    os.environ.setdefault("AIRFLOW_HOME", home)
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(
        {"conn_type": "pinecone_bulk", "password": API_KEY, "host": host}
    )


def create_imports(host: str, count: int) -> list[str]:
    """Start ``count`` imports on the emulator over plain HTTP (setup: never measured)."""
    import httpx

    headers = {"Api-Key": API_KEY, "X-Pinecone-Api-Version": API_VERSION}
    body = {"uri": IMPORT_URI, "errorMode": {"onError": "continue"}}
    with httpx.Client(base_url=f"http://{host}", headers=headers, timeout=30.0) as client:
        ids = []
        for _ in range(count):
            response = client.post("/bulk/imports", json=body)
            response.raise_for_status()
            ids.append(response.json()["id"])
        return ids


def rss_bytes() -> int:
    import psutil

    return psutil.Process().memory_info().rss


async def sample_loop(done: asyncio.Event, sample: LoopSample) -> None:
    """Every 50 ms record RSS and how late this task woke up (a saturated loop wakes it late)."""
    loop = asyncio.get_running_loop()
    while not done.is_set():
        expected = loop.time() + RSS_SAMPLE_SECONDS
        try:
            await asyncio.wait_for(done.wait(), RSS_SAMPLE_SECONDS)
        except TimeoutError:
            sample.max_lag = max(sample.max_lag, loop.time() - expected)
        sample.peak_rss = max(sample.peak_rss, rss_bytes())


async def measure(mode: str, counter: PollCounter, build: Callable[[], list[Awaitable[str]]]) -> ModeResult:
    """Run the awaitables ``build`` returns concurrently; CPU and RSS cover building them too."""
    gc.collect()  # drop setup garbage so it is neither counted nor freed during the run
    before = rss_bytes()
    sample = LoopSample(peak_rss=before)
    done = asyncio.Event()
    sampler = asyncio.create_task(sample_loop(done, sample))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    statuses = await asyncio.gather(*build())
    cpu1, wall1 = time.process_time(), time.perf_counter()
    sample.peak_rss = max(sample.peak_rss, rss_bytes())
    done.set()
    await sampler
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ModeResult(
        mode=mode,
        triggers=len(statuses),
        polls=counter.polls,
        cpu_seconds=cpu1 - cpu0,
        wall_seconds=wall1 - wall0,
        rss_before_mib=before / MIB,
        rss_peak_mib=sample.peak_rss / MIB,
        max_loop_lag_seconds=sample.max_lag,
        statuses=counts,
    )


# ================================================================================ child: ours


def install_poll_counter(counter: PollCounter) -> None:
    """Count successful polls by wrapping ``PineconeHook.adescribe_import`` (benchmark-only patch)."""
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook

    original = PineconeHook.adescribe_import

    async def counting(self: PineconeHook, import_id: str) -> Any:
        result = await original(self, import_id)
        counter.polls += 1
        return result

    PineconeHook.adescribe_import = counting  # type: ignore[method-assign]


async def first_event_status(trigger: Any) -> str:
    """Drive ``trigger.run()`` to its first event, then close it as the triggerer does."""
    events = trigger.run()
    try:
        event = await anext(events)
    finally:
        await events.aclose()  # releases the shared HTTP client the generator holds
    return str(event.payload["status"])


async def run_ours(
    host: str, import_ids: list[str], warmup_id: str, poll_interval: float, deadline: float
) -> ModeResult:
    """Measure N ``ImportTrigger`` s after one warm-up poll through the same hook/client path."""
    from airflow_provider_pinecone.hooks.pinecone import PineconeHook
    from airflow_provider_pinecone.triggers.imports import ImportTrigger

    # Warm-up loads httpx/h11/tenacity and the connection machinery; the shared client closes after.
    async with PineconeHook(CONN_ID).session() as hook:
        await hook.adescribe_import(warmup_id)

    counter = PollCounter()
    install_poll_counter(counter)

    def build() -> list[Awaitable[str]]:
        triggers = [
            ImportTrigger(import_id=i, pinecone_conn_id=CONN_ID, poll_interval=poll_interval, deadline=deadline)
            for i in import_ids
        ]
        return [first_event_status(t) for t in triggers]

    return await measure("ours", counter, build)


# ================================================================================ child: sdk baseline


async def sdk_describe(host_url: str, import_id: str) -> Any:
    """One poll the way the SDK's docs show it: a client per call, closed after the call."""
    from pinecone import PineconeAsyncio

    async with PineconeAsyncio(api_key=API_KEY) as pc:
        # ``async with`` on the index too: PineconeAsyncio.close() does not close index clients,
        # and leaking one socket per poll would inflate the baseline's memory unfairly.
        async with pc.IndexAsyncio(host=host_url) as idx:
            return await idx.describe_import(import_id)


def sdk_trigger_class() -> type:
    """Build the baseline trigger class (Airflow is imported lazily, after the env is set)."""
    from airflow.triggers.base import BaseTrigger, TriggerEvent

    class SdkImportTrigger(BaseTrigger):
        """A trigger as a user would write it on the ``pinecone`` SDK; same loop and logging as ours."""

        def __init__(
            self, import_id: str, host_url: str, poll_interval: float, deadline: float, counter: PollCounter
        ) -> None:
            super().__init__()
            self.import_id, self.host_url = import_id, host_url
            self.poll_interval, self.deadline, self.counter = poll_interval, deadline, counter

        def serialize(self) -> tuple[str, dict[str, Any]]:
            return (f"{__name__}.SdkImportTrigger", {"import_id": self.import_id})

        async def run(self) -> AsyncIterator[TriggerEvent]:
            while True:
                imp = await sdk_describe(self.host_url, self.import_id)
                self.counter.polls += 1
                # One progress line per poll, as ImportTrigger logs (polling.ProgressLog).
                self.log.info("Pinecone import %s: %s, %s%%", imp.id, imp.status, imp.percent_complete)
                if imp.status in TERMINAL_STATUSES:
                    yield TriggerEvent({"status": _SDK_EVENT_STATUS[imp.status], "import_id": imp.id})
                    return
                if time.time() >= self.deadline:
                    yield TriggerEvent({"status": "timeout", "import_id": self.import_id})
                    return
                await asyncio.sleep(self.poll_interval)

    return SdkImportTrigger


# The baseline reports the same event statuses as ImportTrigger, so the two runs compare directly.
_SDK_EVENT_STATUS = {"Completed": "success", "Failed": "failed", "Cancelled": "cancelled"}


async def run_sdk(
    host: str, import_ids: list[str], warmup_id: str, poll_interval: float, deadline: float
) -> ModeResult:
    """Measure N SDK-based triggers after one warm-up poll (loads the SDK's lazy modules)."""
    host_url = f"http://{host}"
    await sdk_describe(host_url, warmup_id)
    trigger_class = sdk_trigger_class()
    counter = PollCounter()

    def build() -> list[Awaitable[str]]:
        triggers = [trigger_class(i, host_url, poll_interval, deadline, counter) for i in import_ids]
        return [first_event_status(t) for t in triggers]

    return await measure("sdk", counter, build)


# ================================================================================ child: floor pollers


def floor_poll_path(import_id: str) -> str:
    return f"/bulk/imports/{import_id}"


async def poll_until_done(
    describe: Callable[[str], Awaitable[dict[str, Any]]], import_id: str, poll_interval: float, counter: PollCounter
) -> str:
    """The floor's trigger loop: poll, stop at a terminal status, sleep the same jittered interval.

    No Airflow, no retries, no logging: the least any poller of this status must do.
    """
    while True:
        body = await describe(import_id)
        counter.polls += 1
        status = body["status"]
        if status in TERMINAL_STATUSES:
            return _SDK_EVENT_STATUS[status]
        await asyncio.sleep(poll_interval * random.uniform(0.9, 1.1))


async def run_aiohttp(
    host: str, import_ids: list[str], warmup_id: str, poll_interval: float, deadline: float
) -> ModeResult:
    """Floor: one bare ``aiohttp.ClientSession`` (64 keep-alive connections) shared by every poller."""
    import aiohttp

    headers = {"Api-Key": API_KEY, "X-Pinecone-Api-Version": API_VERSION, "Accept": "application/json"}
    connector = aiohttp.TCPConnector(limit=FLOOR_CONNECTIONS, keepalive_timeout=30.0)
    async with aiohttp.ClientSession(f"http://{host}", connector=connector, headers=headers) as session:

        async def describe(import_id: str) -> dict[str, Any]:
            async with session.get(floor_poll_path(import_id)) as response:
                response.raise_for_status()
                return json.loads(await response.read())  # type: ignore[no-any-return]

        await describe(warmup_id)
        counter = PollCounter()
        return await measure(
            "aiohttp", counter, lambda: [poll_until_done(describe, i, poll_interval, counter) for i in import_ids]
        )


class RawHttpPool:
    """Floor: HTTP/1.1 GETs on a pool of keep-alive asyncio stream connections, parsed by hand."""

    def __init__(self, host: str, size: int) -> None:
        self.address = host.rsplit(":", 1)
        self.host = host
        self.size = size
        self.opened = 0
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            return await asyncio.open_connection(self.address[0], int(self.address[1]))
        return await self.idle.get()

    async def get_json(self, path: str) -> dict[str, Any]:
        reader, writer = await self._connection()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nApi-Key: {API_KEY}\r\n"
            f"X-Pinecone-Api-Version: {API_VERSION}\r\nAccept: application/json\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        if status_line.split(" ", 2)[1] != "200":
            raise RuntimeError(f"raw poller: {status_line}")
        length = next(int(line.split(":", 1)[1]) for line in header_lines if line.lower().startswith("content-length:"))
        body = await reader.readexactly(length)
        self.idle.put_nowait((reader, writer))
        return json.loads(body)  # type: ignore[no-any-return]

    async def close(self) -> None:
        while not self.idle.empty():
            _, writer = self.idle.get_nowait()
            writer.close()
            await writer.wait_closed()


async def run_raw(
    host: str, import_ids: list[str], warmup_id: str, poll_interval: float, deadline: float
) -> ModeResult:
    """Floor: raw asyncio HTTP/1.1 (64 keep-alive connections), no HTTP library at all."""
    pool = RawHttpPool(host, FLOOR_CONNECTIONS)

    async def describe(import_id: str) -> dict[str, Any]:
        return await pool.get_json(floor_poll_path(import_id))

    await describe(warmup_id)
    counter = PollCounter()
    try:
        return await measure(
            "raw", counter, lambda: [poll_until_done(describe, i, poll_interval, counter) for i in import_ids]
        )
    finally:
        await pool.close()


RUNNERS = {"ours": run_ours, "aiohttp": run_aiohttp, "raw": run_raw, "sdk": run_sdk}


def child_main(args: argparse.Namespace) -> int:
    """``--mode``: set up, measure one mode, write its :class:`ModeResult` as JSON to ``--result-file``."""
    configure_airflow_env(args.host, tempfile.mkdtemp(prefix="fanout-airflow-home-"))
    if args.mode not in FLOOR_MODES:
        # Both triggers import Airflow (setup, not measured): it configures logging, so both triggers'
        # INFO lines go through the same structlog pipeline, as they would in a triggerer.
        import airflow.triggers.base  # noqa: F401

    warmup_id, *import_ids = create_imports(args.host, args.triggers + 1)
    # A generous safety net so a stuck run ends with "timeout" events instead of hanging.
    deadline = time.time() + 10 * args.import_duration + 300
    runner = RUNNERS[args.mode]
    result = asyncio.run(runner(args.host, import_ids, warmup_id, args.poll_interval, deadline))
    # A file, not stdout: Airflow's logging writes to stdout.
    Path(args.result_file).write_text(json.dumps(asdict(result)))
    return 0


# ================================================================================ parent


@dataclass
class Emulator:
    """The emulator subprocess and the data-plane host of the benchmark index."""

    process: subprocess.Popen[str]
    host: str


def _read_lines(stream: TextIO, lines: queue.Queue[str | None]) -> None:
    # A thread, so waiting for readiness can have a deadline even if the emulator prints nothing.
    for line in stream:
        lines.put(line)
    lines.put(None)


def start_emulator(import_duration: float, log_dir: Path, label: str) -> Emulator:
    """Start the emulator in its own process and wait (bounded) for the benchmark index's host."""
    stderr = open(log_dir / f"emulator-{label}.log", "w")  # noqa: SIM115 (closed with the process)
    command = [
        sys.executable, "-m", "airflow_provider_pinecone.testing.emulator",
        "--port", "0", "--api-key", API_KEY, "--index", f"{INDEX_NAME}:8",
        "--import-duration", str(import_duration), "--indexing-delay", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
    stderr.close()  # the child holds its own descriptor
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    deadline = time.monotonic() + EMULATOR_START_TIMEOUT
    prefix = f"index {INDEX_NAME} host="
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            stop_emulator(process)
            raise RuntimeError(f"The emulator did not report its index host; see {log_dir}/emulator-{label}.log")
        if line.startswith(prefix):
            return Emulator(process, line[len(prefix) :].strip())


def stop_emulator(process: subprocess.Popen[str]) -> None:
    """SIGTERM (the emulator exits cleanly on it), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_mode(mode: str, args: argparse.Namespace, log_dir: Path) -> ModeResult:
    """Run one mode in a fresh child process against a fresh emulator."""
    emulator = start_emulator(args.import_duration, log_dir, mode)
    log_path, result_path = log_dir / f"{mode}.log", log_dir / f"{mode}.json"
    try:
        command = [
            sys.executable, str(Path(__file__).resolve()), "--mode", mode, "--host", emulator.host,
            "--result-file", str(result_path), "--triggers", str(args.triggers),
            "--poll-interval", str(args.poll_interval), "--import-duration", str(args.import_duration),
        ]  # fmt: skip
        with open(log_path, "w") as log:
            # Trigger logs go to a file: they are produced (and cost CPU) but do not flood the terminal.
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=CHILD_TIMEOUT)
    finally:
        stop_emulator(emulator.process)
    if done.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"--mode {mode} failed with exit status {done.returncode}; see {log_path}")
    data = json.loads(result_path.read_text())
    return ModeResult(**{f.name: data[f.name] for f in fields(ModeResult)})


def format_table(results: Sequence[ModeResult]) -> str:
    """The side-by-side table (plain text, also valid inside a Markdown code block)."""
    header = (
        f"{'mode':<8} {'triggers':>8} {'polls':>7} {'CPU s':>8} {'CPU s/1k polls':>15} "
        f"{'RSS growth MiB':>15} {'wall s':>7} {'max loop lag s':>15}"
    )
    rows = [header, "-" * len(header)]
    for r in results:
        rows.append(
            f"{r.mode:<8} {r.triggers:>8,} {r.polls:>7,} {r.cpu_seconds:>8.2f} {r.cpu_per_1000_polls:>15.3f} "
            f"{r.rss_growth_mib:>15.1f} {r.wall_seconds:>7.1f} {r.max_loop_lag_seconds:>15.2f}"
        )
    return "\n".join(rows)


def verdict(results: Sequence[ModeResult]) -> list[str]:
    """The ratio and PASS/FAIL lines of every target whose modes ran."""
    by_mode = {r.mode: r for r in results}
    ours = by_mode.get("ours")
    if ours is None:
        return ["no verdict: the ours mode did not run"]
    ms_per_poll = ours.cpu_per_1000_polls  # CPU s per 1,000 polls = CPU ms per poll
    lines = [
        f"CPU per poll, ours: {ms_per_poll:.3f} ms; target <= {CPU_PER_POLL_TARGET_MS:.1f} ms: "
        + ("PASS" if ms_per_poll <= CPU_PER_POLL_TARGET_MS else "FAIL")
    ]
    for floor in FLOOR_MODES:
        if floor in by_mode:
            ratio = ours.cpu_per_1000_polls / by_mode[floor].cpu_per_1000_polls
            line = f"CPU per poll, ours / {floor}: {ratio:.2f}x"
            if floor == "aiohttp":
                line += f"; target <= {FLOOR_RATIO_TARGET:g}x: {'PASS' if ratio <= FLOOR_RATIO_TARGET else 'FAIL'}"
            lines.append(line)
    if "sdk" in by_mode:
        ratio = ours.cpu_per_1000_polls / by_mode["sdk"].cpu_per_1000_polls
        lines.append(
            f"CPU per poll, ours / sdk: {ratio:.3f}; target <= {CPU_RATIO_TARGET:.2f}: "
            + ("PASS" if ratio <= CPU_RATIO_TARGET else "FAIL")
        )
    if ours.triggers == RSS_TARGET_TRIGGERS:
        rss_ok = ours.rss_growth_mib <= RSS_TARGET_MIB
        lines.append(
            f"RSS growth, ours: {ours.rss_growth_mib:.1f} MiB; target <= {RSS_TARGET_MIB:.0f} MiB for "
            f"{RSS_TARGET_TRIGGERS:,} triggers: {'PASS' if rss_ok else 'FAIL'}"
        )
    else:
        lines.append(
            f"RSS growth, ours: {ours.rss_growth_mib:.1f} MiB; target n/a (defined for "
            f"{RSS_TARGET_TRIGGERS:,} triggers, this run has {ours.triggers:,})"
        )
    lag_ok = ours.max_loop_lag_seconds <= LOOP_LAG_TARGET_SECONDS
    lines.append(
        f"Event-loop lag, ours: {ours.max_loop_lag_seconds:.2f} s; target <= {LOOP_LAG_TARGET_SECONDS:g} s: "
        + ("PASS" if lag_ok else "FAIL")
    )
    return lines


def broken_runs(results: Sequence[ModeResult]) -> list[str]:
    """Reasons the run did not measure the intended workload (every trigger seeing its import complete)."""
    problems = []
    for r in results:
        if r.statuses != {"success": r.triggers}:
            problems.append(f"{r.mode}: not every trigger saw its import complete: {r.statuses}")
        if r.polls < r.triggers:
            problems.append(f"{r.mode}: fewer polls ({r.polls}) than triggers ({r.triggers})")
    return problems


def parent_main(args: argparse.Namespace) -> int:
    """Run both modes, print the table and the verdict; exit 1 only if a run broke."""
    log_dir = Path(tempfile.mkdtemp(prefix="trigger-fanout-"))
    print(
        f"trigger fan-out: {args.triggers:,} triggers, poll interval {args.poll_interval:g} s, "
        f"import duration {args.import_duration:g} s, {os.cpu_count()} CPUs, logs in {log_dir}",
        flush=True,
    )
    results = [run_mode(mode, args, log_dir) for mode in args.modes]
    print()
    print(format_table(results))
    print()
    print("\n".join(verdict(results)))
    problems = broken_runs(results)
    for problem in problems:
        print(f"INVALID RUN: {problem}", file=sys.stderr)
    return 1 if problems else 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--triggers", type=int, default=None, help=f"concurrent triggers (default {DEFAULT_TRIGGERS:,})"
    )
    parser.add_argument("--poll-interval", type=float, default=DEFAULT_POLL_INTERVAL, help="seconds between polls")
    parser.add_argument(
        "--import-duration", type=float, default=DEFAULT_IMPORT_DURATION, help="seconds each emulated import takes"
    )
    parser.add_argument("--quick", action="store_true", help=f"smoke run with {QUICK_TRIGGERS} triggers")
    parser.add_argument(
        "--modes", default=",".join(MODES), help=f"comma-separated modes to run, in order (default {','.join(MODES)})"
    )
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # internal: the measuring child
    parser.add_argument("--host", help=argparse.SUPPRESS)  # internal: emulator data-plane host for --mode
    parser.add_argument("--result-file", help=argparse.SUPPRESS)  # internal: where --mode writes its JSON
    args = parser.parse_args(argv)
    if args.triggers is None:
        args.triggers = QUICK_TRIGGERS if args.quick else DEFAULT_TRIGGERS
    if args.triggers < 1 or args.poll_interval <= 0 or args.import_duration < 0:
        parser.error("--triggers must be >= 1, --poll-interval > 0 and --import-duration >= 0")
    if args.mode and not (args.host and args.result_file):
        parser.error("--mode needs --host and --result-file")
    args.modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    unknown = sorted(set(args.modes) - set(MODES))
    if unknown or not args.modes:
        parser.error(f"--modes takes a comma-separated list of {', '.join(MODES)}; got {unknown or 'none'}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return child_main(args) if args.mode else parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
