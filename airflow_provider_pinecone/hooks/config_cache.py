"""Client settings read from an Airflow connection once per event loop, not once per trigger.

A triggerer runs every trigger on one event loop. Each ``ImportTrigger`` builds a hook, and each hook
used to look its connection up and parse it: with a thousand triggers that was about 12 % of the CPU
of a poll (``benchmarks/RESULTS.md``), all of it repeating the same answer. Here the first lookup of
a key on a loop does the work and every trigger asking meanwhile awaits that one lookup; the result
is kept for :data:`TTL_SECONDS`, so an edited connection (a rotated API key) reaches new triggers
within that time, as it reaches new tasks.

The API key is registered with Airflow's secrets masker when the settings are built (see
:func:`~airflow_provider_pinecone.hooks.connection_settings.client_config`); the masker is
process-wide, so settings served from the cache stay masked. Failures (a missing connection, a
malformed one) are never kept: the next lookup reads the connection again.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass
from typing import Any

from airflow_provider_pinecone.client import ClientConfig

#: How long settings read from a connection serve later triggers on the same loop.
TTL_SECONDS = 30.0


@dataclass
class _Entry:
    lookup: asyncio.Future[ClientConfig]
    expires: float


_caches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Entry]] = weakref.WeakKeyDictionary()


async def cached_config(key: Hashable, read: Callable[[], Coroutine[Any, Any, ClientConfig]]) -> ClientConfig:
    """The settings cached under ``key`` on the running loop, or what ``read()`` returns (then cached).

    :param key: everything the settings depend on (connection id, the task's index overrides, ...).
    :param read: reads the connection and builds the settings; called once for concurrent askers.
    """
    loop = asyncio.get_running_loop()
    cache = _caches.get(loop)
    if cache is None:
        cache = _caches[loop] = {}
    now = time.monotonic()
    entry = cache.get(key)
    if entry is None or entry.expires <= now:
        # A miss is rare (once per key and TTL): drop every expired entry, so keys no trigger asks
        # for any more do not pile up in a triggerer that runs for weeks.
        for stale in [k for k, e in cache.items() if e.expires <= now and e.lookup.done()]:
            del cache[stale]
        entry = cache[key] = _Entry(loop.create_task(read()), now + TTL_SECONDS)
        entry.lookup.add_done_callback(lambda done: _forget_failure(cache, key, entry, done))
    # Shielded: one trigger cancelled while waiting must not cancel the lookup the others await.
    return await asyncio.shield(entry.lookup)


def _forget_failure(
    cache: dict[Hashable, _Entry], key: Hashable, entry: _Entry, done: asyncio.Future[ClientConfig]
) -> None:
    if (done.cancelled() or done.exception() is not None) and cache.get(key) is entry:
        del cache[key]


def clear() -> None:
    """Forget every cached setting (for tests)."""
    _caches.clear()
