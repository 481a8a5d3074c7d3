"""The async client settings cache: one connection lookup per loop and key, for a while, never a failure.

Runs under the oldest Airflow (3.1) too: connections come from ``AIRFLOW_CONN_*`` variables.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from airflow_provider_pinecone.hooks import config_cache
from airflow_provider_pinecone.hooks import pinecone as hook_module
from airflow_provider_pinecone.hooks.pinecone import PineconeHook

HOST = "idx-1.svc.pinecone.io"


@pytest.fixture
def lookups(monkeypatch):
    """Every connection id the hooks looked up, in order (counted at Airflow's lookup)."""
    seen: list[str] = []
    lookup = hook_module.get_async_connection

    async def counting(conn_id, hook=None):
        seen.append(conn_id)
        await asyncio.sleep(0)  # let the other triggers ask while this lookup is in flight
        return await lookup(conn_id, hook=hook)

    monkeypatch.setattr(hook_module, "get_async_connection", counting)
    return seen


def _define(monkeypatch, key, conn_id="pc", **extra):
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}",
        json.dumps({"conn_type": "pinecone_bulk", "password": key, "host": HOST, "extra": extra}),
    )


async def _configs(hooks):
    return [(await hook.aget_client()).config for hook in await asyncio.gather(*(_ready(h) for h in hooks))]


async def _ready(hook):
    await hook.aget_client()
    return hook


def test_a_thousand_triggers_on_a_loop_read_their_connection_once(monkeypatch, lookups):
    try:
        from airflow.sdk.execution_time.secrets_masker import redact
    except ImportError:  # moved in later releases
        from airflow.sdk._shared.secrets_masker import redact
    key = f"pcsk_cached_{uuid.uuid4().hex}"
    _define(monkeypatch, key)

    configs = asyncio.run(_configs([PineconeHook("pc") for _ in range(1000)]))
    assert lookups == ["pc"]
    assert all(config is configs[0] for config in configs) and configs[0].api_key == key
    assert redact(f"key={key}") == "key=***"  # registered with the masker when it was read


def test_the_task_overrides_and_the_connection_id_are_part_of_the_key(monkeypatch, lookups):
    _define(monkeypatch, "pcsk_a", index_name="from-extra")
    _define(monkeypatch, "pcsk_b", conn_id="other")
    hooks = [PineconeHook("pc"), PineconeHook("pc", index_name="task-index"), PineconeHook("other"), PineconeHook("pc")]

    configs = asyncio.run(_configs(hooks))
    assert [(c.api_key, c.index_name) for c in configs] == [
        ("pcsk_a", "from-extra"),
        ("pcsk_a", "task-index"),
        ("pcsk_b", None),
        ("pcsk_a", "from-extra"),
    ]
    assert sorted(lookups) == ["other", "pc", "pc"]


def test_each_event_loop_reads_for_itself(monkeypatch, lookups):
    _define(monkeypatch, "pcsk_a")
    asyncio.run(_configs([PineconeHook("pc")]))
    asyncio.run(_configs([PineconeHook("pc")]))
    assert lookups == ["pc", "pc"]


def test_an_edited_connection_reaches_new_triggers_once_the_entry_expires(monkeypatch, lookups):
    now = [1000.0]
    monkeypatch.setattr(config_cache.time, "monotonic", lambda: now[0])
    _define(monkeypatch, "pcsk_old")

    async def scenario():
        first = await _configs([PineconeHook("pc")])
        _define(monkeypatch, "pcsk_rotated")
        now[0] += config_cache.TTL_SECONDS - 1
        still = await _configs([PineconeHook("pc")])
        now[0] += 2
        fresh = await _configs([PineconeHook("pc")])
        return first + still + fresh

    assert [c.api_key for c in asyncio.run(scenario())] == ["pcsk_old", "pcsk_old", "pcsk_rotated"]
    assert lookups == ["pc", "pc"]


def test_expired_entries_are_dropped_not_kept_forever(monkeypatch, lookups):
    now = [1000.0]
    monkeypatch.setattr(config_cache.time, "monotonic", lambda: now[0])
    _define(monkeypatch, "pcsk_a")

    async def scenario():
        await _configs([PineconeHook("pc", index_name=f"index-{i}") for i in range(5)])
        now[0] += config_cache.TTL_SECONDS + 1
        await _configs([PineconeHook("pc", index_name="index-new")])
        return [key[2] for key in config_cache._caches[asyncio.get_running_loop()]]

    assert asyncio.run(scenario()) == ["index-new"]


def test_a_broken_connection_is_not_kept(monkeypatch, lookups):
    from airflow_provider_pinecone.client import PineconeConfigurationError

    _define(monkeypatch, "", conn_id="late")  # no API key

    async def scenario():
        with pytest.raises(PineconeConfigurationError, match="has no API key"):
            await asyncio.gather(*(PineconeHook("late").aget_client() for _ in range(3)))
        _define(monkeypatch, "pcsk_now", conn_id="late")  # fixed by the user
        return (await PineconeHook("late").aget_client()).config

    assert asyncio.run(scenario()).api_key == "pcsk_now"
    assert lookups == ["late", "late"]  # one for the three concurrent askers, one after the fix


def test_a_cancelled_trigger_does_not_cancel_the_lookup_the_others_wait_for(monkeypatch, lookups):
    _define(monkeypatch, "pcsk_a")

    async def scenario():
        waiting = [asyncio.ensure_future(PineconeHook("pc").aget_client()) for _ in range(3)]
        await asyncio.sleep(0)  # all three are waiting on the one lookup
        waiting[0].cancel()
        done = await asyncio.gather(*waiting, return_exceptions=True)
        return done

    cancelled, *clients = asyncio.run(scenario())
    assert isinstance(cancelled, asyncio.CancelledError)
    assert [client.config.api_key for client in clients] == ["pcsk_a", "pcsk_a"] and lookups == ["pc"]
