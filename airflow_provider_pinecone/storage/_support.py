"""Helpers shared by the cloud stores: importing an SDK, naming connections, sizing HTTP pools."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from airflow_provider_pinecone.storage.errors import StorageSdkMissing


def import_sdk(module: str, *, extra: str, package: str) -> ModuleType:
    """Import ``module`` or raise :class:`StorageSdkMissing` naming the extra that installs it.

    ``importlib`` rather than ``from x import y``: a ``from`` import can succeed through an attribute
    left on an already-imported parent package even when the submodule itself is unavailable.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise StorageSdkMissing(extra, package) from None


def connection_name(conn: Any, cloud: str) -> str:
    """How messages name ``conn``: "the GCP connection 'my_conn'" (any object with ``conn_id``)."""
    conn_id = getattr(conn, "conn_id", None)
    return f"the {cloud} connection {conn_id!r}" if conn_id else f"the {cloud} connection"


def size_connection_pool(session: Any, max_connections: int) -> Any:
    """Mount adapters on a ``requests`` session that keep up to ``max_connections`` connections per host.

    requests keeps 10 by default, so more parallel threads than that would open and discard a
    connection per request ("Connection pool is full"). Retries stay with the SDK's own policy.
    """
    from requests.adapters import HTTPAdapter

    adapter = HTTPAdapter(pool_maxsize=max_connections)
    for scheme in ("http://", "https://"):
        session.mount(scheme, adapter)
    return session
