"""The deployment suite's fixture: one real Airflow 3.3 deployment per pytest session.

``deployment`` (a :class:`tests.deployment.stack.Deployment`) starts once: moto's S3 server, the
Pinecone emulator, a private PostgreSQL cluster, and ``airflow db migrate`` / ``api-server`` /
``scheduler`` / ``dag-processor`` / ``triggerer`` as subprocesses. Use ``deployment.api`` (an
``httpx.Client`` with the bearer token set) for ``/api/v2`` calls, ``deployment.rest`` for the
helpers, ``deployment.emulator`` / ``deployment.s3``, ``deployment.restart_scheduler()`` /
``deployment.restart_triggerer()``.

Run it alone with ``.venv/bin/python -m pytest -q tests/deployment`` (about 3.5 minutes on two
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

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deployment.harness import ADMIN_PASSWORD, ADMIN_USER, OUTSIDER_PASSWORD, OUTSIDER_USER
from tests.deployment.stack import Deployment, start_stack

HERE = Path(__file__).resolve().parent
_running: list[Deployment] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.deployment)
            # Start-up (under a minute) is charged to the first test that asks for the deployment.
            item.add_marker(pytest.mark.timeout(400))
    _browser_tests_beside_the_scenarios(items)


def _browser_tests_beside_the_scenarios(items: list[pytest.Item]) -> None:
    """Run the browser tests right after the first test that starts the deployment scenarios.

    The scenarios run in threads (test_deployment_scenarios.py) and their tests mostly wait, so the
    browser tests (in the main thread, on their own DAGs and indexes) overlap them instead of adding
    their time after them.
    """
    browser = [item for item in items if Path(str(item.path)).name == "test_ui_browser.py"]
    first = next((i for i, item in enumerate(items) if "scenarios" in getattr(item, "fixturenames", ())), None)
    if not browser or first is None:
        return
    rest = [item for item in items if item not in browser]
    at = rest.index(items[first]) + 1
    items[:] = rest[:at] + browser + rest[at:]


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


# ------------------------------------------------------------------------------------------------
# Browser tests (tests/deployment/test_ui_browser.py): headless Chromium, signed in to the deployment


# Module-scoped, not session-scoped: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and every later test that calls asyncio.run() (dag.test()'s inline
# triggers, the upsert operator) would fail with "cannot be called from a running event loop".
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's, through Playwright's ``executable_path``) for the browser tests."""
    from playwright.sync_api import sync_playwright

    from tests.deployment.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def signed_in(browser: Any, deployment: Deployment) -> Iterator[Callable[..., Any]]:
    """``signed_in(user)``: a new browser context signed in as ``admin`` or ``outsider`` (closed after the test
    module); each user signs in once through the login form, later contexts reuse the session cookie."""
    from tests.deployment.browser import UI_TIMEOUT_MS, VIEWPORT, sign_in

    passwords = {ADMIN_USER: ADMIN_PASSWORD, OUTSIDER_USER: OUTSIDER_PASSWORD}
    states: dict[str, Any] = {}
    contexts: list[Any] = []

    def new_context(user: str = ADMIN_USER) -> Any:
        if user not in states:
            states[user] = sign_in(browser, deployment.airflow.base_url, user, passwords[user])
        context = browser.new_context(
            viewport=VIEWPORT, storage_state=states[user], base_url=deployment.airflow.base_url
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()
