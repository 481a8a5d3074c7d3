"""The deployment suite's fixture: one real Airflow 3.3 deployment per pytest session.

``deployment`` (a :class:`tests.deployment.stack.Deployment`) starts once: moto's S3 server, the
Pinecone emulator, a private PostgreSQL cluster, and ``airflow db migrate`` / ``api-server`` /
``scheduler`` / ``dag-processor`` / ``triggerer`` as subprocesses. Use ``deployment.api`` (an
``httpx.Client`` with the bearer token set) for ``/api/v2`` calls, ``deployment.rest`` for the
helpers, ``deployment.emulator`` / ``deployment.s3``, ``deployment.restart_scheduler()`` /
``deployment.restart_triggerer()``.

Run it alone with ``.venv/bin/python -m pytest -q tests/deployment`` (about 1.5 minutes on two
cores, start-up included); ``-m "not deployment"`` leaves it out. PostgreSQL's server binaries come
from PATH or /usr/lib/postgresql/*/bin (``make postgres`` installs Debian's package). Each
component logs to ``<tmp>/logs/<component>.log`` and the task logs are under
``<tmp>/airflow-home/logs``; set ``DEPLOYMENT_KEEP_DIR=1`` to keep ``<tmp>`` after the run (its path
is printed; use ``-s`` to see it).

It is stopped (every process group it started, PostgreSQL, the servers, its temporary directory)
right after the last test of this directory, so the rest of the session does not share the machine
with it; its subprocesses get an environment of their own, so the in-process tests' throw-away
``AIRFLOW_HOME`` and SQLite database never meet it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deployment.stack import Deployment, start_stack

HERE = Path(__file__).resolve().parent
_running: list[Deployment] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.deployment)
            # Start-up (under a minute) is charged to the first test that asks for the deployment.
            item.add_marker(pytest.mark.timeout(400))


@pytest.fixture(scope="session")
def deployment() -> Iterator[Deployment]:
    """A real Airflow 3.3 deployment (PostgreSQL, LocalExecutor, four components) for the session."""
    stack = start_stack()
    _running.append(stack)
    try:
        yield stack
    finally:
        _running.remove(stack)
        stack.stop()


@pytest.hookimpl(trylast=True)  # after the test's own fixtures are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the deployment right after the last test of this directory, not at the end of the session."""
    if _running and (nextitem is None or HERE not in Path(str(nextitem.path)).parents):
        for stack in _running:
            stack.stop()  # idempotent: the fixture's own teardown then finds nothing left to stop
