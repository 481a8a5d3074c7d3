"""Names that moved between the Airflow 3 releases we support (3.1 and later)."""

from __future__ import annotations

try:  # Airflow 3.2+: the Task SDK owns the exceptions.
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowSensorTimeout,
        AirflowSkipException,
        AirflowTaskTimeout,
    )
except ImportError:  # Airflow 3.1: still in airflow.exceptions (the same classes the SDK raises there).
    from airflow.exceptions import (  # type: ignore[no-redef]
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowSensorTimeout,
        AirflowSkipException,
        AirflowTaskTimeout,
    )

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "AirflowTaskTimeout",
]


async def aget_connection(hook_class: type, conn_id: str):
    """``BaseHook.aget_connection``, usable outside a triggerer on Airflow 3.1 too.

    Airflow 3.1.0's async lookup reaches for the triggerer's supervisor channel and raises
    ``ImportError`` anywhere else (a script, a test). There, the sync lookup runs in a thread
    so the event loop is still never blocked.
    """
    import asyncio

    try:
        return await hook_class.aget_connection(conn_id)
    except ImportError:
        return await asyncio.to_thread(hook_class.get_connection, conn_id)
