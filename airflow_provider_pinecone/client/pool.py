"""One pooled ``aiohttp.ClientSession`` per event loop, shared by every trigger on that loop.

A thousand triggers each holding their own session would hold a thousand sets of sockets, so all
users on a loop share one. It is reference-counted: a trigger holds it for its whole run
(``async with shared_async_client()``), and the last user out closes it, so nothing is left open
when the loop ends.

Why aiohttp and not ``httpx.AsyncClient``: with a thousand triggers polling, httpcore's pool spent
about half of each poll re-scanning every connection (``has_expired`` → ``getpeername``) each time a
request entered or left it, and the rest of httpx/httpcore/h11 most of the remainder (py-spy, see
``benchmarks/RESULTS.md``). aiohttp's connector hands a released connection to the next waiter in
constant time and parses responses in C. The sync transport stays on httpx.

The session is set up to behave like the httpx client it replaces: the same CA bundle (certifi, or
``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), proxies from ``HTTP(S)_PROXY`` / ``NO_PROXY``, no redirects
followed (see :mod:`.transport`), no cookies kept (a shared session must not carry one project's
cookies into another's requests), and every connection kept alive between polls.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
import httpx
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

MAX_CONNECTIONS = 64
# Keep every connection alive between polls: reconnecting costs more CPU than an idle socket.
KEEPALIVE_SECONDS = 30.0

#: A proxy URL and its credentials, as ``aiohttp.ClientSession.request`` takes them.
Proxy = tuple[URL | None, aiohttp.BasicAuth | None]

_ssl_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _ssl_context() -> ssl.SSLContext:
    """httpx's default context (certifi, or the bundle ``SSL_CERT_FILE``/``SSL_CERT_DIR`` name), built once.

    Building one costs tens of milliseconds, so it is kept for the process and rebuilt only if those
    variables change.
    """
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = _ssl_contexts.get(key)
    if context is None:
        context = _ssl_contexts[key] = httpx.create_ssl_context()
    return context


@dataclass
class SharedAsyncClient:
    """The loop's shared ``aiohttp.ClientSession``, its users, and the proxy each origin goes through."""

    http: aiohttp.ClientSession
    users: int = 0
    #: Admits requests to the session: one waiting here costs nothing until a connection is free,
    #: while one waiting in aiohttp's connector has already built its request. A thousand triggers
    #: polling at once would build them all in one turn of the event loop and stall it.
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONNECTIONS))
    # aiohttp's own trust_env looks proxies (and .netrc) up in a worker thread on every request;
    # they are read once per origin instead, from the same variables httpx reads.
    _proxies: dict[str, Proxy] = field(default_factory=dict)

    def proxy_for(self, origin: URL) -> Proxy:
        """The proxy (and its credentials) for requests to ``origin`` from the environment, or ``(None, None)``."""
        key = str(origin)
        proxy = self._proxies.get(key)
        if proxy is None:
            try:
                proxy = get_env_proxy_for_url(origin)
            except LookupError:  # no proxy for this origin (none set, or NO_PROXY names it)
                proxy = (None, None)
            self._proxies[key] = proxy
        return proxy


def _new_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=MAX_CONNECTIONS, limit_per_host=0, keepalive_timeout=KEEPALIVE_SECONDS, ssl=_ssl_context()
    )
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedAsyncClient] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def shared_async_client() -> AsyncIterator[SharedAsyncClient]:
    """Hold the running loop's shared session for the duration of the ``async with`` block."""
    loop = asyncio.get_running_loop()
    shared = _clients.get(loop)
    if shared is None or shared.http.closed:
        shared = SharedAsyncClient(_new_session())
        _clients[loop] = shared
    shared.users += 1
    try:
        yield shared
    finally:
        shared.users -= 1
        if shared.users == 0:
            if _clients.get(loop) is shared:
                del _clients[loop]
            await shared.http.close()


def open_shared_clients() -> int:
    """How many shared sessions are open right now (for tests and diagnostics)."""
    return sum(1 for shared in _clients.values() if not shared.http.closed)
