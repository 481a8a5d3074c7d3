"""AsyncUpsertSender at the HTTP edge, with httpx.MockTransport standing in for Pinecone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import orjson
import pytest

from airflow_provider_pinecone.client import (
    DEFAULT_NAMESPACE,
    AsyncPineconeClient,
    AsyncUpsertSender,
    ClientConfig,
    NamespaceThrottle,
    PineconeApiError,
    PineconeClient,
    PineconeRateLimitError,
    RetryPolicy,
    UpsertBatch,
    pool,
)
from airflow_provider_pinecone.client.limits import UPSERT_BYTES_PER_SECOND, UPSERT_REQUESTS_PER_SECOND
from airflow_provider_pinecone.client.upsert import batches, encode_record

HOST = "docs-abc.svc.pinecone.io"
FAST_RETRY = RetryPolicy(max_attempts=4, max_elapsed=10.0, initial_backoff=0.01, max_backoff=0.05)
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def _batches(namespace: str, n: int, per_batch: int = 3) -> list[UpsertBatch]:
    fragments = [encode_record(f"{namespace}-{i}", [0.5, 0.25]) for i in range(n * per_batch)]
    return list(batches(fragments, namespace, max_records=per_batch))


def _ids(request: httpx.Request) -> list[str]:
    return [v["id"] for v in orjson.loads(request.content)["vectors"]]


def _acknowledge(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"upsertedCount": len(_ids(request))})


def _too_many(retry_after: str = "0.05") -> httpx.Response:
    return httpx.Response(429, text="Too many requests", headers={"Retry-After": retry_after})


async def _send(handler: Handler, source, **kwargs):
    config = ClientConfig(api_key="test-key", index_host=HOST, retry=FAST_RETRY)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        sender = AsyncUpsertSender(AsyncPineconeClient(config, http_client=http), **kwargs)
        return await sender.send_all(source)


def test_every_batch_is_sent_as_it_is_and_counted_per_namespace():
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _acknowledge(request)

    source = _batches("a", 3) + _batches(DEFAULT_NAMESPACE, 2)
    sent: list[tuple[UpsertBatch, int]] = []
    stats = asyncio.run(_send(handler, source, on_sent=lambda batch, n: sent.append((batch, n))))
    assert (stats.requests, stats.throttled_retries) == (5, 0)
    assert stats.upserted == {"a": 9, DEFAULT_NAMESPACE: 6}
    assert sorted(b.body for b, _ in sent) == sorted(b.body for b in source) and {n for _, n in sent} == {3}
    assert sorted(r.content for r in seen) == sorted(b.body for b in source)
    request = seen[0]
    assert (request.method, str(request.url)) == ("POST", f"https://{HOST}/vectors/upsert")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Api-Key"] == "test-key"


def test_a_429_pauses_the_namespace_for_retry_after_and_the_batch_is_sent_again():
    answers: dict[str, list[float]] = {}
    throttled_at: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        first_id = _ids(request)[0]
        answers.setdefault(first_id, []).append(time.monotonic())
        if first_id == "a-0" and len(answers[first_id]) == 1:
            throttled_at.append(time.monotonic())
            return _too_many("0.05")
        return _acknowledge(request)

    throttle = NamespaceThrottle()
    stats = asyncio.run(_send(handler, _batches("a", 4) + _batches("b", 2), throttle=throttle, max_concurrency=1))
    assert (stats.requests, stats.throttled_retries) == (7, 1)
    assert stats.upserted == {"a": 12, "b": 6}
    # Sent again only after Retry-After, and the namespace's rates came down (and are climbing back).
    assert answers["a-0"][1] - throttled_at[0] >= 0.05 - 0.001
    assert throttle.rates("a") < (UPSERT_REQUESTS_PER_SECOND, UPSERT_BYTES_PER_SECOND)
    assert throttle.rates("b") == (UPSERT_REQUESTS_PER_SECOND, UPSERT_BYTES_PER_SECOND)


def test_a_503_is_retried_by_the_transport_and_is_not_a_throttled_retry():
    statuses: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if not statuses:
            statuses.append(503)
            return httpx.Response(503, json={"code": 14, "message": "unavailable"})
        statuses.append(200)
        return _acknowledge(request)

    stats = asyncio.run(_send(handler, _batches("a", 1)))
    assert statuses == [503, 200]
    assert (stats.requests, stats.throttled_retries, stats.upserted) == (1, 0, {"a": 3})


def test_a_400_stops_the_send_at_once_and_raises_it():
    pulled: list[int] = []
    requests: list[httpx.Request] = []

    def source():
        for i, batch in enumerate(_batches("a", 100)):
            pulled.append(i)
            yield batch

    async def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if _ids(request)[0] == "a-0":
            return httpx.Response(400, json={"code": 3, "message": "Vector dimension 2 does not match"})
        await asyncio.Event().wait()  # never answers: in flight until cancelled
        raise AssertionError("unreachable")

    with pytest.raises(PineconeApiError, match="Vector dimension 2") as info:
        asyncio.run(_send(handler, source(), max_concurrency=3))
    assert info.value.status_code == 400
    # Not retried, and the send stopped: the others in flight were cancelled, no more were pulled.
    assert sum(_ids(r)[0] == "a-0" for r in requests) == 1
    assert len(requests) <= 3 and len(pulled) <= 4


def test_at_most_max_concurrency_requests_are_in_flight_and_batches_are_pulled_only_as_needed():
    in_flight = 0
    peak = 0
    pulled = 0
    full = asyncio.Event()
    gate = asyncio.Event()
    pulled_when_full: list[int] = []

    def source():
        nonlocal pulled
        for batch in _batches("a", 40, per_batch=1):
            pulled += 1
            yield batch

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == 4 and not full.is_set():
            pulled_when_full.append(pulled)
            full.set()
        await gate.wait()
        await asyncio.sleep(0)  # let the others catch up, so the pool stays full
        in_flight -= 1
        return _acknowledge(request)

    async def scenario():
        send = asyncio.create_task(_send(handler, source(), max_concurrency=4))
        await asyncio.wait_for(full.wait(), timeout=5)
        gate.set()
        return await send

    stats = asyncio.run(scenario())
    assert stats.upserted == {"a": 40} and stats.requests == 40
    assert peak == 4
    # While four requests waited for their answers, only those four batches had been taken.
    assert pulled_when_full == [4]


def test_on_sent_reports_batches_in_the_order_they_are_acknowledged():
    second_acknowledged = asyncio.Event()
    order: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if _ids(request)[0] == "a-0":
            await second_acknowledged.wait()
        return _acknowledge(request)

    def on_sent(batch: UpsertBatch, upserted: int) -> None:
        order.append(orjson.loads(batch.body)["vectors"][0]["id"])
        second_acknowledged.set()

    asyncio.run(_send(handler, _batches("a", 2), on_sent=on_sent, max_concurrency=2))
    assert order == ["a-3", "a-0"]


def test_an_async_source_is_read_as_it_goes():
    async def source():
        for batch in _batches("a", 5):
            await asyncio.sleep(0)
            yield batch

    async def handler(request: httpx.Request) -> httpx.Response:
        return _acknowledge(request)

    assert asyncio.run(_send(handler, source())).upserted == {"a": 15}


def test_an_error_in_the_source_stops_the_send():
    def source():
        yield from _batches("a", 2)
        raise OSError("the Parquet file went away")

    async def handler(request: httpx.Request) -> httpx.Response:
        return _acknowledge(request)

    with pytest.raises(OSError, match="went away"):
        asyncio.run(_send(handler, source()))


def test_a_batch_answered_429_for_longer_than_max_throttled_seconds_fails_with_the_429():
    async def handler(request: httpx.Request) -> httpx.Response:
        return _too_many("0.02")

    with pytest.raises(PineconeRateLimitError) as info:
        asyncio.run(_send(handler, _batches("a", 1), max_throttled_seconds=0.1))
    assert "answered 429 for" in "".join(info.value.__notes__)
    assert "max_throttled_seconds=0.1" in "".join(info.value.__notes__)


def test_max_concurrency_must_be_positive():
    with pytest.raises(ValueError, match="max_concurrency"):
        AsyncUpsertSender(AsyncPineconeClient(ClientConfig(api_key="k", index_host=HOST)), max_concurrency=0)


# ---- the clients' upsert_batch, which the sender sends with ------------------------------------


def _sync_client(handler: Callable[[httpx.Request], httpx.Response]):
    config = ClientConfig(api_key="test-key", index_host=HOST, retry=FAST_RETRY)
    return PineconeClient(config, http_client=httpx.Client(transport=httpx.MockTransport(handler)))


@pytest.mark.parametrize("retry_rate_limits, requests_made", [(True, 2), (False, 1)])
def test_upsert_batch_leaves_429s_to_a_caller_that_asks(retry_rate_limits, requests_made):
    answers = [_too_many("0.01"), httpx.Response(200, json={"upsertedCount": 3})]
    made: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        made.append(request)
        return answers.pop(0)

    (batch,) = _batches("a", 1)
    client = _sync_client(handler)
    if retry_rate_limits:
        assert client.upsert_batch(batch) == 3
    else:
        with pytest.raises(PineconeRateLimitError) as info:
            client.upsert_batch(batch, retry_rate_limits=False)
        assert info.value.retry_after == 0.01 and "Gave up" not in str(info.value)
    assert len(made) == requests_made


def test_the_sync_client_upserts_dicts_in_full_batches_and_sums_the_counts():
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(orjson.loads(request.content))
        return _acknowledge(request)

    records = [{"id": str(i), "values": [0.5], "metadata": {"i": i}} for i in range(1001)]
    assert _sync_client(handler).upsert(records, namespace=DEFAULT_NAMESPACE) == 1001
    assert [len(b["vectors"]) for b in bodies] == [1000, 1]
    assert {b["namespace"] for b in bodies} == {""}
    assert bodies[1]["vectors"][0] == {"id": "1000", "values": [0.5], "metadata": {"i": 1000}}


def test_a_send_holds_one_shared_pool_from_start_to_end(monkeypatch):
    """Between two sequential requests nobody else holds the loop's shared pool; the send must, or
    each request would build a new session (an SSL context: tens of ms of CPU) and connection."""
    from aiohttp import web

    built = []
    new_session = pool._new_session

    def counting_session():
        built.append(new_session())
        return built[-1]

    async def acknowledge(request: web.Request) -> web.Response:
        return web.json_response({"upsertedCount": len(orjson.loads(await request.read())["vectors"])})

    monkeypatch.setattr(pool, "_new_session", counting_session)

    async def run():
        app = web.Application()
        app.router.add_post("/vectors/upsert", acknowledge)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        client = AsyncPineconeClient(ClientConfig(api_key="k", index_host=f"127.0.0.1:{port}", retry=FAST_RETRY))
        try:
            stats = await AsyncUpsertSender(client, max_concurrency=1).send_all(_batches("a", 5))
            upserted = await client.upsert([{"id": str(i), "values": [0.5]} for i in range(2500)], "b")
        finally:
            await runner.cleanup()
        return stats, upserted

    stats, upserted = asyncio.run(run())
    assert stats.upserted == {"a": 15} and upserted == 2500
    assert len(built) == 2  # one for the send's five requests, one for upsert's three
    assert pool.open_shared_clients() == 0
