"""Checks on the numeric parameters of our tasks and trigger, made when they are built.

A ``poll_interval`` of ``nan`` or ``"30"`` would otherwise surface minutes later as a hang or a
traceback deep in the wait loop; here it fails the DAG file's import with a message that names it.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any, Literal, overload

from airflow_provider_pinecone.client import PineconeValidationError

#: The longest poll interval we accept: longer would look like a hang, and sleep() overflows on huge values.
MAX_POLL_SECONDS = 24 * 3600.0
#: The longest wait we accept (a year): an import that needs longer is not going to finish.
MAX_WAIT_SECONDS = 365 * 24 * 3600.0


@overload
def check_seconds(name: str, value: Any, *, maximum: float, allow_none: Literal[False] = False) -> float: ...
@overload
def check_seconds(name: str, value: Any, *, maximum: float, allow_none: bool) -> float | None: ...
def check_seconds(name: str, value: Any, *, maximum: float, allow_none: bool = False) -> float | None:
    """``value`` as a positive, finite number of seconds no larger than ``maximum``.

    Accepts an ``int``, a ``float`` or a ``timedelta``; ``None`` only when ``allow_none``. Anything
    else raises :class:`PineconeValidationError` naming the parameter and what it accepts.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        accepted = "a number of seconds or a timedelta" + (", or None" if allow_none else "")
        raise PineconeValidationError(f"{name} must be {accepted}, got {type(value).__name__} {value!r}.")
    if not math.isfinite(seconds) or seconds <= 0 or seconds > maximum:
        raise PineconeValidationError(
            f"{name} must be a positive, finite number of seconds of at most {maximum:,.0f}, got {value!r}."
        )
    return seconds


def check_deadline(value: Any) -> float | None:
    """An absolute deadline in epoch seconds, or ``None``: a finite number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PineconeValidationError(f"deadline must be a finite epoch time in seconds or None, got {value!r}.")
    return float(value)
