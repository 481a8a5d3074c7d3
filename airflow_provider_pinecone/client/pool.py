"""One pooled ``httpx.AsyncClient`` per event loop, shared by every trigger on that loop.

Building an ``httpx.AsyncClient`` costs tens of milliseconds of CPU (mostly its SSL context), and a
thousand triggers each holding their own pool would hold a thousand sets of sockets. So all users on
a loop share one client. It is reference-counted: a trigger holds it for its whole run
(``async with shared_async_client()``), and the last user out closes it, so nothing is left open when
the loop ends.

Requests wait for a free connection on an ``asyncio.Semaphore`` rather than in httpcore's own pool
queue: httpcore re-scans every queued request against every connection each time one finishes,
which with a thousand triggers polling at once cost about a CPU-second per request (measured with
``benchmarks/trigger_fanout.py``). The semaphore keeps httpcore's queue no longer than its pool.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

MAX_CONNECTIONS = 64
# Keep every connection alive between polls: reconnecting costs more CPU than an idle socket.
POOL_LIMITS = httpx.Limits(
    max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS, keepalive_expiry=30.0
)


@dataclass
class SharedAsyncClient:
    """The loop's shared ``httpx.AsyncClient`` and the slots that admit requests to it."""

    http: httpx.AsyncClient
    users: int = 0
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONNECTIONS))

    async def request(self, **kwargs: Any) -> httpx.Response:
        """``httpx.AsyncClient.request``, once a connection slot is free."""
        async with self.slots:
            return await self.http.request(**kwargs)


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedAsyncClient] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def shared_async_client() -> AsyncIterator[SharedAsyncClient]:
    """Hold the running loop's shared client for the duration of the ``async with`` block."""
    loop = asyncio.get_running_loop()
    shared = _clients.get(loop)
    if shared is None or shared.http.is_closed:
        shared = SharedAsyncClient(httpx.AsyncClient(limits=POOL_LIMITS))
        _clients[loop] = shared
    shared.users += 1
    try:
        yield shared
    finally:
        shared.users -= 1
        if shared.users == 0:
            if _clients.get(loop) is shared:
                del _clients[loop]
            await shared.http.aclose()


def open_shared_clients() -> int:
    """How many shared clients are open right now (for tests and diagnostics)."""
    return sum(1 for shared in _clients.values() if not shared.http.is_closed)
