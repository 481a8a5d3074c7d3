"""Waiting on a condition with a bound, instead of sleeping and hoping: the suite's one waiting helper.

Every test that waits for something to happen polls an observable condition through
:func:`wait_until`, which fails the test (naming what it waited for and the last thing it saw)
when the bound passes. No test sleeps for a fixed time. A test that must show that something
does *not* happen waits for an observable sign that it no longer can (a worker thread ended, a
status became terminal, the clock moved far enough that a running import would have changed)
and then checks once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

#: How many times longer than written the suite's bounds are: every wait_until, the deployment
#: suite's waits and browser actions, the subprocesses of the slowest tests, and pytest-timeout
#: limits (``TEST_PATIENCE``, default 3). The bounds are what a quiet 2-core machine needs; a shared
#: one can be several times slower for minutes at a time (CI once ran the whole suite 1.9x slower,
#: with its deployment's components stalling for up to 25 s). A bound only costs time when a test
#: fails.
PATIENCE = float(os.environ.get("TEST_PATIENCE") or "3")


def patient(seconds: float) -> float:
    """``seconds`` as a bound on this machine: :data:`PATIENCE` times it."""
    return seconds * PATIENCE


def wait_until(
    probe: Callable[[], Any],
    until: Callable[[Any], Any] | None = None,
    *,
    timeout: float = 5.0,
    interval: float = 0.02,
    what: str | None = None,
) -> Any:
    """Call ``probe`` until the condition holds, and return what it returned; fail after ``timeout``
    seconds (:func:`patient`: times :data:`PATIENCE`).

    Without ``until`` the condition is that ``probe()`` returned something truthy. With it,
    ``probe`` only observes (e.g. describes an import) and ``until(value)`` decides, so the
    failure message can show the last value observed::

        wait_until(lambda: emulator.index_host("idx"), what="the data plane")
        model = wait_until(lambda: describe(import_id), lambda m: m["status"] == "Completed",
                           timeout=15, what=f"import {import_id} to complete")

    ``probe`` may raise ``AssertionError`` to fail the test at once (e.g. a server process died).
    """
    bound = patient(timeout)
    deadline = time.monotonic() + bound
    while True:
        value = probe()
        if until(value) if until is not None else value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what or 'condition'}: not met within {bound:.0f} s (last value: {value!r})")
        time.sleep(interval)
