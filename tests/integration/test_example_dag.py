"""`make demo` keeps working: the example DAG runs end to end against local S3 and the emulator.

The demo runs as a subprocess once, with 20 % 429s and 503s injected everywhere. That run covers
everything a clean run shows (every task succeeds on its first try, one import loads all 3,000
records, the index holds every namespace's rows, the probe query finds its record) and also that
the hook's retries absorb a flaky API: running the demo a second time without faults would only
re-test the two lines of ``run_demo`` that set the fault rates.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.paths import REPO_ROOT
from tests.waiting import patient

pytestmark = pytest.mark.integration
REPO = REPO_ROOT

TASKS = ("validate_source", "start_import", "wait_for_import", "verify_counts", "query_probe")
FAULTS = "429=0.2,503=0.2,retry_after=0.05"


def test_the_demo_runs_the_whole_pipeline_and_rides_out_20_percent_429s_and_503s(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PINECONE", "AWS"))}
    env.update(AIRFLOW_HOME=str(tmp_path), PINECONE_DEMO_FAULTS=FAULTS)
    result = subprocess.run(
        [sys.executable, "-m", "example_dags.run_demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=patient(180),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo-key" not in output
    summary = result.stdout[result.stdout.index("=== Pinecone bulk import demo ===") :]

    assert f"faults injected: {FAULTS}" in summary
    # The faults were met (the client logged retries) and absorbed: no task needed a second try.
    assert re.search(r"attempt \d+ of \d+ failed \(HTTP (429|503)\b", output), "no injected fault reached the client"
    for task_id in TASKS:
        assert f"{task_id:<16} success (try 1)" in summary
    # One import (no retry started a second), complete, and every namespace's rows in the index.
    assert summary.count("  import ") == 1 and "Completed, 3,000 records imported" in summary
    assert "index: __default__ 1,000, articles 1,000, products 1,000" in summary
    assert re.search(r"DAG run success in [\d.]+ s", summary)
