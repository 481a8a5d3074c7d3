"""The retry policy shared by the sync and async transports.

Transient failures (HTTP 408, 429, 5xx, connection errors and timeouts) are retried with jittered
exponential backoff that honours ``Retry-After``, bounded by both an attempt count and a total time.
No other 4xx is ever retried: a bad request stays bad.

A request that is not idempotent (``start_import``) is retried only when Pinecone cannot have acted
on it: the connection was never made, or the answer was 408, 429 or 503. After an ambiguous failure
(a 500 or a read timeout) a blind retry could start a second import, so the caller reconciles instead
(see ``StartImportOperator``).

A caller that paces its own requests (the upsert sender) may take 429s itself instead: it slows down
rather than have every request wait out its own backoff.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import tenacity

from airflow_provider_pinecone.client.errors import PineconeApiError, PineconeConnectionError

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 429})
# Answers that mean "not processed", so even a non-idempotent request may be sent again.
UNPROCESSED_STATUSES = frozenset({408, 429, 503})


def is_retryable(exc: BaseException, idempotent: bool = True, retry_rate_limits: bool = True) -> bool:
    """Whether ``exc`` is a transient failure worth another attempt.

    :param retry_rate_limits: False leaves a 429 to the caller, which paces its own requests.
    """
    if isinstance(exc, PineconeConnectionError):
        return idempotent or not exc.request_sent
    if isinstance(exc, PineconeApiError):
        if exc.status_code == 429 and not retry_rate_limits:
            return False
        if not idempotent:
            return exc.status_code in UNPROCESSED_STATUSES
        return exc.status_code in RETRYABLE_STATUSES or exc.status_code >= 500
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry transient failures.

    :param max_attempts: attempts in all, the first included (1 disables retries).
    :param max_elapsed: seconds after the first attempt past which no new attempt starts.
    :param initial_backoff: the first backoff's upper bound, in seconds; it doubles per attempt.
    :param max_backoff: the cap on one backoff, in seconds (``Retry-After`` may ask for more,
        up to what ``max_elapsed`` leaves).
    """

    max_attempts: int = 6
    max_elapsed: float = 120.0
    initial_backoff: float = 0.5
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        for name in ("max_elapsed", "initial_backoff", "max_backoff"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number of seconds, at least 0, got {value!r}")

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = float(retry_after)
        else:
            wait = tenacity.wait_random_exponential(multiplier=self.initial_backoff, max=self.max_backoff)(state)
        remaining = self.max_elapsed - (state.seconds_since_start or 0.0)
        return max(0.0, min(wait, remaining))

    def tenacity_kwargs(self, operation: str, idempotent: bool, retry_rate_limits: bool = True) -> dict[str, Any]:
        """Arguments for :class:`tenacity.Retrying` or :class:`tenacity.AsyncRetrying`."""

        def log_retry(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "Pinecone %s attempt %d of %d failed (%s); retrying in %.1f s",
                operation,
                state.attempt_number,
                self.max_attempts,
                _short_reason(exc),
                wait,
            )

        def out_of_budget(state: tenacity.RetryCallState) -> None:
            """Raise the last error, saying that the retry budget is spent, not just that it failed."""
            exc = state.outcome.exception() if state.outcome else None
            if exc is None:  # pragma: no cover - tenacity calls this only after a failure
                raise RuntimeError(f"Pinecone {operation}: the retry budget ran out without an error")
            note = (
                f"Gave up after {state.attempt_number} attempt(s) over {state.seconds_since_start or 0.0:.0f} s, "
                f"the retry budget (max_attempts={self.max_attempts}, max_elapsed={self.max_elapsed:.0f} s); "
                "the service may be overloaded or unreachable for longer than that."
            )
            exc.args = (f"{exc.args[0]} {note}" if exc.args else note, *exc.args[1:])
            exc.retry_budget_spent = True  # type: ignore[attr-defined]
            raise exc

        return {
            "stop": tenacity.stop_after_attempt(self.max_attempts) | tenacity.stop_after_delay(self.max_elapsed),
            "wait": self._wait,
            "retry": tenacity.retry_if_exception(lambda exc: is_retryable(exc, idempotent, retry_rate_limits)),
            "before_sleep": log_retry,
            "retry_error_callback": out_of_budget,
        }


def _short_reason(exc: BaseException | None) -> str:
    if isinstance(exc, PineconeApiError):
        return f"HTTP {exc.status_code}" + (f" {exc.code}" if exc.code else "")
    if isinstance(exc, PineconeConnectionError):
        return exc.reason
    return type(exc).__name__ if exc else "unknown"
