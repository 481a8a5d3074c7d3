"""One pooled ``httpx.AsyncClient`` per event loop, shared by every trigger on that loop.

Building an ``httpx.AsyncClient`` costs tens of milliseconds of CPU (mostly its SSL context), and a
thousand triggers each holding their own pool would hold a thousand sets of sockets. So all users on
a loop share one client. It is reference-counted: a trigger holds it for its whole run
(``async with shared_async_client()``), and the last user out closes it, so nothing is left open when
the loop ends.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

# Enough sockets for many triggers polling at once; the rest wait for a free connection.
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


@dataclass
class _SharedClient:
    client: httpx.AsyncClient
    users: int = 0


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedClient] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def shared_async_client() -> AsyncIterator[httpx.AsyncClient]:
    """Hold the running loop's shared client for the duration of the ``async with`` block."""
    loop = asyncio.get_running_loop()
    shared = _clients.get(loop)
    if shared is None or shared.client.is_closed:
        shared = _SharedClient(httpx.AsyncClient(limits=POOL_LIMITS))
        _clients[loop] = shared
    shared.users += 1
    try:
        yield shared.client
    finally:
        shared.users -= 1
        if shared.users == 0:
            if _clients.get(loop) is shared:
                del _clients[loop]
            await shared.client.aclose()


def open_shared_clients() -> int:
    """How many shared clients are open right now (for tests and diagnostics)."""
    return sum(1 for shared in _clients.values() if not shared.client.is_closed)
