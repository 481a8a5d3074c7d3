"""`make demo` keeps working: the example DAG runs end to end against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_the_demo_runs_the_example_dag_to_a_completed_import(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PINECONE"))}
    env["AIRFLOW_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "example_dags.run_demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout[result.stdout.index("=== Pinecone bulk import demo ===") :]
    assert "wait_for_import  success" in summary and "Completed, 3,000 records imported" in summary
    assert "demo-key" not in result.stdout + result.stderr
