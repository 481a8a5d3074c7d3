"""Upsert throughput: records/s, client CPU, peak RSS and requests of ``UpsertOperator`` against the
official ``pinecone`` SDK's parallel upsert, on 100,000 records of 768 dimensions from Parquet on S3.

What it measures
    One Parquet file ``s3://upsert-bench/data/part-0.parquet`` on a local S3 server (moto, in its own
    process) holds N records (default 100,000): ``id`` ``rec-<i>``, ``values`` 768 float32 (uniform in
    [-1, 1), seeded), ``metadata`` a JSON object of two fields, in row groups of 10,000 rows (about
    300 MiB). Every run loads the whole file into namespace ``bench`` of a fresh 768-dimension index
    of the Pinecone emulator and reports, for the client process alone:

    * records/s: records acknowledged / wall time of the load (reading the file included);
    * client CPU s per 100,000 records: ``getrusage(RUSAGE_SELF)`` user + system of the measuring
      process (all its threads) over the load, scaled to 100,000 records;
    * peak RSS: the measuring process's ``VmHWM`` (``/proc/self/status``) at its end, imports
      included (not ``ru_maxrss``: on Linux that carries the parent's peak across ``execve``);
    * requests and throttled retries: upsert requests the emulator served plus those it answered 429
      (its own rate limit, or injected), counted by the server; ours also reports its own count.

    The sides:

    * ``ours``: ``UpsertOperator(uri=<the file>, namespace="bench").execute(context)`` as a worker
      runs it: one listing, ranged reads of row groups in a reading thread, pre-flight's record checks,
      orjson fragments packed into bodies of up to 1,000 records / 2 MiB, ``max_concurrency``
      requests in flight (default 8). For the throughput rows its client-side throttle is raised out
      of the way (``max_requests_per_second=1e6``, ``max_bytes_per_second=1e12``), because the
      emulator's rate limit is off there and the SDK has no throttle.
    * ``sdk``: what a user writes with ``pinecone`` 10.2.0: ``pyarrow.fs.S3FileSystem`` +
      ``pq.ParquetFile(...).iter_batches(10,000 rows)`` (a row group at a time), each batch turned into
      ``(id, values row, json.loads(metadata))`` tuples (the SDK wants metadata as a dict) and sent with
      ``Index(host=...).upsert(vectors=..., batch_size=B, max_concurrency=C, show_progress=False)``,
      the SDK's own parallel upsert (a thread pool with per-host AIMD). The read and the conversion are
      in its time. Swept over batch sizes and concurrencies; its best wall throughput and its best
      CPU (each from whichever setting gave it) are the anchors every row is compared with. The SDK
      writes float32 values as Python floats (17 significant digits, ~15 KiB a record at 768
      dimensions), so a 2 MiB request holds at most ~135 of its records: batch sizes above that are
      refused with 400 by the service (and the emulator), so the sweep stops at 128.
    * ``sdk-async``: the same with ``AsyncIndex.upsert`` (``pinecone.AsyncIndex``) on asyncio.
    * ``airflow-hook``: ``apache-airflow-providers-pinecone``'s ``PineconeHook.upsert_data_async``
      with an Airflow connection of its type, a row group at a time (it takes a list of tuples and
      writes the default namespace). It opens the index by name only (``Pinecone(host=<control
      plane>).Index(index_name)``: the SDK resolves the host through ``describe_index`` and dials
      ``https://``), so it runs against a second emulator serving HTTPS (``tls=True``), its CA trusted
      through ``SSL_CERT_FILE``. Its loop is chunks of 100 records, each sent with
      ``index.upsert(vectors=chunk)`` one after another (no ``batch_size``, so the ``pool_threads`` it
      maps to ``max_concurrency`` has no effect); ``--hook-loop`` adds the ``sdk`` row at batch size
      100 and concurrency 1, the same calls over plain HTTP.

    Extra rows for ours: the emulator's per-namespace rate limit ON (Pinecone's 100 requests/s and
    50 MB/s, so at most ~5,900 records/s of 768 dimensions; ours at its default throttle), and 20 %
    injected 429s (``429=0.2,retry_after=0.05@^/vectors/upsert``, limits off). After every run the
    parent checks the namespace holds exactly N records, that the emulator served exactly N records
    in all (none written twice, none lost), and that a sample of 200 ids holds the file's values and
    metadata.

    Peak RSS on a 1 GB file: a ~1 GiB Parquet file (~345,000 records, row groups of 10,000 rows) and
    the same records in ONE row group, loaded by ours into a sink instead of the emulator (which would
    need ~9 GB to hold them): a small local HTTP server in this script's parent process that answers
    ``describe_index_stats`` for a 768-dimension index and ``{"upsertedCount": n}`` to
    ``POST /vectors/upsert``, counting ``"id":`` in the body. Only ours' peak RSS (and speed) is
    measured there; the records themselves are not checked.

How
    The parent starts moto, writes the files (setup, not measured), and runs the emulator in its own
    process (the parent's: its CPU is reported as "srv CPU s", to show where a 2-core machine's time
    goes; with the collector settings of the emulator's command line, ``tune_gc_for_serving``). Each
    measured run is a fresh child process of this script (``--side``), so no two runs
    share memory, modules or connection pools, against a fresh index (deleted afterwards, so the
    emulator holds one load at a time). The child imports what it needs first (not measured), then
    measures the load and writes one JSON result. The parent prints one table, with each row's
    ratios to the SDK's best, and checks the targets: ours' client CPU at most 1/3 of the SDK's best,
    its wall throughput at least 2x the SDK's best, peak RSS under 300 MiB on the 1 GB file, and 0
    records lost or duplicated with 20 % injected 429s. Targets are reported, not asserted: the exit
    status is 0 unless a run broke (a load short, or a sample that does not match).

Usage
    .venv/bin/python benchmarks/upsert_throughput.py            # 100,000 records + two 1 GiB files (~10 min)
    .venv/bin/python benchmarks/upsert_throughput.py --quick    # 2,000 records, one SDK setting (smoke run)
    .venv/bin/python benchmarks/upsert_throughput.py --records 20000 --batch-sizes 100 --concurrency 8 16
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

API_KEY = "bench-key"
CONN_ID = "pinecone_default"
DIMENSION = 768
NAMESPACE = "bench"
DEFAULT_NAMESPACE = "__default__"  # how Pinecone names the default namespace ("" on the wire)
BUCKET = "upsert-bench"
DATA_KEY = "data/part-0.parquet"
SMALL_KEY = "small/part-0.parquet"  # the file's first SMALL_RECORDS records, for the marginal CPU
SMALL_RECORDS = 2_000
MIN_MARGINAL_RECORDS = 20_000  # below this, the difference of two runs is mostly noise
FLOOR_BATCH_ROWS = 1_000  # the floor's decoding batches: small ones decode cheapest on one thread
RSS_KEY = "rss/part-0.parquet"
RSS_ONE_GROUP_KEY = "rss-one-row-group/part-0.parquet"
ROW_GROUP_ROWS = 10_000
SDK_CHUNK_ROWS = 10_000  # the SDK reads and sends a row group at a time (bounded memory, as a user would)
CATEGORIES = ("news", "science", "sports", "travel", "food")
SEED = 20261130

DEFAULT_RECORDS = 100_000
QUICK_RECORDS = 2_000
DEFAULT_BATCH_SIZES = (100, 128)
QUICK_BATCH_SIZES = (100,)
DEFAULT_CONCURRENCY = (8, 16, 32)
QUICK_CONCURRENCY = (8,)
DEFAULT_ASYNC_CONCURRENCY = (32,)
OURS_CONCURRENCY = 8  # UpsertOperator's default
RSS_FILE_BYTES = 1 << 30
QUICK_RSS_FILE_BYTES = 16 << 20
SAMPLE_IDS = 200
FAULT_SPEC = "429=0.2,retry_after=0.05@^/vectors/upsert"
UNTHROTTLED = {"max_requests_per_second": 1e6, "max_bytes_per_second": 1e12}
CHILD_TIMEOUT = 1800.0

CPU_RATIO_TARGET = 1 / 3
SPEED_RATIO_TARGET = 2.0
RSS_TARGET_MIB = 300.0
MIB = 1 << 20


@dataclass
class Run:
    """One measured load (the child fills the first part, the parent the checks)."""

    label: str  # what the row shows
    side: str  # ours | sdk | sdk-async
    uri: str
    records: int  # expected
    batch_size: int = 0  # sdk: records per request; ours: 0 (bodies are packed up to the limits)
    concurrency: int = 0
    limits: bool = False  # the emulator's per-namespace rate limit
    faults: str = ""
    sink: bool = False  # loaded into the sink, not the emulator
    throttled_client: bool = False  # ours at its default throttle (Pinecone's limits)
    namespace: str = NAMESPACE  # where the records go ("" for the default namespace)
    index: str = ""  # the index, for a side that reaches it by name (the official hook)
    # measured by the child
    acknowledged: int = 0
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mib: float = 0.0
    start_rss_mib: float = 0.0  # RSS when the load starts (imports, the interpreter): the peak's floor
    ru_maxrss_mib: float = 0.0
    client_requests: int = -1  # ours' own count (-1: the side does not report one)
    client_throttled: int = -1
    errors: int = 0  # sdk: failed items it reported
    # the same side and settings on the small file (SMALL_RECORDS), for the marginal CPU
    small_cpu_seconds: float = 0.0
    small_records: int = 0
    phases: dict[str, float] = dataclasses.field(default_factory=dict)  # floor: CPU s of each phase
    small_phases: dict[str, float] = dataclasses.field(default_factory=dict)  # the same on the small file
    small_problem: str = ""  # why the small run is not usable, if it is not
    # filled by the parent
    requests: int = 0
    throttled: int = 0
    stored: int = 0
    served_records: int = 0
    sample_ok: bool = True
    server_cpu_seconds: float = 0.0

    @property
    def records_per_second(self) -> float:
        return self.acknowledged / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def cpu_per_100k(self) -> float:
        return self.cpu_seconds / self.acknowledged * 100_000 if self.acknowledged else float("nan")

    @property
    def marginal_cpu_per_100k(self) -> float:
        """CPU per 100,000 records once a process's one-time costs are paid: (CPU on the file - CPU on
        the small file) / (records - small records). What a load of millions of records costs per 100k."""
        if not self.small_records or self.acknowledged <= self.small_records:
            return float("nan")
        extra_cpu = self.cpu_seconds - self.small_cpu_seconds
        if extra_cpu <= 0:  # a load too small for the noise
            return float("nan")
        return extra_cpu / (self.acknowledged - self.small_records) * 100_000


# ================================================================================ data


def record_ids(start: int, n: int) -> list[str]:
    return [f"rec-{i}" for i in range(start, start + n)]


def chunk_values(chunk: int, rows: int) -> Any:
    """The values of rows ``chunk * ROW_GROUP_ROWS ...``: deterministic per chunk (float32)."""
    import numpy as np

    rng = np.random.default_rng([SEED, chunk])
    return (rng.random((rows, DIMENSION), dtype=np.float32) * 2 - 1).astype(np.float32)


def chunk_table(chunk: int, rows: int) -> Any:
    """Rows of the import layout: id STRING, values LIST<FLOAT>, metadata JSON STRING."""
    import numpy as np
    import pyarrow as pa

    start = chunk * ROW_GROUP_ROWS
    values = chunk_values(chunk, rows)
    offsets = pa.array(np.arange(0, (rows + 1) * DIMENSION, DIMENSION, dtype=np.int32))
    metadata = [
        f'{{"category":"{CATEGORIES[i % len(CATEGORIES)]}","position":{i}}}' for i in range(start, start + rows)
    ]
    return pa.table(
        {
            "id": pa.array(record_ids(start, rows), pa.string()),
            "values": pa.ListArray.from_arrays(offsets, pa.array(values.reshape(-1), pa.float32())),
            "metadata": pa.array(metadata, pa.string()),
        }
    )


def parquet_file(records: int, *, one_row_group: bool = False) -> bytes:
    """``records`` rows as Parquet, in row groups of ROW_GROUP_ROWS (or one row group of all of them)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunks = [(c, min(ROW_GROUP_ROWS, records - c * ROW_GROUP_ROWS)) for c in range(-(-records // ROW_GROUP_ROWS))]
    buffer = io.BytesIO()
    if one_row_group:
        table = pa.concat_tables(chunk_table(c, rows) for c, rows in chunks)
        pq.write_table(table, buffer, row_group_size=records, compression="snappy")
        del table
    else:
        writer = None
        for c, rows in chunks:
            table = chunk_table(c, rows)
            writer = writer or pq.ParquetWriter(buffer, table.schema, compression="snappy")
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        assert writer is not None
        writer.close()
    return buffer.getvalue()


def records_for_bytes(target_bytes: int) -> int:
    """How many records make a file of about ``target_bytes`` (random float32 does not compress)."""
    per_record = DIMENSION * 4 + 60  # values + id, metadata and list offsets
    return max(1_000, target_bytes // per_record)


def expected_record(i: int) -> tuple[Any, dict[str, Any]]:
    chunk, row = divmod(i, ROW_GROUP_ROWS)
    values = chunk_values(chunk, row + 1)[row]  # a generator draws row after row: a prefix is the same
    return values, {"category": CATEGORIES[i % len(CATEGORIES)], "position": i}


# ================================================================================ child: measuring


def peak_rss_mib() -> float:
    """This process's own peak RSS (``VmHWM``); see preflight_scale.py for why not ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return max_rss_mib()


def rss_mib() -> float:
    """This process's RSS now (``VmRSS``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def configure_airflow_env(host: str) -> None:
    """The connection ``pinecone_default`` on the data plane at ``host``; a throw-away Airflow home."""
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="upsert-bench-airflow-"))
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(
        {"conn_type": "pinecone_bulk", "password": API_KEY, "host": host}
    )


def measure_ours(run: Run, host: str) -> Run:
    """``UpsertOperator.execute`` on the file, as a worker runs it (no task_state_store: no resume)."""
    configure_airflow_env(host)
    from airflow_provider_pinecone.operators.upsert import UpsertOperator
    from airflow_provider_pinecone.upsert import run as _run  # noqa: F401  (imported before the clock)

    options: dict[str, Any] = {} if run.throttled_client else dict(UNTHROTTLED)
    operator = UpsertOperator(
        task_id="bench", uri=run.uri, namespace=run.namespace, max_concurrency=run.concurrency, **options
    )
    run.start_rss_mib = rss_mib()
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    summary = operator.execute({})  # type: ignore[arg-type]
    run.wall_seconds, run.cpu_seconds = time.perf_counter() - t0, cpu_seconds() - cpu0
    run.acknowledged = summary["upserted_total"]
    run.client_requests, run.client_throttled = summary["requests"], summary["throttled_retries"]
    return run


def sdk_chunks(uri: str) -> Iterator[list[tuple[str, Any, dict[str, Any]]]]:
    """The file a row group at a time, as SDK vectors ``(id, values, metadata dict)`` (values: numpy rows)."""
    import numpy as np
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    fs = pafs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"], secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region=os.environ["AWS_DEFAULT_REGION"], scheme="http",
        endpoint_override=os.environ["AWS_ENDPOINT_URL_S3"].removeprefix("http://"),
    )  # fmt: skip
    parquet = pq.ParquetFile(uri.removeprefix("s3://"), filesystem=fs)
    # One thread: pyarrow's pool costs CPU here for nothing (the strongest anchor reads cheaply too).
    for batch in parquet.iter_batches(batch_size=SDK_CHUNK_ROWS, use_threads=False):
        ids = batch.column("id").to_pylist()
        values = np.asarray(batch.column("values").values).reshape(len(ids), -1)
        metadata = [json.loads(m) for m in batch.column("metadata").to_pylist()]
        yield list(zip(ids, values, metadata, strict=True))


def measure_sdk(run: Run, host: str) -> Run:
    """The SDK's own parallel upsert (threads), fed a row group at a time."""
    import pinecone  # noqa: F401  (imported before the clock)
    from pinecone import Index

    run.start_rss_mib = rss_mib()

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    with Index(host=f"http://{host}", api_key=API_KEY) as index:
        for vectors in sdk_chunks(run.uri):
            response = index.upsert(
                vectors=vectors, namespace=run.namespace, batch_size=run.batch_size,
                max_concurrency=run.concurrency, show_progress=False,
            )  # fmt: skip
            run.acknowledged += response.upserted_count
            run.errors += response.failed_item_count or 0
    run.wall_seconds, run.cpu_seconds = time.perf_counter() - t0, cpu_seconds() - cpu0
    return run


def measure_sdk_async(run: Run, host: str) -> Run:
    """The SDK's asyncio client (``AsyncIndex.upsert`` with batch_size and max_concurrency)."""
    from pinecone import AsyncIndex

    async def load() -> None:
        async with AsyncIndex(host=f"http://{host}", api_key=API_KEY) as index:
            for vectors in sdk_chunks(run.uri):
                response = await index.upsert(
                    vectors=vectors, namespace=run.namespace, batch_size=run.batch_size,
                    max_concurrency=run.concurrency, show_progress=False,
                )  # fmt: skip
                run.acknowledged += response.upserted_count
                run.errors += response.failed_item_count or 0

    run.start_rss_mib = rss_mib()

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    asyncio.run(load())
    run.wall_seconds, run.cpu_seconds = time.perf_counter() - t0, cpu_seconds() - cpu0
    return run


def measure_airflow_hook(run: Run, host: str) -> Run:
    """``apache-airflow-providers-pinecone``'s ``PineconeHook.upsert_data_async``, a row group at a time.

    ``host`` is the HTTPS emulator's control plane: the hook reaches the index by name, as it only can
    (``SSL_CERT_FILE`` trusts the emulator's CA). It writes to the default namespace (it takes none).
    """
    from airflow.providers.pinecone.hooks.pinecone import PineconeHook

    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="upsert-bench-airflow-"))
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
    os.environ["AIRFLOW_CONN_PINECONE_OFFICIAL"] = json.dumps(
        {"conn_type": "pinecone", "host": host, "password": API_KEY}
    )
    hook = PineconeHook(conn_id="pinecone_official")
    hook.pinecone_client  # noqa: B018  (the SDK client, built before the clock)
    run.start_rss_mib = rss_mib()
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    for vectors in sdk_chunks(run.uri):
        responses = hook.upsert_data_async(run.index, vectors, pool_threads=run.concurrency) or []
        run.acknowledged += sum(r.upserted_count for r in responses)
    run.wall_seconds, run.cpu_seconds = time.perf_counter() - t0, cpu_seconds() - cpu0
    return run


def measure_floor(run: Run, host: str) -> Run:
    """The least any JSON client pays per record for this load, phase by phase, on one thread:

    * fetch: the file read from S3 with one ranged GET (no checksum work), kept in memory;
    * decode: pyarrow on one thread, in batches of 1,000 rows (its cheapest);
    * print: each record by orjson (float32 values natively, metadata embedded as the JSON text it
      is), joined into bodies of up to 2 MiB;
    * send: each body POSTed by bare aiohttp, one at a time (only CPU is measured here).

    The file is decoded and printed twice and only the second pass is measured (and sent): the first
    warms the heap, whose first growth costs a fresh process a page fault per 4 KiB touched (about
    1.5 s on a file held whole, which ours never does). No checks, no exact packing, no retries, no
    checkpoints, no Airflow: what is left of ours once everything it adds for safety is taken away.
    The run's CPU is the sum of its phases. One thread, so each phase's CPU is exact.
    """
    import aiohttp
    import boto3
    import numpy as np
    import orjson
    import pyarrow.parquet as pq

    async def load(session: aiohttp.ClientSession, data: bytes, phases: dict[str, float], send: bool) -> None:
        """One pass over the file: decode and print every record; POST the bodies if ``send``."""
        headers = {"Api-Key": API_KEY, "Content-Type": "application/json"}
        clock = cpu_seconds()

        def timed(phase: str) -> None:
            nonlocal clock
            now = cpu_seconds()
            phases[phase] += now - clock
            clock = now

        async def post(fragments: list[bytes]) -> None:
            body = b'{"vectors":[' + b",".join(fragments) + b'],"namespace":"bench"}'
            timed("print")
            if send:
                async with session.post(f"http://{host}/vectors/upsert", data=body, headers=headers) as answer:
                    await answer.read()
                run.acknowledged += len(fragments)
                timed("send")

        fragments: list[bytes] = []
        size = 0
        for batch in pq.ParquetFile(io.BytesIO(data)).iter_batches(batch_size=FLOOR_BATCH_ROWS, use_threads=False):
            ids = batch.column("id").to_pylist()
            values = np.asarray(batch.column("values").values).reshape(len(ids), -1)
            metadata = batch.column("metadata").to_pylist()
            timed("decode")
            for i, record_id in enumerate(ids):
                fragment = orjson.dumps(
                    {"id": record_id, "values": values[i], "metadata": orjson.Fragment(metadata[i])},
                    option=orjson.OPT_SERIALIZE_NUMPY,
                )
                if size + len(fragment) > 2_000_000:
                    await post(fragments)
                    fragments, size = [], 0
                fragments.append(fragment)
                size += len(fragment) + 1
            timed("print")
        if fragments:
            await post(fragments)

    async def main() -> dict[str, float]:
        nonlocal t0
        phases = dict.fromkeys(("fetch", "decode", "print", "send"), 0.0)
        clock = cpu_seconds()
        bucket, key = run.uri.removeprefix("s3://").split("/", 1)
        s3 = boto3.client("s3")
        size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
        data = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{size - 1}")["Body"].read()
        phases["fetch"] = cpu_seconds() - clock
        async with aiohttp.ClientSession() as session:
            await load(session, data, dict.fromkeys(phases, 0.0), send=False)  # warms the heap
            t0 = time.perf_counter()  # the wall time of the measured pass
            await load(session, data, phases, send=True)
        return phases

    run.start_rss_mib = rss_mib()
    t0 = 0.0
    run.phases = asyncio.run(main())
    run.wall_seconds, run.cpu_seconds = time.perf_counter() - t0, sum(run.phases.values())
    return run


MEASURE = {
    "floor": measure_floor,
    "ours": measure_ours,
    "sdk": measure_sdk,
    "sdk-async": measure_sdk_async,
    "airflow-hook": measure_airflow_hook,
}


def child_main(args: argparse.Namespace) -> int:
    """``--side``: measure one load and write its :class:`Run` as JSON to ``--result-file``."""
    run = Run(**json.loads(args.run))
    run = MEASURE[run.side](run, args.host)
    run.peak_rss_mib, run.ru_maxrss_mib = peak_rss_mib(), max_rss_mib()
    # A file, not stdout: Airflow's logging writes to stdout.
    Path(args.result_file).write_text(json.dumps(asdict(run)))
    return 0


# ================================================================================ parent: the sink


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the emulator's server

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/vectors/upsert":
            count = body.count(b'"id":')
            self.server.records += count  # type: ignore[attr-defined]
            self.server.requests += 1  # type: ignore[attr-defined]
            answer: dict[str, Any] = {"upsertedCount": count}
        elif self.path == "/describe_index_stats":
            answer = {"namespaces": {}, "dimension": DIMENSION, "indexFullness": 0.0, "totalVectorCount": 0,
                      "metric": "cosine", "vectorType": "dense"}  # fmt: skip
        else:
            self.send_error(404)
            return
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class Sink:
    """A data plane that keeps nothing: counts records and answers ``upsertedCount``."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _SinkHandler)
        self.server.daemon_threads = True
        self.server.records = 0  # type: ignore[attr-defined]
        self.server.requests = 0  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, name="upsert-sink", daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ================================================================================ parent: runs


class Bench:
    """The servers and the runs of one benchmark invocation."""

    def __init__(
        self, args: argparse.Namespace, log_dir: Path, s3: Any, emulator: Any, tls_emulator: Any = None
    ) -> None:
        self.args, self.log_dir, self.s3, self.emulator = args, log_dir, s3, emulator
        self.tls_emulator = tls_emulator  # HTTPS, for the official hook, which reaches an index by name only
        self.count = 0

    def emulator_for(self, run: Run) -> Any:
        return self.tls_emulator if run.side == "airflow-hook" else self.emulator

    def measure(self, run: Run) -> Run:
        """Run ``run`` in a fresh child against a fresh index (or the sink), then check what arrived."""
        self.count += 1
        name = f"bench-{self.count}"
        sink = Sink() if run.sink else None
        emulator = self.emulator_for(run)
        env = {**os.environ, **self.s3.env()}
        if sink is None:
            emulator.create_index(name, dimension=DIMENSION)
            emulator.set_upsert_limits(*((100, 50_000_000) if run.limits else (None, None)))
            if run.faults:
                emulator.set_fault_rates(run.faults, seed=self.count)
            host = emulator.index_host(name)
            if run.side == "airflow-hook":
                host, env["SSL_CERT_FILE"] = emulator.control_plane_url, str(emulator.ca_cert_path)
                run.index = name
        else:
            host = sink.host
        log_path, result_path = (
            self.log_dir / f"{self.count:02d}-{run.side}.log",
            self.log_dir / f"{self.count:02d}.json",
        )
        command = [
            sys.executable, str(Path(__file__).resolve()), "--side", run.side, "--host", host,
            "--run", json.dumps(asdict(run)), "--result-file", str(result_path),
        ]  # fmt: skip
        server_cpu0 = cpu_seconds()
        try:
            with open(log_path, "w") as log:
                done = subprocess.run(
                    command, env=env, stdout=log, stderr=subprocess.STDOUT,
                    timeout=CHILD_TIMEOUT,
                )  # fmt: skip
            server_cpu = cpu_seconds() - server_cpu0
            if done.returncode != 0 or not result_path.exists():
                raise RuntimeError(f"{run.label} failed with exit status {done.returncode}; see {log_path}")
            data = json.loads(result_path.read_text())
            measured = Run(**{f.name: data[f.name] for f in fields(Run)})
            measured.server_cpu_seconds = server_cpu
            if sink is not None:
                measured.requests, measured.served_records = sink.server.requests, sink.server.records  # type: ignore[attr-defined]
                measured.stored = measured.served_records
            else:
                self.check(measured, name)
        finally:
            if sink is not None:
                sink.close()
            else:
                emulator.clear_fault_rates()
                emulator.delete_index(name)  # frees its records: one load held at a time
        print(f"  {measured.label}: {measured.records_per_second:,.0f} records/s", flush=True)
        return measured

    def measure_small(self, run: Run, small_uri: str) -> None:
        """``run`` again on the small file, to split its CPU into one-time and per-record costs."""
        records = small_records(run.records)
        small = self.measure(dataclasses.replace(run, label=f"{run.label} ({records:,} records)", uri=small_uri,
                                                 records=records, acknowledged=0, errors=0))  # fmt: skip
        if small.acknowledged != records or small.stored != records or not small.sample_ok:
            run.small_problem = f"{small.label}: acknowledged {small.acknowledged:,}, stored {small.stored:,}"
            return
        run.small_cpu_seconds, run.small_records = small.cpu_seconds, small.acknowledged
        run.small_phases = small.phases

    def check(self, run: Run, index: str) -> None:
        """Counts, server counters and a sample of values: nothing lost, nothing doubled, values intact."""
        import numpy as np

        emulator = self.tls_emulator if run.side == "airflow-hook" else self.emulator
        stored_as = run.namespace or DEFAULT_NAMESPACE
        stats = emulator.upsert_stats(index).get(stored_as, {})
        run.requests = stats.get("requests", 0) + stats.get("throttled", 0)
        run.throttled = stats.get("throttled", 0)
        if run.client_requests >= 0 and run.faults:
            # Injected 429s answer before the rate limiter and are not in its counters: ours counts them.
            run.throttled = run.client_throttled
            run.requests = stats.get("requests", 0) + run.client_throttled
        run.served_records = stats.get("records", 0)
        run.stored = emulator.namespace_counts(index).get(stored_as, 0)
        step = max(1, run.records // SAMPLE_IDS)
        sample = list(range(0, run.records, step))[:SAMPLE_IDS] + [run.records - 1]
        found = {r.id: r for r in emulator.fetch(index, run.namespace, [f"rec-{i}" for i in sample])}
        ok = len(found) == len(set(sample))
        for i in sample:
            record = found.get(f"rec-{i}")
            if record is None:
                continue
            values, metadata = expected_record(i)
            ok &= record.metadata == metadata
            ok &= bool(np.array_equal(np.asarray(record.values, dtype=np.float32), values))
        run.sample_ok = ok


def official_hook_installed() -> bool:
    """Whether ``apache-airflow-providers-pinecone`` is installed beside ours."""
    import importlib.util

    try:
        return importlib.util.find_spec("airflow.providers.pinecone.hooks.pinecone") is not None
    except ModuleNotFoundError:
        return False


def plan(args: argparse.Namespace, data_uri: str, rss_uris: Sequence[tuple[str, str]]) -> list[Run]:
    """Every run of this invocation, in order."""
    n = args.records
    runs = [Run(f"ours c={OURS_CONCURRENCY}", "ours", data_uri, n, concurrency=OURS_CONCURRENCY)]
    for batch in args.batch_sizes:
        for c in args.concurrency:
            runs.append(Run(f"sdk b={batch} c={c}", "sdk", data_uri, n, batch_size=batch, concurrency=c))
    for c in args.async_concurrency:
        batch = max(args.batch_sizes)
        runs.append(Run(f"sdk-async b={batch} c={c}", "sdk-async", data_uri, n, batch_size=batch, concurrency=c))
    if args.hook_loop:
        runs.append(Run("sdk b=100 c=1 (hook's calls)", "sdk", data_uri, n, batch_size=100, concurrency=1))
    if official_hook_installed():
        runs.append(Run("airflow-hook b=100 pool_threads=8", "airflow-hook", data_uri, n,
                        batch_size=100, concurrency=8, namespace=""))  # fmt: skip
    if not args.quick:
        runs.append(
            Run("ours, Pinecone limits on", "ours", data_uri, n, concurrency=OURS_CONCURRENCY, limits=True,
                throttled_client=True)
        )  # fmt: skip
    runs.append(Run("ours, 20% 429s", "ours", data_uri, n, concurrency=OURS_CONCURRENCY, faults=FAULT_SPEC))
    for label, uri in rss_uris:
        records = records_for_bytes(args.rss_bytes)
        runs.append(Run(f"ours, sink, {label}", "ours", uri, records, concurrency=OURS_CONCURRENCY, sink=True))
    return runs


def small_records(records: int) -> int:
    """The records of the small file: SMALL_RECORDS, or a quarter of a smaller load."""
    return max(1, min(SMALL_RECORDS, records // 4))


def marginal_plan(runs: Sequence[Run]) -> list[Run]:
    """The runs whose one-time costs are measured apart: ours, the SDK's least CPU, the floor."""
    ours = next((r for r in runs if r.side == "ours" and not (r.limits or r.faults or r.sink)), None)
    floor = next((r for r in runs if r.side == "floor"), None)
    return [r for r in (ours, best(runs, "cpu"), floor) if r is not None]


def sink_plan(args: argparse.Namespace, runs: Sequence[Run], data_uri: str) -> list[Run]:
    """Ours and the SDK's fastest setting again, into the sink: the same file with a server that costs
    nothing, as a remote service would (the emulator shares this machine's cores with the clients)."""
    fastest = best(runs, "speed")
    if fastest is None:
        return []
    n = args.records
    return [
        Run("floor: fetch, decode, print, send; sink", "floor", data_uri, n, concurrency=1, sink=True),
        Run(f"ours c={OURS_CONCURRENCY}, sink", "ours", data_uri, n, concurrency=OURS_CONCURRENCY, sink=True),
        Run(f"{fastest.label}, sink", fastest.side, data_uri, n, batch_size=fastest.batch_size,
            concurrency=fastest.concurrency, sink=True),
    ]  # fmt: skip


# ================================================================================ parent: report


def best(runs: Sequence[Run], key: str) -> Run | None:
    sdk = [r for r in runs if r.side.startswith("sdk") and r.acknowledged and not r.sink]
    if not sdk:
        return None
    if key == "speed":
        return max(sdk, key=lambda r: r.records_per_second)
    return min(sdk, key=lambda r: r.cpu_per_100k)


def format_table(runs: Sequence[Run]) -> str:
    """The side-by-side table (plain text, also valid inside a Markdown code block)."""
    fastest, leanest = best(runs, "speed"), best(runs, "cpu")
    header = (
        f"{'run':<40} {'records':>8} {'records/s':>9} {'x best':>6} {'CPU s/100k':>10} {'x best':>6} "
        f"{'marginal':>8} {'x best':>6} "
        f"{'peak RSS MiB':>12} {'at start':>8} {'requests':>8} {'429s':>6} {'wall s':>7} {'srv CPU s':>9}"
    )
    rows = [header, "-" * len(header)]
    for r in runs:
        speed = f"{r.records_per_second / fastest.records_per_second:.2f}" if fastest else ""
        cpu = f"{r.cpu_per_100k / leanest.cpu_per_100k:.2f}" if leanest else ""
        marginal = f"{r.marginal_cpu_per_100k:.1f}" if math.isfinite(r.marginal_cpu_per_100k) else ""
        marginal_ratio = (
            f"{r.marginal_cpu_per_100k / leanest.marginal_cpu_per_100k:.2f}"
            if marginal and leanest and math.isfinite(leanest.marginal_cpu_per_100k)
            else ""
        )
        rows.append(
            f"{r.label:<40} {r.acknowledged:>8,} {r.records_per_second:>9,.0f} {speed:>6} {r.cpu_per_100k:>10.1f} "
            f"{cpu:>6} {marginal:>8} {marginal_ratio:>6} {r.peak_rss_mib:>12.0f} {r.start_rss_mib:>8.0f} "
            f"{r.requests:>8,} {r.throttled:>6,} "
            f"{r.wall_seconds:>7.1f} {r.server_cpu_seconds:>9.1f}"
        )
    if fastest and leanest:
        rows.append(
            f"x best: records/s / the SDK's best ({fastest.label}); CPU / the SDK's least CPU ({leanest.label})"
        )
        rows.append(
            "marginal: CPU s per 100k records past the one-time costs (the same run on the file's first "
            f"{small_records(leanest.records):,} records subtracted)"
        )
    return "\n".join(rows)


def verdict(runs: Sequence[Run]) -> list[str]:
    """PASS/FAIL for the four targets."""
    lines = []
    fastest, leanest = best(runs, "speed"), best(runs, "cpu")
    ours = next(r for r in runs if r.side == "ours" and not (r.limits or r.faults or r.sink))

    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    if fastest and leanest:
        cpu = ours.cpu_per_100k / leanest.cpu_per_100k
        speed = ours.records_per_second / fastest.records_per_second
        lines.append(
            f"client CPU: ours {ours.cpu_per_100k:.1f} s / 100k, SDK's best {leanest.cpu_per_100k:.1f} s "
            f"({leanest.label}): {cpu:.2f}x (<= {CPU_RATIO_TARGET:.2f}) {mark(cpu <= CPU_RATIO_TARGET)}"
        )
        if math.isfinite(ours.marginal_cpu_per_100k) and math.isfinite(leanest.marginal_cpu_per_100k):
            marginal = ours.marginal_cpu_per_100k / leanest.marginal_cpu_per_100k
            lines.append(
                f"client CPU past one-time costs: ours {ours.marginal_cpu_per_100k:.1f} s / 100k, SDK's best "
                f"{leanest.marginal_cpu_per_100k:.1f} s: {marginal:.2f}x (<= {CPU_RATIO_TARGET:.2f}) "
                + (
                    mark(marginal <= CPU_RATIO_TARGET)
                    if ours.records >= MIN_MARGINAL_RECORDS
                    else "(too few records to judge)"
                )
            )
        lines.append(
            f"throughput: ours {ours.records_per_second:,.0f} records/s, SDK's best {fastest.records_per_second:,.0f} "
            f"({fastest.label}): {speed:.2f}x (>= {SPEED_RATIO_TARGET:g}x) {mark(speed >= SPEED_RATIO_TARGET)}"
        )
    ours_sink = next((r for r in runs if r.sink and r.side == "ours" and r.records == ours.records), None)
    sdk_sink = next((r for r in runs if r.sink and r.side.startswith("sdk")), None)
    if ours_sink and sdk_sink and sdk_sink.records_per_second:
        speed = ours_sink.records_per_second / sdk_sink.records_per_second
        lines.append(
            f"throughput into the sink (no server cost on these cores): ours {ours_sink.records_per_second:,.0f} "
            f"records/s, {sdk_sink.label} {sdk_sink.records_per_second:,.0f}: {speed:.2f}x "
            f"(>= {SPEED_RATIO_TARGET:g}x) {mark(speed >= SPEED_RATIO_TARGET)}"
        )
    for r in (r for r in runs if r.sink and r.side == "ours" and r is not ours_sink):
        size = "1 GB" if r.records >= records_for_bytes(RSS_FILE_BYTES) else "small (not the 1 GB target)"
        target = f"(< {RSS_TARGET_MIB:g} MiB, {size}) {mark(r.peak_rss_mib < RSS_TARGET_MIB)}"
        lines.append(f"peak RSS, {r.label}: {r.peak_rss_mib:.0f} MiB {target}")
    for r in (r for r in runs if r.faults):
        lost, doubled = r.records - r.stored, r.served_records - r.records
        ok = lost == 0 and doubled == 0 and r.sample_ok and r.acknowledged == r.records
        lines.append(
            f"20% 429s: {r.throttled:,} throttled retries; stored {r.stored:,} of {r.records:,} (lost {lost}), "
            f"records served {r.served_records:,} (written twice {doubled}), sample "
            f"{'matches' if r.sample_ok else 'DIFFERS'}: {mark(ok)}"
        )
    for r in (r for r in runs if r.limits):
        lines.append(
            f"Pinecone limits on: {r.records_per_second:,.0f} records/s (limit ~{50_000_000 / 8_500:,.0f} at "
            f"~8.5 KB/record), {r.throttled:,} requests answered 429 of {r.requests:,}"
        )
    floor = next((r for r in runs if r.side == "floor" and r.acknowledged), None)
    if floor and leanest:
        lines.append(
            f"floor (the least a JSON client pays, on one thread, heap warm: fetch, decode, print with orjson, send): "
            f"{floor.cpu_per_100k:.1f} s / 100k = {floor.cpu_per_100k / leanest.cpu_per_100k:.2f}x the SDK's best "
            f"CPU; ours into the sink {ours_sink.cpu_per_100k if ours_sink else float('nan'):.1f} s"
        )
        if math.isfinite(floor.marginal_cpu_per_100k) and math.isfinite(leanest.marginal_cpu_per_100k):
            lines.append(
                f"floor past one-time costs: {floor.marginal_cpu_per_100k:.1f} s / 100k = "
                f"{floor.marginal_cpu_per_100k / leanest.marginal_cpu_per_100k:.2f}x the SDK's best"
            )
        extra = floor.acknowledged - floor.small_records
        if floor.phases and floor.small_phases and extra > 0 and math.isfinite(leanest.marginal_cpu_per_100k):
            per_100k = {
                phase: (cpu - floor.small_phases.get(phase, 0.0)) / extra * 100_000
                for phase, cpu in floor.phases.items()
            }
            marginal = leanest.marginal_cpu_per_100k
            lines.append(
                "floor by phase past one-time costs, s / 100k (x the SDK's best past one-time costs): "
                + ", ".join(f"{phase} {cpu:.2f} ({cpu / marginal:.2f}x)" for phase, cpu in per_100k.items())
                + f"; 1/3 of the SDK's is {marginal / 3:.2f} s"
            )
    hook = next((r for r in runs if r.side == "airflow-hook"), None)
    if hook is None:
        lines.append("airflow-hook: apache-airflow-providers-pinecone is not installed beside ours: not measured")
    elif hook.records_per_second:
        lines.append(
            f"airflow-hook: PineconeHook.upsert_data_async (HTTPS, the index by name) {hook.records_per_second:,.0f} "
            f"records/s: ours is {ours.records_per_second / hook.records_per_second:.1f}x as fast"
        )
    return lines


def broken_runs(runs: Sequence[Run]) -> list[str]:
    problems = []
    for r in runs:
        if r.acknowledged != r.records or r.stored != r.records:
            problems.append(f"{r.label}: acknowledged {r.acknowledged:,}, stored {r.stored:,} of {r.records:,}")
        if not r.sink and r.served_records != r.records:
            problems.append(f"{r.label}: the emulator served {r.served_records:,} records for {r.records:,}")
        if not r.sample_ok:
            problems.append(f"{r.label}: the sampled records differ from the file")
        if r.errors:
            problems.append(f"{r.label}: the SDK reported {r.errors:,} failed records")
        if r.small_problem:
            problems.append(r.small_problem)
    return problems


# ================================================================================ parent: main


def parent_main(args: argparse.Namespace) -> int:
    from airflow_provider_pinecone.testing.emulator import PineconeEmulator
    from airflow_provider_pinecone.testing.emulator.server import tune_gc_for_serving
    from airflow_provider_pinecone.testing.object_stores import MotoS3Server

    log_dir = Path(tempfile.mkdtemp(prefix="upsert-throughput-"))
    rss_records = records_for_bytes(args.rss_bytes)
    print(
        f"upsert throughput: {args.records:,} records x {DIMENSION} dims, SDK batch sizes "
        f"{', '.join(map(str, args.batch_sizes))} x concurrency {', '.join(map(str, args.concurrency))}, "
        f"RSS file {rss_records:,} records, {os.cpu_count()} CPUs, logs in {log_dir}",
        flush=True,
    )
    started = time.perf_counter()
    limits_off = {"upsert_requests_per_second": None, "upsert_bytes_per_second": None}
    with MotoS3Server() as s3, PineconeEmulator(api_key=API_KEY, **limits_off) as emulator, \
            PineconeEmulator(api_key=API_KEY, tls=True, **limits_off) as tls_emulator:  # fmt: skip
        s3.create_bucket(BUCKET)
        data = parquet_file(args.records)
        s3.put(BUCKET, DATA_KEY, data)
        s3.put(BUCKET, SMALL_KEY, parquet_file(small_records(args.records)))
        print(f"  wrote {len(data) / MIB:,.0f} MiB ({args.records:,} records) in {time.perf_counter() - started:.0f} s")
        del data
        rss_uris = []
        if not args.skip_rss:
            layouts = (("row groups of 10k", RSS_KEY, False), ("one row group", RSS_ONE_GROUP_KEY, True))
            for label, key, one in layouts[:1] if args.quick else layouts:
                t = time.perf_counter()
                blob = parquet_file(rss_records, one_row_group=one)
                s3.put(BUCKET, key, blob)
                rss_uris.append((f"{len(blob) / MIB:,.0f} MiB, {label}", f"s3://{BUCKET}/{key}"))
                print(f"  wrote {len(blob) / MIB:,.0f} MiB ({rss_records:,} records, {label}) in "
                      f"{time.perf_counter() - t:.0f} s", flush=True)  # fmt: skip
                del blob
        # From here on this process only serves the emulators (the loads run in children): the same
        # collector settings as the emulator's command line.
        tune_gc_for_serving()
        bench = Bench(args, log_dir, s3, emulator, tls_emulator)
        runs = [bench.measure(run) for run in plan(args, f"s3://{BUCKET}/{DATA_KEY}", rss_uris)]
        runs += [bench.measure(run) for run in sink_plan(args, runs, f"s3://{BUCKET}/{DATA_KEY}")]
        for run in marginal_plan(runs):
            bench.measure_small(run, f"s3://{BUCKET}/{SMALL_KEY}")
    print(f"  {time.perf_counter() - started:.0f} s in all")
    print()
    print(format_table(runs))
    print()
    print("\n".join(verdict(runs)))
    problems = broken_runs(runs)
    for problem in problems:
        print(f"INVALID RUN: {problem}", file=sys.stderr)
    return 1 if problems else 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, help=f"records in the file (default {DEFAULT_RECORDS:,})")
    parser.add_argument("--batch-sizes", type=int, nargs="+", help="the SDK's batch sizes to sweep")
    parser.add_argument("--concurrency", type=int, nargs="+", help="the SDK's concurrencies to sweep")
    parser.add_argument(
        "--async-concurrency", type=int, nargs="*", help="the asyncio SDK's concurrencies (at the largest batch size)"
    )
    parser.add_argument("--rss-bytes", type=int, help="size of the RSS file (default 1 GiB)")
    parser.add_argument("--skip-rss", action="store_true", help="no 1 GB file")
    parser.add_argument("--hook-loop", action="store_true", help="also the official hook's calls (b=100, c=1)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2,000 records, one SDK setting, one 16 MiB file, no limits-on run",
    )
    parser.add_argument("--side", choices=sorted(MEASURE), help=argparse.SUPPRESS)  # internal: the child
    parser.add_argument("--host", help=argparse.SUPPRESS)  # internal: the data plane for --side
    parser.add_argument("--run", help=argparse.SUPPRESS)  # internal: the Run as JSON
    parser.add_argument("--result-file", help=argparse.SUPPRESS)  # internal: where --side writes its JSON
    args = parser.parse_args(argv)
    if args.side:
        if not (args.host and args.run and args.result_file):
            parser.error("--side needs --host, --run and --result-file")
        return args
    args.records = args.records or (QUICK_RECORDS if args.quick else DEFAULT_RECORDS)
    args.batch_sizes = tuple(args.batch_sizes or (QUICK_BATCH_SIZES if args.quick else DEFAULT_BATCH_SIZES))
    args.concurrency = tuple(args.concurrency or (QUICK_CONCURRENCY if args.quick else DEFAULT_CONCURRENCY))
    if args.async_concurrency is None:
        args.async_concurrency = () if args.quick else DEFAULT_ASYNC_CONCURRENCY
    args.rss_bytes = args.rss_bytes or (QUICK_RSS_FILE_BYTES if args.quick else RSS_FILE_BYTES)
    if args.records < 1 or min(args.batch_sizes) < 1 or min(args.concurrency) < 1:
        parser.error("--records, --batch-sizes and --concurrency must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return child_main(args) if args.side else parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
