"""Which Pinecone errors end a task at once, and which Airflow may retry.

A user mistake (a bad argument, a bad connection, HTTP 401/403/404, any other 4xx) fails the same way
on every try, so retrying it only costs time: it fails the task without retries. Transient trouble
(429, 5xx, timeouts, an unreachable host) has already been retried by the client and stays an
ordinary exception, which Airflow retries if the task has retries left.

The error raised for a mistake is still an instance of its Pinecone class (``PineconeAuthenticationError``
and so on): code that catches Pinecone errors keeps working. It is also an ``AirflowFailException``,
which is how Airflow knows not to retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airflow.providers.common.compat.sdk import AirflowFailException, AirflowNotFoundException

from airflow_provider_pinecone.client import PineconeError
from airflow_provider_pinecone.client.retry import is_retryable

_OUT_OF_BUDGET_HINT = (
    "This try fails; Airflow retries the task if it has retries left. To wait longer within one try, "
    "raise 'max_attempts' or 'max_retry_seconds' in the Pinecone connection's extra."
)

_FAIL_FAST_CLASSES: dict[type[BaseException], type[BaseException]] = {}


def _fail_fast_class(cls: type[BaseException]) -> type[BaseException]:
    """``cls`` that is also an ``AirflowFailException``; one class per ``cls``, so ``except`` works."""
    if issubclass(cls, AirflowFailException):
        return cls
    if cls not in _FAIL_FAST_CLASSES:
        _FAIL_FAST_CLASSES[cls] = type(
            cls.__name__,
            (cls, AirflowFailException),
            {
                "__module__": cls.__module__,
                "__doc__": f"{cls.__doc__ or cls.__name__} (fails the task without retries)",
                # Pickle (a user's callback may) by rebuilding from the Pinecone class.
                "__reduce__": lambda self: (_rebuild, (cls, self.args, self.__dict__)),
            },
        )
    return _FAIL_FAST_CLASSES[cls]


def as_task_failure(exc: BaseException) -> BaseException:
    """The same error, with the same message and attributes, as one that fails the task without retries."""
    failing = _fail_fast_class(type(exc))
    if failing is type(exc):
        return exc
    clone = failing.__new__(failing, *exc.args)
    clone.__dict__.update(exc.__dict__)
    clone.args = exc.args
    return clone


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return as_task_failure(exc)


def is_user_mistake(exc: BaseException) -> bool:
    """True for errors a retry cannot fix: validation, configuration, and non-transient API answers."""
    if isinstance(exc, AirflowNotFoundException):  # a connection that does not exist
        return True
    return isinstance(exc, PineconeError) and not is_retryable(exc)


@contextmanager
def mistakes_fail_fast() -> Iterator[None]:
    """Re-raise a user mistake as a task failure without retries; let transient errors through."""
    try:
        yield
    except Exception as exc:
        if getattr(exc, "retry_budget_spent", False) and exc.args:
            exc.args = (f"{exc.args[0]} {_OUT_OF_BUDGET_HINT}", *exc.args[1:])
            raise
        if not is_user_mistake(exc) or isinstance(exc, AirflowFailException):
            raise
        # The original traceback points at our client internals, not at anything the user can change.
        raise as_task_failure(exc) from None


@contextmanager
def storage_task_errors(task_id: str, uri: str | None = None) -> Iterator[None]:
    """For tasks that read object storage: what a retry cannot fix fails the task at once.

    Pinecone errors go through :func:`mistakes_fail_fast`. A ``ValueError`` (a bad URI or record, a
    storage connection whose settings cannot work) and a missing cloud SDK fail without retries;
    storage that cannot be read (unreachable, denied for now) may be transient, so Airflow retries it.
    """
    from airflow.providers.common.compat.sdk import AirflowException

    from airflow_provider_pinecone.storage import StorageError, StorageSdkMissing, without_secrets

    try:
        with mistakes_fail_fast():
            yield
    except (PineconeError, AirflowException):
        raise
    except (ValueError, StorageSdkMissing) as exc:
        raise AirflowFailException(f"{task_id}: {exc}") from None
    except StorageError as exc:
        where = without_secrets(uri) if uri else "its storage"
        raise AirflowException(f"{task_id} could not read {where}: {exc}") from None
