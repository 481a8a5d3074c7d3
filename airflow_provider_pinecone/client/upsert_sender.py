"""Sends prepared upsert batches concurrently, paced per namespace, resending those answered 429.

Batches are pulled from the source only as workers free up, so a sender holds at most
``max_concurrency`` batches however long the source is (back-pressure). A 429 is the service asking
to slow down, not a failure: the batch waits its namespace's pause (:class:`.NamespaceThrottle`) and
is sent again, counted in :attr:`SendStats.throttled_retries`. Other transient errors are retried
by the transport's policy; an error that survives those stops the whole send.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Iterable
from dataclasses import dataclass, field

from airflow_provider_pinecone.client.api import AsyncPineconeClient
from airflow_provider_pinecone.client.errors import PineconeRateLimitError
from airflow_provider_pinecone.client.pool import shared_async_client
from airflow_provider_pinecone.client.throttle import NamespaceThrottle
from airflow_provider_pinecone.client.upsert import UpsertBatch

log = logging.getLogger(__name__)


@dataclass
class SendStats:
    """What a :meth:`AsyncUpsertSender.send_all` did.

    :param requests: upsert requests sent, those answered 429 included (a 5xx retried inside the
        transport counts once).
    :param throttled_retries: batches sent again after a 429.
    :param upserted: acknowledged records per namespace (as the batches name it).
    """

    requests: int = 0
    throttled_retries: int = 0
    upserted: dict[str, int] = field(default_factory=dict)


async def _pull(batches: AsyncIterable[UpsertBatch] | Iterable[UpsertBatch]) -> AsyncGenerator[UpsertBatch]:
    if isinstance(batches, AsyncIterable):
        async for batch in batches:
            yield batch
    else:
        for batch in batches:
            yield batch


class AsyncUpsertSender:
    """Sends upsert batches with at most ``max_concurrency`` requests in flight.

    :param client: the client to send with (its connection pool, retry policy and index).
    :param max_concurrency: the most requests in flight at once.
    :param throttle: paces requests per namespace; by default one with Pinecone's limits.
        Share one throttle between senders writing the same namespaces.
    :param on_sent: called with each acknowledged batch and its upserted count, in the order the
        acknowledgements arrive (not the order of the source); an exception it raises stops the send.
    :param max_throttled_seconds: how long one batch may keep being answered 429 before the send
        gives up with the last :class:`PineconeRateLimitError`.
    """

    def __init__(
        self,
        client: AsyncPineconeClient,
        *,
        max_concurrency: int = 8,
        throttle: NamespaceThrottle | None = None,
        on_sent: Callable[[UpsertBatch, int], None] | None = None,
        max_throttled_seconds: float = 600,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.client = client
        self.max_concurrency = max_concurrency
        self.throttle = throttle or NamespaceThrottle()
        self.on_sent = on_sent
        self.max_throttled_seconds = max_throttled_seconds

    async def send_all(self, batches: AsyncIterable[UpsertBatch] | Iterable[UpsertBatch]) -> SendStats:
        """Send every batch of ``batches``; return what was sent.

        The first error that is not a 429 cancels the requests in flight and is raised as it is.
        """
        stats = SendStats()
        source = _pull(batches)
        pulling = asyncio.Lock()  # one worker at a time takes the next batch from the source

        async def worker() -> None:
            while True:
                async with pulling:
                    batch = await anext(source, None)
                if batch is None:
                    return
                await self._send(batch, stats)

        try:
            # Held for the whole send: a moment with no request in flight would otherwise close the
            # loop's shared pool, and the next request would pay for a new client and connection.
            async with shared_async_client(), asyncio.TaskGroup() as group:
                for _ in range(self.max_concurrency):
                    group.create_task(worker())
        except BaseExceptionGroup as group_error:
            # Raise the first failure itself, not a group of one: callers catch PineconeError.
            raise group_error.exceptions[0] from None
        finally:
            await source.aclose()
        return stats

    async def _send(self, batch: UpsertBatch, stats: SendStats) -> None:
        first_throttled: float | None = None
        while True:
            stats.requests += 1
            try:
                async with self.throttle.slot(batch.namespace, len(batch.body)):
                    upserted = await self.client.upsert_batch(batch, retry_rate_limits=False)
            except PineconeRateLimitError as exc:
                now = time.monotonic()
                first_throttled = now if first_throttled is None else first_throttled
                if now - first_throttled >= self.max_throttled_seconds:
                    exc.add_note(
                        f"The batch of {batch.count} records for namespace {batch.namespace!r} was answered 429 "
                        f"for {now - first_throttled:.0f} s (max_throttled_seconds={self.max_throttled_seconds:g})."
                    )
                    raise
                stats.throttled_retries += 1
                pause = self.throttle.throttled(batch.namespace, exc.retry_after)
                log.debug("Upsert to namespace %r answered 429; resending after %.2f s", batch.namespace, pause)
                continue
            stats.upserted[batch.namespace] = stats.upserted.get(batch.namespace, 0) + upserted
            if self.on_sent is not None:
                self.on_sent(batch, upserted)
            return
