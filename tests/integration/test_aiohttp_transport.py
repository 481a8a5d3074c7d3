"""The async client's default path (the loop's shared aiohttp session) against real local servers.

Everything here goes over real sockets to the Pinecone emulator, with its own fault injection:
retries and ``Retry-After``, errors that must raise at once, timeouts, refused and dropped
connections, the ``request_sent`` semantics of non-idempotent calls, upsert bodies, and messages
that never contain the API key. Attempts are counted by what the server saw (one-shot faults
consumed, records stored, the emulator's upsert counters), not by the client's own word.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import Any

import pytest
from aiohttp.http_writer import StreamWriter

from airflow_provider_pinecone.client import (
    AsyncPineconeClient,
    AsyncUpsertSender,
    ClientConfig,
    PineconeAuthenticationError,
    PineconeConnectionError,
    PineconeError,
    PineconeNotFoundError,
    PineconeRateLimitError,
    RetryPolicy,
    pool,
)
from airflow_provider_pinecone.client.upsert import batches, encode_record

pytestmark = pytest.mark.integration

API_KEY = "pcsk_transport_SECRET_must_not_leak_77"
FAST_RETRY = RetryPolicy(max_attempts=4, max_elapsed=20.0, initial_backoff=0.01, max_backoff=0.02)
RETRY_LOGGER = "airflow_provider_pinecone.client.retry"


@pytest.fixture
def emulator(pinecone_emulator, pinecone_index):
    pinecone_emulator.set_import_behaviour(duration=60.0, indexing_delay=0.0)
    return pinecone_emulator


def _config(emulator, index="test-index", **kwargs: Any) -> ClientConfig:
    kwargs.setdefault("retry", FAST_RETRY)
    return ClientConfig(api_key=API_KEY, index_host=emulator.index_host(index), **kwargs)


def _run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=60))


async def _expect(error_type, awaitable) -> tuple[PineconeError, float]:
    started = time.monotonic()
    with pytest.raises(error_type) as raised:
        await awaitable
    return raised.value, time.monotonic() - started


def _retries_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == RETRY_LOGGER]


def _assert_secret_free(error: BaseException, caplog) -> None:
    assert API_KEY not in str(error) and API_KEY not in repr(error)
    assert API_KEY not in caplog.text


@pytest.fixture(autouse=True)
def _retry_logs(caplog):
    caplog.set_level(logging.WARNING, logger=RETRY_LOGGER)


def test_polls_go_through_one_shared_session_that_closes_with_its_last_user(emulator):
    async def scenario():
        client = AsyncPineconeClient(_config(emulator))
        import_id = await client.start_import("s3://bucket/dir")
        async with pool.shared_async_client() as held:
            seen = await asyncio.gather(*(client.describe_import(import_id) for _ in range(20)))
            assert pool.open_shared_clients() == 1 and not held.http.closed
        return held, seen

    held, seen = _run(scenario())
    assert {imp.id for imp in seen} == {seen[0].id} and not any(imp.is_terminal for imp in seen)
    assert held.http.closed and pool.open_shared_clients() == 0


def test_503s_are_retried_after_the_retry_after_the_server_sent(emulator, caplog):
    async def scenario():
        client = AsyncPineconeClient(_config(emulator))
        import_id = await client.start_import("s3://bucket/dir")
        emulator.inject_faults(r"^/bulk/imports/", 503, count=2, retry_after=0.3)
        started = time.monotonic()
        found = await client.describe_import(import_id)
        return found, import_id, time.monotonic() - started

    found, import_id, elapsed = _run(scenario())
    assert found.id == import_id
    # Two waits of the server's 0.3 s, not the policy's 0.02 s backoff.
    assert elapsed >= 0.6
    logged = _retries_logged(caplog)
    assert len(logged) == 2 and all("HTTP 503" in line and "retrying in 0.3 s" in line for line in logged)


def test_a_429_goes_back_at_once_to_a_caller_that_paces_itself(emulator, caplog):
    config = _config(emulator)
    (batch,) = batches([encode_record("a", [0.5] * 8)], "ns")

    async def scenario():
        client = AsyncPineconeClient(config)
        emulator.inject_faults(r"^/vectors/upsert", 429, count=1, retry_after=0.05)
        error, _ = await _expect(PineconeRateLimitError, client.upsert_batch(batch, retry_rate_limits=False))
        stored_after_429 = emulator.namespace_counts("test-index").get("ns", 0)
        upserted = await client.upsert_batch(batch, retry_rate_limits=False)  # the one fault is used up
        return error, stored_after_429, upserted

    error, stored_after_429, upserted = _run(scenario())
    assert error.retry_after == 0.05 and stored_after_429 == 0 and upserted == 1
    assert _retries_logged(caplog) == []
    _assert_secret_free(error, caplog)


@pytest.mark.parametrize(("status", "error_type"), [(401, PineconeAuthenticationError), (400, PineconeError)])
def test_user_mistakes_are_raised_after_one_attempt(emulator, caplog, status, error_type):
    async def scenario():
        client = AsyncPineconeClient(_config(emulator))
        import_id = await client.start_import("s3://bucket/dir")
        # Two faults: a retry would use the second one and the call would then succeed.
        emulator.inject_faults(r"^/bulk/imports/", status, count=2)
        error, _ = await _expect(error_type, client.describe_import(import_id))
        second, _ = await _expect(error_type, client.describe_import(import_id))
        return error, second, await client.describe_import(import_id)

    error, second, found = _run(scenario())
    assert error.status_code == second.status_code == status and not found.is_terminal
    assert _retries_logged(caplog) == []
    _assert_secret_free(error, caplog)


def test_an_unknown_import_is_a_404_at_once(emulator, caplog):
    async def scenario():
        return await _expect(PineconeNotFoundError, AsyncPineconeClient(_config(emulator)).describe_import("999999"))

    error, elapsed = _run(scenario())
    assert error.status_code == 404 and elapsed < 5
    assert _retries_logged(caplog) == []


def test_a_wrong_key_names_where_it_came_from_and_never_shows_it(emulator, caplog):
    config = _config(emulator, setting_sources={"api_key": "the Password of connection 'pc'"})

    async def scenario():
        emulator.inject_faults(r"^/bulk/imports", 401, count=1)
        return await _expect(PineconeAuthenticationError, AsyncPineconeClient(config).describe_import("1"))

    error, _ = _run(scenario())
    assert "Check the API key (read from the Password of connection 'pc')" in str(error)
    _assert_secret_free(error, caplog)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_retried_even_for_a_start_because_nothing_was_sent(caplog):
    config = ClientConfig(api_key=API_KEY, index_host=f"127.0.0.1:{_closed_port()}", retry=FAST_RETRY)

    async def scenario():
        return await _expect(PineconeConnectionError, AsyncPineconeClient(config).start_import("s3://bucket/dir"))

    error, _ = _run(scenario())
    assert error.request_sent is False and "ClientConnectorError" in error.reason
    assert "Gave up after 4 attempt(s)" in str(error)
    assert len(_retries_logged(caplog)) == 3
    _assert_secret_free(error, caplog)


def test_a_read_timeout_is_retried_for_a_poll(emulator, caplog):
    async def scenario():
        client = AsyncPineconeClient(_config(emulator, timeout=0.2))
        import_id = await client.start_import("s3://bucket/dir")
        emulator.set_fault_rates("latency_ms=1000@GET ^/bulk/imports/")
        error, elapsed = await _expect(PineconeConnectionError, client.describe_import(import_id))
        return error, elapsed

    error, elapsed = _run(scenario())
    assert error.request_sent is True and "SocketTimeoutError" in error.reason
    assert len(_retries_logged(caplog)) == 3
    # Four attempts of 0.2 s each, not four of the server's 1 s.
    assert 0.7 <= elapsed < 3.5
    _assert_secret_free(error, caplog)


def test_the_retry_budget_counts_from_the_first_attempt(emulator, caplog):
    """max_elapsed=0.6 s with attempts that time out after 0.4 s: a second attempt starts (0.4 s in)
    and no third (0.8 s in), even though the first attempt ran before the retry loop took over."""
    budget = RetryPolicy(max_attempts=10, max_elapsed=0.6, initial_backoff=0.01, max_backoff=0.01)

    async def scenario():
        client = AsyncPineconeClient(_config(emulator, timeout=0.4, retry=budget))
        import_id = await client.start_import("s3://bucket/dir")
        emulator.set_fault_rates("latency_ms=2000@GET ^/bulk/imports/")
        return await _expect(PineconeConnectionError, client.describe_import(import_id))

    error, _ = _run(scenario())
    assert len(_retries_logged(caplog)) == 1 and "Gave up after 2 attempt(s)" in str(error)


# The timeout is short only where the fault is a slow answer: a dropped connection needs no timeout,
# and a short one could expire while connecting on a loaded machine (a connection never made is
# "not sent", which is not the case under test).
@pytest.mark.parametrize(("fault", "timeout"), [("latency_ms=3000", 1.0), ("drop=1", 10.0)])
def test_a_start_that_may_have_reached_pinecone_is_not_sent_again(emulator, caplog, fault, timeout):
    async def scenario():
        client = AsyncPineconeClient(_config(emulator, timeout=timeout))
        emulator.set_fault_rates(f"{fault}@POST ^/bulk/imports$")
        return await _expect(PineconeConnectionError, client.start_import("s3://bucket/dir"))

    error, _ = _run(scenario())
    assert error.request_sent is True
    assert _retries_logged(caplog) == []
    _assert_secret_free(error, caplog)


def test_dropped_connections_are_retried_for_polls(emulator, caplog):
    async def scenario():
        client = AsyncPineconeClient(_config(emulator, retry=RetryPolicy(max_attempts=8, initial_backoff=0.01)))
        import_id = await client.start_import("s3://bucket/dir")
        emulator.set_fault_rates("drop=0.5@GET ^/bulk/imports/", seed=7)
        return await asyncio.gather(*(client.describe_import(import_id) for _ in range(20)))

    seen = _run(scenario())
    assert len(seen) == 20
    logged = _retries_logged(caplog)
    assert logged and all("ServerDisconnectedError" in line for line in logged)


def _spy_on_sessions(monkeypatch, on_request=None, in_flight=None) -> None:
    """Wrap every new shared session's ``_request``: ``on_request(kwargs)`` per request started, and
    ``in_flight`` ([now, peak]) counting requests inside aiohttp (connection wait, send, headers)."""
    new_session = pool._new_session

    def spying_session():
        session = new_session()
        request = session._request

        async def spy(method, url, **kwargs):
            if on_request is not None:
                on_request(kwargs)
            if in_flight is None:
                return await request(method, url, **kwargs)
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            try:
                return await request(method, url, **kwargs)
            finally:
                in_flight[0] -= 1

        session._request = spy  # type: ignore[method-assign]
        return session

    monkeypatch.setattr(pool, "_new_session", spying_session)


def test_requests_wait_for_a_connection_before_aiohttp_builds_them(emulator, monkeypatch):
    """With more polls than connections, the extra ones wait in the pool's slots, not inside aiohttp
    with their request built: a thousand triggers polling at once must not stall the loop."""
    monkeypatch.setattr(pool, "MAX_CONNECTIONS", 4)
    in_flight = [0, 0]
    _spy_on_sessions(monkeypatch, in_flight=in_flight)

    async def scenario():
        client = AsyncPineconeClient(_config(emulator))
        import_id = await client.start_import("s3://bucket/dir")
        emulator.set_fault_rates("latency_ms=20@GET ^/bulk/imports/")
        return await asyncio.gather(*(client.describe_import(import_id) for _ in range(40)))

    assert len(_run(scenario())) == 40
    assert in_flight == [0, 4]


def test_upserts_go_out_as_built_and_429s_are_paced_by_the_sender(emulator, make_pinecone_index, monkeypatch):
    """2 MiB bodies through the shared session: the very bytes objects the batcher built, every record
    stored once, and the server's counters agree on requests and bytes."""
    sent_bodies: list[Any] = []
    _spy_on_sessions(monkeypatch, lambda kwargs: sent_bodies.append(kwargs.get("data").body))
    socket_writes: list[Any] = []  # what aiohttp hands to the socket's transport, by identity
    write = StreamWriter._write

    def spy_write(writer, chunk):
        socket_writes.append(chunk)
        return write(writer, chunk)

    monkeypatch.setattr(StreamWriter, "_write", spy_write)
    index = make_pinecone_index("wide", dimension=768)
    records = [encode_record(f"r{i}", [(i % 97) / 97 + 0.123456] * 768, metadata={"i": i}) for i in range(2_000)]
    prepared = list(batches(records, "ns"))
    assert len(prepared) >= 8 and max(len(b.body) for b in prepared) > 2_000_000  # near the 2 MiB limit
    emulator.set_fault_rates("429=0.2,retry_after=0.05@^/vectors/upsert", seed=3)

    async def scenario():
        sender = AsyncUpsertSender(AsyncPineconeClient(_config(emulator, index)), max_concurrency=4)
        return await sender.send_all(prepared)

    stats = _run(scenario())
    assert stats.upserted == {"ns": 2_000} and stats.throttled_retries > 0
    assert emulator.namespace_counts(index) == {"ns": 2_000}
    served = emulator.upsert_stats(index)["ns"]
    assert served["requests"] == len(prepared) and served["bytes"] == sum(len(b.body) for b in prepared)
    # Sent as built: no re-encoding or copy on our side, whatever was resent after a 429...
    assert {id(body) for body in sent_bodies} == {id(b.body) for b in prepared}
    assert len(sent_bodies) == len(prepared) + stats.throttled_retries
    # ... nor in aiohttp: each body reached the socket as the same object, not joined to its headers.
    assert sum(any(chunk is b.body for b in prepared) for chunk in socket_writes) == len(sent_bodies)


@pytest.fixture(scope="module")
def tls_emulator():
    from airflow_provider_pinecone.testing.emulator import PineconeEmulator

    with PineconeEmulator(tls=True) as emulator:
        emulator.create_index("tls-index", dimension=8)
        yield emulator


def test_https_trusts_what_httpx_trusts_the_ca_bundle_in_ssl_cert_file(tls_emulator, monkeypatch, caplog):
    """The session takes httpx's CA bundle: certifi unless SSL_CERT_FILE names another."""
    # A bare loopback host means http:// to this client, so the index host is given with its scheme.
    config = ClientConfig(
        api_key=API_KEY, index_name="tls-index", index_host=f"https://{tls_emulator.index_host('tls-index')}",
        control_plane_url=tls_emulator.control_plane_url, retry=FAST_RETRY,
    )  # fmt: skip
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    async def stats():
        client = AsyncPineconeClient(config)
        return await client.describe_index(), await client.describe_index_stats()  # both planes

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    error, _ = _run(_expect(PineconeConnectionError, stats()))
    assert error.request_sent is False and "certificate verify failed" in error.reason
    _assert_secret_free(error, caplog)

    monkeypatch.setenv("SSL_CERT_FILE", str(tls_emulator.ca_cert_path))
    index, stats_ = _run(stats())
    assert index.name == "tls-index" and stats_.total_vector_count == 0


def test_an_upload_the_server_stops_reading_times_out_like_httpx_write_timeout(caplog):
    """httpx bounded each write by the timeout; aiohttp has no write timeout, but its read timer runs
    while the body goes out, so a server that accepts and never reads ends the attempt in time."""
    (batch, *_) = batches([encode_record(f"r{i}", [0.123456789] * 768) for i in range(600)], "ns")

    async def scenario():
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        accepted = asyncio.ensure_future(asyncio.get_running_loop().sock_accept(listener))  # and never read
        config = ClientConfig(
            api_key=API_KEY, index_host=f"127.0.0.1:{listener.getsockname()[1]}", timeout=0.3,
            retry=RetryPolicy(max_attempts=2, initial_backoff=0.01),
        )  # fmt: skip
        try:
            return await _expect(PineconeConnectionError, AsyncPineconeClient(config).upsert_batch(batch))
        finally:
            accepted.cancel()
            if accepted.done() and not accepted.cancelled():
                accepted.result()[0].close()
            listener.close()

    error, elapsed = _run(scenario())
    assert len(batch.body) > 2_000_000 and error.request_sent is True and "Timeout" in error.reason
    assert 0.5 <= elapsed < 5  # two attempts of 0.3 s, not a hang
    _assert_secret_free(error, caplog)


def test_proxies_come_from_the_environment_as_httpx_took_them(monkeypatch, caplog):
    """HTTP_PROXY routes the requests through the proxy (read once per origin), NO_PROXY exempts a host."""
    target = f"127.0.0.1:{_closed_port()}"  # reachable only through the proxy
    config = ClientConfig(api_key=API_KEY, index_host=target, retry=RetryPolicy(max_attempts=1))
    proxied: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0]))
        proxied.append(head.split(b"\r\n")[0])
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    async def stats_through_proxy():
        proxy = await asyncio.start_server(answer, "127.0.0.1", 0)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.sockets[0].getsockname()[1]}")
        try:
            client = AsyncPineconeClient(config)
            return [await client.describe_index_stats() for _ in range(2)]
        finally:
            proxy.close()

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert len(_run(stats_through_proxy())) == 2
    assert proxied == [f"POST http://{target}/describe_index_stats HTTP/1.1".encode()] * 2

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    error, _ = _run(_expect(PineconeConnectionError, stats_through_proxy()))
    assert error.request_sent is False and len(proxied) == 2


def test_fifty_triggers_on_one_loop_each_fire_one_success_through_faults(emulator, monkeypatch):
    """Triggers share the loop's session and settings; 429s (with Retry-After), 503s and dropped
    connections are retried or polled again, and every trigger ends with exactly one event."""
    import json

    from airflow_provider_pinecone.triggers.imports import ImportTrigger

    monkeypatch.setenv(
        "AIRFLOW_CONN_PINECONE_DEFAULT",
        json.dumps({"conn_type": "pinecone_bulk", "password": API_KEY, "host": emulator.index_host("test-index")}),
    )
    emulator.set_import_behaviour(duration=0.5, indexing_delay=0.0)
    client = AsyncPineconeClient(_config(emulator))

    async def start_all():
        return await asyncio.gather(*(client.start_import(f"s3://bucket/{i}") for i in range(50)))

    import_ids = _run(start_all())
    emulator.set_fault_rates("429=0.2,503=0.1,drop=0.05,retry_after=0.05@GET ^/bulk/imports/", seed=11)

    async def events(trigger):
        return [event.payload async for event in trigger.run()]

    async def scenario():
        triggers = [ImportTrigger(import_id=i, poll_interval=0.1) for i in import_ids]
        return await asyncio.gather(*(events(t) for t in triggers))

    fired = _run(scenario())
    assert [[payload["status"] for payload in payloads] for payloads in fired] == [["success"]] * 50
    assert [payloads[0]["import_id"] for payloads in fired] == import_ids
    assert pool.open_shared_clients() == 0
