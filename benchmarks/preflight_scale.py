"""Pre-flight at scale: requests, bytes, wall time, client CPU and peak RSS of ``validate_import_source``
on 10,000 Parquet files (by default), against issue 13's anchors in the same run.

What it measures
    An import directory ``s3://<bucket>/bench`` on a local S3 server (moto, in its own process) holds N
    Parquet files in five namespaces, ``bench/ns-<k>/<i>.parquet``. Up to 10,000 files are about 250 KiB
    each (1,250 rows of 32 floats with metadata); larger runs use files of about 4 KiB (15 rows: moto
    keeps every object in memory; 100,000 is Pinecone's per-import maximum). ``--footer-kib`` pads every
    footer (schema metadata) to measure files with large footers. The sides (``--sides``):

    * ``ours``: ``airflow_provider_pinecone.preflight.validate_import_source(uri)`` with its defaults
      (one listing, footers read while it comes in, a 16 KiB tail per file, 32 files in parallel), on
      boto3's default configuration pointed at the server. Always on all N files.
    * ``ours-sdk``: the same with every ranged GET through boto3's ``get_object`` (``fast_reads=False``),
      as before issue 13: the before/after of the lean S3 path, in one run.
    * the anchors: ``pyarrow-dataset`` (``pyarrow.dataset`` discovery, then each fragment's
      ``ensure_complete_metadata`` on 32 threads), ``duckdb`` (``parquet_file_metadata`` over the glob,
      httpfs loaded from the ``duckdb-extension-httpfs`` wheel, 32 threads) and ``obstore`` (list, then
      ``get_range_async`` of each file's last 64 KiB, 64 in flight, the footer parsed by pyarrow).
    * ``pyarrow``: the first runs' sequential baseline: ``pyarrow.fs.S3FileSystem`` lists the directory,
      then ``pyarrow.parquet.read_schema`` reads each file, one after another (a HEAD and a GET per
      file). At more than ``--baseline-sample`` files (default 2,000) only that many are read and its
      wall time is extrapolated as ``listing time + time per file x N``.

    Requests are counted by the server (``MotoS3Server.request_counts()``), so every side is counted the
    same way. Bytes read per file are Parquet bytes (ours: the report's ``bytes_read``; the others: the
    response-body bytes the server sent, listing XML included for the anchors, a few hundred bytes per
    file). Wall time covers the whole call (for ours including building its boto3 client). "listing s"
    is the time until the listing ended: for ours it ends near the end, as reads run alongside it; DuckDB
    lists and reads inside one query, so its listing time is not visible (nan). Peak RSS is the
    measuring process's ``VmHWM`` (``/proc/self/status``), imports included (not ``ru_maxrss``, which on
    Linux carries the parent's peak across ``execve``; the JSON line has it for reference). "CPU s" is
    the measuring process's CPU time (all threads) over the measured part, "CPU ms/f" that per file;
    "srv CPU s" is the S3 server's CPU time while that process ran.

    Every size runs at two request latencies: 0 ms (loopback: moto and the clients cost CPU per request,
    so the run is CPU-bound) and 20 ms (``MotoS3Server(latency_ms=20)`` sleeps 20 ms before serving each
    request: a conservative model of S3's first-byte latency, which AWS's S3 performance whitepaper puts
    "often in the range of tens of milliseconds" for requests under 512 KB).

How
    For each latency the parent starts a fresh server, writes the files with ``MotoS3Server.populate``
    (straight into moto's backend: 100,000 PUTs over HTTP would take minutes), then runs each side for
    each size in a fresh subprocess of this script (``--side``), so that the sides share no memory,
    imported modules or connection pools and RSS is each side's own. The child warms up first (imports,
    one validation or ``read_schema`` of a 4-file warm-up directory; its time is reported separately as
    "warm-up s"), resets the server's counts, measures, and prints one JSON line the parent reads. The
    parent prints a side-by-side table and checks the targets: ours at most 1.05 requests and 80 KiB read
    per file, at least 1.1x the best anchor's files per second (5x the sequential baseline when it ran),
    at most 0.9 ms of client CPU per file, and under 500 MiB peak RSS at 100,000 files.
    Targets are reported, not asserted: the exit status is 0 unless the run itself breaks.

Usage
    .venv/bin/python benchmarks/preflight_scale.py                    # 10,000 files, ours and anchors (~6 min)
    .venv/bin/python benchmarks/preflight_scale.py --quick            # 2,000 files (smoke run)
    .venv/bin/python benchmarks/preflight_scale.py --sizes 100000 --latencies 0 --sides ours   # RSS at 100,000
    .venv/bin/python benchmarks/preflight_scale.py --sizes 1000 --footer-kib 1024             # 1 MiB footers
    .venv/bin/python benchmarks/preflight_scale.py --sizes 1000 100000 --sides ours pyarrow   # the first runs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from airflow_provider_pinecone.testing.object_stores import BYTES_SENT_PATH, COUNTS_PATH, MotoS3Server, server_counts

#: "pyarrow" is the sequential baseline of the first runs; the other three are issue 13's anchors.
SIDES = ("ours", "ours-sdk", "pyarrow", "pyarrow-dataset", "duckdb", "obstore")
ANCHORS = ("pyarrow-dataset", "duckdb", "obstore")
DEFAULT_SIDES = ("ours", *ANCHORS)
#: Reads in flight for the anchors: obstore's 64 (the issue's setting), the others as ours' pool.
OBSTORE_IN_FLIGHT = 64
ANCHOR_THREADS = 32
PREFIX = "bench"
NAMESPACES = 5
WARMUP_BUCKET = "preflight-warmup"
WARMUP_FILES = 4

DEFAULT_SIZES = (10_000,)
QUICK_SIZES = (2_000,)
DEFAULT_LATENCIES = (0.0, 20.0)
DEFAULT_BASELINE_SAMPLE = 2_000
QUICK_BASELINE_SAMPLE = 200
# Files up to this many are ~250 KiB each (the tail is a quarter of the file); larger runs use ~4 KiB
# files so that moto, which keeps every object in memory, holds 100,000 of them in under 1 GiB.
LARGE_FILE_MAX_COUNT = 10_000
LARGE_FILE_ROWS = 1_250
SMALL_FILE_ROWS = 15
DIMENSION = 32
CHILD_TIMEOUT = 3600.0

REQUESTS_PER_FILE_TARGET = 1.05
KIB_PER_FILE_TARGET = 80.0
SPEEDUP_TARGET = 5.0
ANCHOR_SPEEDUP_TARGET = 1.1  # issue 13: ours at least 1.1x the best anchor in files/s
CPU_MS_PER_FILE_TARGET = 0.9  # issue 13: ours' client CPU per file
RSS_TARGET_MIB = 500.0
RSS_TARGET_FILES = 100_000
KIB = 1024
RESULT_PREFIX = "RESULT "


@dataclass
class SideResult:
    """What one ``--side`` child measured (sent to the parent as one JSON line)."""

    side: str
    latency_ms: float
    files: int  # Parquet files in the directory
    files_read: int  # files whose footer was read (the baseline's sample at 100,000)
    listing_seconds: float
    wall_seconds: float  # measured: listing + the reads made
    requests: int  # counted by the server, listing included
    listing_requests: int
    bytes_read: int  # Parquet bytes of the reads made (listing XML excluded)
    peak_rss_mib: float  # VmHWM: this process's own peak (see peak_rss_mib())
    ru_maxrss_mib: float  # getrusage's figure; on Linux it includes the parent's peak
    warmup_seconds: float
    ok: bool  # ours: the report found no problem; baseline: every schema had the expected columns
    cpu_seconds: float  # this process's CPU (all threads) in the measured part
    client_requests: int = 0  # ours: the report's own count, to cross-check the server's
    server_cpu_seconds: float = 0.0  # the S3 server's CPU while this child ran (set by the parent)

    @property
    def extrapolated(self) -> bool:
        return self.files_read < self.files

    @property
    def seconds(self) -> float:
        """Wall time for all files: measured, or listing + time per file x files when sampled."""
        if not self.extrapolated:
            return self.wall_seconds
        per_file = (self.wall_seconds - self.listing_seconds) / self.files_read
        return self.listing_seconds + per_file * self.files

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds

    @property
    def requests_per_file(self) -> float:
        """Requests for all files per file (the read requests scaled up when sampled)."""
        reads = (self.requests - self.listing_requests) / self.files_read * self.files
        return (self.listing_requests + reads) / self.files

    @property
    def cpu_ms_per_file(self) -> float:
        return self.cpu_seconds / self.files_read * 1000

    @property
    def kib_per_file(self) -> float:
        return self.bytes_read / self.files_read / KIB


# ================================================================================ child


def reset_counts(endpoint: str) -> None:
    server_counts(endpoint, COUNTS_PATH, "DELETE")


def request_total(endpoint: str) -> int:
    return sum(server_counts(endpoint, COUNTS_PATH).values())


def bytes_total(endpoint: str) -> int:
    return sum(server_counts(endpoint, BYTES_SENT_PATH).values())


def peak_rss_mib() -> float:
    """This process's peak RSS: ``VmHWM`` (Linux), else ``ru_maxrss``.

    Not ``ru_maxrss`` on Linux: the kernel folds the high-water mark of the address space that
    ``execve`` replaces into it, so a child started by a 125 MiB parent reports at least 125 MiB.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / KIB  # kB
    except OSError:
        pass
    return max_rss_mib()


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB  # KiB on Linux


def run_ours(args: argparse.Namespace, endpoint: str) -> SideResult:
    """``validate_import_source`` on the whole directory, after a warm-up validation."""
    started = time.perf_counter()
    from airflow_provider_pinecone.preflight import validate_import_source
    from airflow_provider_pinecone.storage import DEFAULT_MAX_CONNECTIONS, open_object_store

    warm = validate_import_source(f"s3://{WARMUP_BUCKET}/{PREFIX}")
    if not warm.ok or warm.total_files != WARMUP_FILES:
        raise RuntimeError(f"warm-up validation failed:\n{warm.format_table()}")
    warmup_seconds = time.perf_counter() - started

    uri = f"s3://{args.bucket}/{PREFIX}"
    listing_done: list[tuple[float, int]] = []  # when the listing ended, and its requests
    reset_counts(endpoint)
    cpu0, t0 = time.process_time(), time.perf_counter()
    # The store validate_import_source would build itself (SDK defaults, a pool of max_workers
    # connections), passed in only so that the end of the listing can be timed.
    store = open_object_store(uri, max_connections=DEFAULT_MAX_CONNECTIONS)
    if args.side == "ours-sdk":  # every ranged GET through boto3's get_object, as before issue 13
        from airflow_provider_pinecone.storage.s3 import S3ObjectStore

        store = S3ObjectStore(store.location, store.client, fast_reads=False)  # type: ignore[attr-defined]
    list_objects = store.list_objects

    def timed_listing() -> Iterator[object]:
        yield from list_objects()
        listing_done.append((time.perf_counter(), store.counter.requests))

    store.list_objects = timed_listing  # type: ignore[method-assign]
    try:
        report = validate_import_source(uri, store=store)
    finally:
        store.close()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    requests = request_total(endpoint)
    listing_end, listing_requests = listing_done[0]
    if not report.ok:
        print(report.format_table(), file=sys.stderr)
    return SideResult(
        side=args.side, latency_ms=args.latency_ms, files=report.total_files, files_read=report.total_files,
        listing_seconds=listing_end - t0, wall_seconds=wall, requests=requests,
        listing_requests=listing_requests, bytes_read=report.bytes_read, peak_rss_mib=peak_rss_mib(),
        ru_maxrss_mib=max_rss_mib(), warmup_seconds=warmup_seconds,
        ok=report.ok and report.total_files == args.files, cpu_seconds=cpu, client_requests=report.requests,
    )  # fmt: skip


def run_pyarrow(args: argparse.Namespace, endpoint: str) -> SideResult:
    """List with ``S3FileSystem.get_file_info``, then ``read_schema`` file after file (a sample at scale)."""
    started = time.perf_counter()
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    fs = pafs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"], secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region=os.environ["AWS_DEFAULT_REGION"], scheme="http", endpoint_override=endpoint.removeprefix("http://"),
    )  # fmt: skip

    def parquet_paths(bucket: str) -> list[str]:
        infos = fs.get_file_info(pafs.FileSelector(f"{bucket}/{PREFIX}", recursive=True))
        return sorted(i.path for i in infos if i.type == pafs.FileType.File and i.path.endswith(".parquet"))

    for path in parquet_paths(WARMUP_BUCKET):
        pq.read_schema(path, filesystem=fs)
    warmup_seconds = time.perf_counter() - started

    reset_counts(endpoint)
    cpu0, t0 = time.process_time(), time.perf_counter()
    paths = parquet_paths(args.bucket)
    cpu1, t1 = time.process_time(), time.perf_counter()
    listing_requests = request_total(endpoint)
    reset_counts(endpoint)  # so that the reads' bytes exclude the listing's XML
    sample = paths[: args.baseline_sample] if args.baseline_sample else paths
    expected = {"id", "values", "metadata"}
    ok = True
    cpu2, t2 = time.process_time(), time.perf_counter()
    for path in sample:
        ok &= set(pq.read_schema(path, filesystem=fs).names) == expected
    cpu3, t3 = time.process_time(), time.perf_counter()
    read_requests, read_bytes = request_total(endpoint), bytes_total(endpoint)
    return SideResult(
        side="pyarrow", latency_ms=args.latency_ms, files=len(paths), files_read=len(sample),
        listing_seconds=t1 - t0, wall_seconds=(t1 - t0) + (t3 - t2), requests=listing_requests + read_requests,
        listing_requests=listing_requests, bytes_read=read_bytes, peak_rss_mib=peak_rss_mib(),
        ru_maxrss_mib=max_rss_mib(), warmup_seconds=warmup_seconds, ok=ok and len(paths) == args.files,
        cpu_seconds=(cpu1 - cpu0) + (cpu3 - cpu2),
    )  # fmt: skip


def pyarrow_s3() -> Any:
    import pyarrow.fs as pafs

    endpoint = os.environ["AWS_ENDPOINT_URL_S3"]
    return pafs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"], secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region=os.environ["AWS_DEFAULT_REGION"], scheme="http", endpoint_override=endpoint.removeprefix("http://"),
    )  # fmt: skip


def dataset_footers(fs: Any, bucket: str) -> tuple[float, int, int]:
    """pyarrow.dataset: discovery lists the directory (sizes included, so no HEAD), then every
    fragment's footer is read on ``ANCHOR_THREADS`` threads (``ensure_complete_metadata``).
    Returns (listing end, files, rows)."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.dataset as pads

    dataset = pads.dataset(f"{bucket}/{PREFIX}", filesystem=fs, format="parquet")
    fragments = list(dataset.get_fragments())
    listed = time.perf_counter()

    def rows(fragment: Any) -> int:
        fragment.ensure_complete_metadata()
        return int(fragment.metadata.num_rows)

    with ThreadPoolExecutor(ANCHOR_THREADS) as pool:
        total = sum(pool.map(rows, fragments))
    return listed, len(fragments), total


def duckdb_connection() -> Any:
    """DuckDB with the httpfs extension loaded from its PyPI wheel (no download) and pointed at the server."""
    import duckdb
    import duckdb_extension_httpfs

    extension = next(Path(duckdb_extension_httpfs.__file__).parent.glob("extensions/*/httpfs.duckdb_extension"))
    con = duckdb.connect()
    con.execute(f"LOAD '{extension}'")
    endpoint = os.environ["AWS_ENDPOINT_URL_S3"].removeprefix("http://")
    con.execute(
        f"CREATE SECRET bench (TYPE s3, KEY_ID '{os.environ['AWS_ACCESS_KEY_ID']}', "
        f"SECRET '{os.environ['AWS_SECRET_ACCESS_KEY']}', REGION '{os.environ['AWS_DEFAULT_REGION']}', "
        f"ENDPOINT '{endpoint}', URL_STYLE 'path', USE_SSL false)"
    )
    con.execute(f"SET threads = {ANCHOR_THREADS}")
    return con


def duckdb_footers(con: Any, bucket: str) -> tuple[float, int, int]:
    """``parquet_file_metadata`` over the glob: DuckDB lists, then reads each footer (rows per file)."""
    rows = con.execute(
        f"SELECT count(*), sum(num_rows) FROM parquet_file_metadata('s3://{bucket}/{PREFIX}/*/*.parquet')"
    ).fetchone()
    return math.nan, int(rows[0]), int(rows[1] or 0)  # one query: the listing's end is not visible


def obstore_footers(bucket: str) -> tuple[float, int, int]:
    """obstore lists, then ``get_range_async`` fetches each file's last 64 KiB, ``OBSTORE_IN_FLIGHT`` at a
    time; pyarrow parses each footer from those bytes."""
    import asyncio

    import obstore
    import pyarrow as pa
    import pyarrow.parquet as pq
    from obstore.store import S3Store

    store = S3Store(
        bucket, endpoint=os.environ["AWS_ENDPOINT_URL_S3"], region=os.environ["AWS_DEFAULT_REGION"],
        access_key_id=os.environ["AWS_ACCESS_KEY_ID"], secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        client_options={"allow_http": True}, virtual_hosted_style_request=False,
    )  # fmt: skip
    objects = [meta for batch in obstore.list(store, prefix=PREFIX) for meta in batch]
    listed = time.perf_counter()
    files = [(m["path"], m["size"]) for m in objects if m["path"].endswith(".parquet")]

    async def read_all() -> int:
        gate = asyncio.Semaphore(OBSTORE_IN_FLIGHT)

        async def one(path: str, size: int) -> int:
            async with gate:
                tail = bytes(await obstore.get_range_async(store, path, start=max(0, size - 64 * KIB), end=size))
                needed = int.from_bytes(tail[-8:-4], "little") + 12  # a larger footer: one more request
                if needed > len(tail):
                    head = await obstore.get_range_async(store, path, start=size - needed, end=size - len(tail))
                    tail = bytes(head) + tail
            return int(pq.read_metadata(pa.BufferReader(pa.py_buffer(tail))).num_rows)

        return sum(await asyncio.gather(*(one(path, size) for path, size in files)))

    return listed, len(files), asyncio.run(read_all())


def run_anchor(args: argparse.Namespace, endpoint: str) -> SideResult:
    """One of issue 13's anchors: warm up on the warm-up bucket, then read every footer of the directory."""
    started = time.perf_counter()
    if args.side == "pyarrow-dataset":
        fs = pyarrow_s3()
        read = lambda bucket: dataset_footers(fs, bucket)  # noqa: E731
    elif args.side == "duckdb":
        con = duckdb_connection()
        read = lambda bucket: duckdb_footers(con, bucket)  # noqa: E731
    else:
        read = obstore_footers
    _, warm_files, _ = read(WARMUP_BUCKET)
    if warm_files != WARMUP_FILES:
        raise RuntimeError(f"{args.side} warm-up found {warm_files} files, not {WARMUP_FILES}")
    warmup_seconds = time.perf_counter() - started
    reset_counts(endpoint)
    cpu0, t0 = time.process_time(), time.perf_counter()
    listed, files, rows = read(args.bucket)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    # The anchors list and read in one call; their listing requests are the server's GETs with a query.
    requests = request_total(endpoint)
    listing_requests = -(-files // 1000)  # S3 pages of 1,000 keys: all three list this way
    return SideResult(
        side=args.side, latency_ms=args.latency_ms, files=files, files_read=files, listing_seconds=listed - t0,
        wall_seconds=wall, requests=requests, listing_requests=listing_requests, bytes_read=bytes_total(endpoint),
        peak_rss_mib=peak_rss_mib(), ru_maxrss_mib=max_rss_mib(), warmup_seconds=warmup_seconds,
        ok=files == args.files and rows > 0, cpu_seconds=cpu,
    )  # fmt: skip


def child_main(args: argparse.Namespace) -> int:
    """``--side``: measure one side on one bucket and print its :class:`SideResult` as one JSON line."""
    endpoint = os.environ["AWS_ENDPOINT_URL_S3"]
    runners = {"ours": run_ours, "ours-sdk": run_ours, "pyarrow": run_pyarrow}
    result = runners.get(args.side, run_anchor)(args, endpoint)
    print(RESULT_PREFIX + json.dumps(asdict(result)), flush=True)
    return 0


# ================================================================================ parent


def bucket_name(files: int) -> str:
    return f"preflight-{files}"


def keys(files: int) -> list[str]:
    return [f"{PREFIX}/ns-{i % NAMESPACES}/{i:06d}.parquet" for i in range(files)]


def parquet_file(rows: int, footer_kib: int = 0) -> bytes:
    """A dense file of ``rows`` rows; with ``footer_kib``, its footer padded to about that size
    (schema metadata, which the footer carries), to measure files with large footers."""
    from airflow_provider_pinecone.testing.datasets import dense_table, parquet_bytes

    table = dense_table(rows, DIMENSION)
    if footer_kib:
        table = table.replace_schema_metadata({"padding": "x" * (footer_kib * KIB)})
    return parquet_bytes(table)


def populate(s3: MotoS3Server, sizes: Sequence[int], footer_kib: int = 0) -> dict[int, int]:
    """Create the warm-up bucket and one bucket per size; return each size's file size in bytes."""
    large, small = parquet_file(LARGE_FILE_ROWS, footer_kib), parquet_file(SMALL_FILE_ROWS, footer_kib)
    s3.create_bucket(WARMUP_BUCKET)
    s3.populate(WARMUP_BUCKET, keys(WARMUP_FILES), small)
    file_sizes = {}
    for files in sizes:
        data = large if files <= LARGE_FILE_MAX_COUNT else small
        s3.create_bucket(bucket_name(files))
        s3.populate(bucket_name(files), keys(files), data)
        file_sizes[files] = len(data)
    return file_sizes


def server_process() -> Any:
    """The S3 server: this process's only child while no side runs (to read its CPU time)."""
    import psutil

    (server,) = psutil.Process().children()
    return server


def cpu_time(process: Any) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run_side(
    side: str, files: int, latency_ms: float, env: dict[str, str], args: argparse.Namespace, log_dir: Path
) -> SideResult:
    """Run one side on one bucket in a fresh child process."""
    sample = args.baseline_sample if side == "pyarrow" and files > args.baseline_sample else 0
    command = [
        sys.executable, str(Path(__file__).resolve()), "--side", side, "--bucket", bucket_name(files),
        "--files", str(files), "--latency-ms", str(latency_ms), "--baseline-sample", str(sample),
    ]  # fmt: skip
    log_path = log_dir / f"{side}-{files}-{latency_ms:g}ms.log"
    server = server_process()
    server_cpu = cpu_time(server)
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    log_path.write_text(done.stdout + done.stderr)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        where = f"{files:,} files, {latency_ms:g} ms"
        raise RuntimeError(f"--side {side} ({where}) failed with exit status {done.returncode}; see {log_path}")
    data = json.loads(lines[-1][len(RESULT_PREFIX) :])
    data["server_cpu_seconds"] = cpu_time(server) - server_cpu
    return SideResult(**{f.name: data[f.name] for f in fields(SideResult)})


def format_table(results: Sequence[SideResult]) -> str:
    """The side-by-side table (plain text, also valid inside a Markdown code block)."""
    header = (
        f"{'latency':>7} {'files':>8} {'side':<15} {'listing s':>9} {'wall s':>8} {'files/s':>8} "
        f"{'speed-up':>8} {'vs best':>7} {'req/file':>8} {'KiB/file':>8} {'peak RSS MiB':>12} {'CPU s':>7} "
        f"{'CPU ms/f':>8} {'srv CPU s':>9} "
        f"{'warm-up s':>9}"
    )
    rows = [header, "-" * len(header)]
    baselines = {(r.latency_ms, r.files): r for r in results if r.side == "pyarrow"}
    best = best_anchors(results)
    for r in results:
        base = baselines.get((r.latency_ms, r.files))
        speedup = f"{r.files_per_second / base.files_per_second:.1f}x" if r.side.startswith("ours") and base else ""
        anchor = best.get((r.latency_ms, r.files))
        vs_best = f"{r.files_per_second / anchor.files_per_second:.2f}x" if r.side.startswith("ours") and anchor else ""
        side = r.side + ("*" if r.extrapolated else "")
        rows.append(
            f"{r.latency_ms:>5g}ms {r.files:>8,} {side:<15} {r.listing_seconds:>9.1f} {r.seconds:>8.1f} "
            f"{r.files_per_second:>8,.0f} {speedup:>8} {vs_best:>7} {r.requests_per_file:>8.3f} {r.kib_per_file:>8.1f} "
            f"{r.peak_rss_mib:>12.0f} {r.cpu_seconds:>7.1f} "
            f"{r.cpu_ms_per_file:>8.2f} {r.server_cpu_seconds:>9.1f} {r.warmup_seconds:>9.2f}"
        )
    notes = sorted({(r.files, r.files_read) for r in results if r.extrapolated})
    for files, read in notes:
        rows.append(
            f"* pyarrow at {files:,} files: extrapolated from {read:,} files (listing of all {files:,} "
            "measured; wall = listing + time per file x files; CPU columns: listing + sample only)"
        )
    return "\n".join(rows)


def best_anchors(results: Sequence[SideResult]) -> dict[tuple[float, int], SideResult]:
    """The fastest anchor (files/s) at each (latency, size)."""
    best: dict[tuple[float, int], SideResult] = {}
    for r in results:
        where = (r.latency_ms, r.files)
        if r.side in ANCHORS and (where not in best or r.files_per_second > best[where].files_per_second):
            best[where] = r
    return best


def verdict(results: Sequence[SideResult]) -> list[str]:
    """PASS/FAIL lines for every target, for every (latency, size) measured."""
    lines = []
    baselines = {(r.latency_ms, r.files): r for r in results if r.side == "pyarrow"}

    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    for r in (r for r in results if r.side == "ours"):
        where = f"{r.latency_ms:g} ms, {r.files:,} files:"
        lines.append(
            f"{where} requests/file {r.requests_per_file:.3f} (<= {REQUESTS_PER_FILE_TARGET}) "
            f"{mark(r.requests_per_file <= REQUESTS_PER_FILE_TARGET)}; "
            f"KiB/file {r.kib_per_file:.1f} (<= {KIB_PER_FILE_TARGET:g}) {mark(r.kib_per_file <= KIB_PER_FILE_TARGET)}"
        )
        base = baselines.get((r.latency_ms, r.files))
        if base is not None:
            speedup = r.files_per_second / base.files_per_second
            label = f", baseline extrapolated from {base.files_read:,} files" if base.extrapolated else ""
            lines.append(
                f"{' ' * len(where)} speed {speedup:.1f}x pyarrow (>= {SPEEDUP_TARGET:g}x{label}) "
                f"{mark(speedup >= SPEEDUP_TARGET)}"
            )
        anchor = best_anchors(results).get((r.latency_ms, r.files))
        if anchor is not None:
            ratio = r.files_per_second / anchor.files_per_second
            lines.append(
                f"{' ' * len(where)} speed {ratio:.2f}x the best anchor ({anchor.side}, "
                f"{anchor.files_per_second:,.0f} files/s) (>= {ANCHOR_SPEEDUP_TARGET:g}x) "
                f"{mark(ratio >= ANCHOR_SPEEDUP_TARGET)}"
            )
        lines.append(
            f"{' ' * len(where)} client CPU {r.cpu_ms_per_file:.2f} ms/file (<= {CPU_MS_PER_FILE_TARGET:g}) "
            f"{mark(r.cpu_ms_per_file <= CPU_MS_PER_FILE_TARGET)}"
        )
        if r.files == RSS_TARGET_FILES:
            lines.append(
                f"{' ' * len(where)} peak RSS {r.peak_rss_mib:.0f} MiB (< {RSS_TARGET_MIB:g} MiB at "
                f"{RSS_TARGET_FILES:,} files) {mark(r.peak_rss_mib < RSS_TARGET_MIB)}"
            )
    if not any(r.side == "ours" and r.files == RSS_TARGET_FILES for r in results):
        lines.append(f"peak RSS target: n/a (defined for {RSS_TARGET_FILES:,} files, not measured in this run)")
    return lines


def broken_runs(results: Sequence[SideResult]) -> list[str]:
    """Reasons the run did not measure the intended workload."""
    problems = []
    for r in results:
        if not r.ok:
            problems.append(f"{r.side} at {r.latency_ms:g} ms, {r.files:,} files: wrong file count or problems found")
        if r.side.startswith("ours") and r.client_requests != r.requests:
            problems.append(
                f"ours at {r.latency_ms:g} ms, {r.files:,} files: the server counted {r.requests:,} requests, "
                f"the report {r.client_requests:,}"
            )
    return problems


def parent_main(args: argparse.Namespace) -> int:
    """Run every (latency, size, side), print the table and the verdict; exit 1 only if a run broke."""
    log_dir = Path(tempfile.mkdtemp(prefix="preflight-scale-"))
    print(
        f"pre-flight at scale: {', '.join(f'{n:,}' for n in args.sizes)} files, latency "
        f"{', '.join(f'{ms:g}' for ms in args.latencies)} ms, baseline sample {args.baseline_sample:,} files, "
        f"{os.cpu_count()} CPUs, logs in {log_dir}",
        flush=True,
    )
    results: list[SideResult] = []
    started = time.perf_counter()
    for latency_ms in args.latencies:
        with MotoS3Server(latency_ms=latency_ms, count_requests=True) as s3:
            t = time.perf_counter()
            file_sizes = populate(s3, args.sizes, args.footer_kib)
            print(
                f"  {latency_ms:g} ms: populated "
                + ", ".join(f"{n:,} x {size / KIB:.1f} KiB" for n, size in file_sizes.items())
                + f" in {time.perf_counter() - t:.1f} s",
                flush=True,
            )
            for files in args.sizes:
                for side in args.sides:
                    result = run_side(side, files, latency_ms, s3.env(), args, log_dir)
                    results.append(result)
                    print(
                        f"  {latency_ms:g} ms, {files:,} files, {side}: {result.wall_seconds:.1f} s measured "
                        f"({time.perf_counter() - started:.0f} s so far)",
                        flush=True,
                    )
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
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of files (default 1,000 and 100,000)")
    parser.add_argument("--latencies", type=float, nargs="+", help="request latencies in ms (default 0 and 20)")
    parser.add_argument(
        "--baseline-sample", type=int, default=None,
        help=f"files the baseline reads in larger directories (default {DEFAULT_BASELINE_SAMPLE:,})",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 files, sample 200")
    parser.add_argument(
        "--sides", nargs="+", choices=SIDES, default=list(DEFAULT_SIDES),
        help=f"what to run (default: {' '.join(DEFAULT_SIDES)}; 'pyarrow' is the sequential read_schema baseline)",
    )  # fmt: skip
    parser.add_argument("--footer-kib", type=int, default=0, help="pad every file's footer to about this many KiB")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)  # internal: the measuring child
    parser.add_argument("--bucket", help=argparse.SUPPRESS)  # internal: the child's bucket
    parser.add_argument("--files", type=int, help=argparse.SUPPRESS)  # internal: files expected in it
    parser.add_argument("--latency-ms", type=float, default=0.0, help=argparse.SUPPRESS)  # internal: for the record
    args = parser.parse_args(argv)
    if args.side:
        if not (args.bucket and args.files):
            parser.error("--side needs --bucket and --files")
        args.baseline_sample = args.baseline_sample or 0
        return args
    args.sizes = tuple(args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES))
    args.latencies = tuple(args.latencies if args.latencies is not None else DEFAULT_LATENCIES)
    if args.baseline_sample is None:
        args.baseline_sample = QUICK_BASELINE_SAMPLE if args.quick else DEFAULT_BASELINE_SAMPLE
    if min(args.sizes) < 1 or min(args.latencies, default=0) < 0 or args.baseline_sample < 1:
        parser.error("--sizes must be >= 1, --latencies >= 0 and --baseline-sample >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return child_main(args) if args.side else parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
