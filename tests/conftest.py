"""Test-wide set-up: a throw-away Airflow home with a fresh metadata database."""

from __future__ import annotations

import os
import tempfile

# Before Airflow is imported anywhere: never touch ~/airflow, never load the example DAGs.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

pytest_plugins = ["airflow_provider_pinecone.testing.pytest_plugin"]
