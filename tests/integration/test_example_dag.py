"""`make demo` keeps working: the example DAG runs end to end against local S3 and the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


TASKS = ("validate_source", "start_import", "wait_for_import", "verify_counts", "query_probe")


def run_demo(tmp_path: Path, **extra_env: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PINECONE", "AWS"))}
    env.update(AIRFLOW_HOME=str(tmp_path), **extra_env)
    result = subprocess.run(
        [sys.executable, "-m", "example_dags.run_demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo-key" not in result.stdout + result.stderr
    return result.stdout[result.stdout.index("=== Pinecone bulk import demo ===") :]


def test_the_demo_runs_the_whole_pipeline(tmp_path):
    summary = run_demo(tmp_path)
    for task_id in TASKS:
        assert f"{task_id:<16} success (try 1)" in summary
    assert "Completed, 3,000 records imported" in summary
    assert "index: __default__ 1,000, articles 1,000, products 1,000" in summary


def test_with_20_percent_429s_and_503s_everywhere_no_task_fails_and_one_import_runs(tmp_path):
    summary = run_demo(tmp_path, PINECONE_DEMO_FAULTS="429=0.2,503=0.2,retry_after=0.05")
    assert "faults injected: 429=0.2,503=0.2" in summary
    for task_id in TASKS:
        assert f"{task_id:<16} success (try 1)" in summary  # the hook's retries absorbed every fault
    assert summary.count("  import ") == 1 and "Completed, 3,000 records imported" in summary
