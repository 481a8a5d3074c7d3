"""Smoke test of ``benchmarks/upsert_throughput.py``: its ``--quick`` run works end to end and judges right.

The full benchmark takes minutes and is run by hand (``make bench-upsert``); this runs the quick one
(2,000 records, one SDK setting, one small file into the sink, about 20 s) so that a change to the
operator, the SDK or the emulator that breaks the benchmark shows up in the suite.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest

from tests.paths import REPO_ROOT
from tests.waiting import patient

SCRIPT = REPO_ROOT / "benchmarks" / "upsert_throughput.py"


def benchmark_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("upsert_throughput", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
def test_quick_run_loads_every_record_and_prints_the_table_and_the_targets():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=patient(180), cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr  # 1: a load short, doubled or with wrong values
    out = done.stdout
    for row in ("ours c=8", "sdk b=100 c=8", "ours, 20% 429s", "ours, sink, 16 MiB"):
        assert row in out
    assert "x best: records/s / the SDK's best (sdk b=100 c=8)" in out
    for target in ("client CPU: ours", "throughput: ours", "peak RSS, ours, sink", "airflow-hook: "):
        assert target in out
    assert "(lost 0)" in out and "(written twice 0)" in out and "sample matches: PASS" in out


def test_a_lost_or_doubled_record_fails_the_fault_target():
    bench = benchmark_module()

    def run(stored: int, served: int) -> object:
        return bench.Run(
            "ours, 20% 429s", "ours", "s3://b/f.parquet", 100, faults=bench.FAULT_SPEC, acknowledged=100,
            stored=stored, served_records=served, wall_seconds=1.0, cpu_seconds=1.0,
        )  # fmt: skip

    ours = bench.Run("ours c=8", "ours", "s3://b/f.parquet", 100, acknowledged=100, wall_seconds=1.0, stored=100)
    for faulted, verdict in ((run(100, 100), "PASS"), (run(99, 100), "FAIL"), (run(100, 101), "FAIL")):
        (line,) = [line for line in bench.verdict([ours, faulted]) if line.startswith("20% 429s")]
        assert line.endswith(verdict), line
    assert bench.broken_runs([run(99, 100)])  # a short load makes the run invalid (exit status 1)
