"""Test-wide set-up: a throw-away Airflow home with a fresh metadata database."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from tests.waiting import patient

# Before Airflow is imported anywhere: never touch ~/airflow, never load the example DAGs.
if "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-home-")
    atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

pytest_plugins = ["airflow_provider_pinecone.testing.pytest_plugin"]


@pytest.hookimpl(trylast=True)  # after the directories' own hooks have set their limits
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test's pytest-timeout limit (its marker's, else the ini's) times the suite's patience.

    An explicit ``--timeout`` or ``PYTEST_TIMEOUT`` is taken as given (``--timeout=0`` turns the
    limits off, as pytest-timeout documents), and nothing is done without the plugin.
    """
    if not config.pluginmanager.hasplugin("timeout"):
        return
    if config.getoption("timeout", None) is not None or os.environ.get("PYTEST_TIMEOUT"):
        return
    default = float(config.getini("timeout") or 0)
    for item in items:
        marker = item.get_closest_marker("timeout")
        written = (marker.args[0] if marker.args else marker.kwargs.get("timeout")) if marker else None
        limit = float(written) if written is not None else default
        if not limit:
            continue
        others = {k: v for k, v in marker.kwargs.items() if k != "timeout"} if marker else {}
        # First among the item's own markers, so it is the closest; the marker's method and func_only stay.
        item.add_marker(pytest.mark.timeout(patient(limit), **others), append=False)
