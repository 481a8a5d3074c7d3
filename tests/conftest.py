"""Test-wide set-up: a throw-away Airflow home with a fresh metadata database."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Before Airflow is imported anywhere: never touch ~/airflow, never load the example DAGs.
if "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-home-")
    atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

pytest_plugins = ["airflow_provider_pinecone.testing.pytest_plugin"]
