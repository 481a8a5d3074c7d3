"""The plugin's only calls to Pinecone: bounded, cached and through configured connections only.

A request picks a connection by id (never a URL): the client is built from that connection's
settings, so every call goes to the index host (or control plane) the connection names. Each call
has a short timeout and no retry budget (the page polls again anyway), and results are cached for a
few seconds per import and per index, shared by every tab and user of this API server process.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

from airflow_provider_pinecone.client import ImportModel, PineconeClient, PineconeError, RetryPolicy
from airflow_provider_pinecone.hooks import connection_settings
from airflow_provider_pinecone.plugin.cache import TtlCache
from airflow_provider_pinecone.plugin.metadata import get_connection

#: Seconds per Pinecone request from the API server (the connection's own timeout if shorter).
CALL_TIMEOUT = 5.0
#: One attempt: a failed call shows as an error and the next poll tries again.
CALL_RETRY = RetryPolicy(max_attempts=1, max_elapsed=CALL_TIMEOUT)
#: Seconds one import's status is reused across requests.
STATUS_TTL = 3.0
#: Seconds one index's import list is reused across requests.
LIST_TTL = 5.0
#: Seconds a client (and its looked-up index host) is reused; a changed connection shows after this.
CLIENT_TTL = 60.0
#: Imports read per index for the imports page (newest pages first, as Pinecone lists them).
MAX_IMPORTS_PER_INDEX = 200
LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class Target:
    """An index reached through a connection: ``index_name`` overrides the connection's, like a task's."""

    conn_id: str
    index_name: str | None = None


@dataclass(frozen=True)
class Client:
    """A client for a :class:`Target`, and what may never be shown from it."""

    client: PineconeClient
    secrets: tuple[str, ...]

    @property
    def index(self) -> str:
        """The index's name, else its host."""
        config = self.client.config
        return config.index_name or config.index_host or ""


class LiveData:
    """Clients and cached Pinecone answers for the plugin's requests (one per API server process)."""

    def __init__(self, status_ttl: float = STATUS_TTL, list_ttl: float = LIST_TTL) -> None:
        self._clients: TtlCache[Client] = TtlCache(CLIENT_TTL, max_entries=64)
        self._status: TtlCache[ImportModel] = TtlCache(status_ttl, max_entries=1024)
        self._lists: TtlCache[list[ImportModel]] = TtlCache(list_ttl, max_entries=64)

    def client(self, target: Target) -> Client:
        """The client for ``target``, built from its connection (cached)."""
        return self._clients.get(target, lambda: _build_client(target))

    def describe_import(self, target: Target, import_id: str) -> ImportModel:
        """One import's state, at most one Pinecone call per :data:`STATUS_TTL` for all callers."""
        client = self.client(target)
        return self._status.get((target, import_id), lambda: client.client.describe_import(import_id))

    def list_imports(self, target: Target) -> list[ImportModel]:
        """The index's recent imports (at most :data:`MAX_IMPORTS_PER_INDEX`), cached per :data:`LIST_TTL`."""
        client = self.client(target)

        def fetch() -> list[ImportModel]:
            listing = client.client.list_imports(limit=LIST_PAGE_SIZE)
            return list(itertools.islice(listing, MAX_IMPORTS_PER_INDEX))

        return self._lists.get(target, fetch)

    def clear(self) -> None:
        """Forget every cached client and answer."""
        for cache in (self._clients, self._status, self._lists):
            cache.clear()


def _build_client(target: Target) -> Client:
    conn = get_connection(target.conn_id)
    config = connection_settings.client_config(conn, target.conn_id, index_name=target.index_name)
    config = dataclasses.replace(config, timeout=min(config.timeout, CALL_TIMEOUT), retry=CALL_RETRY)
    secrets = tuple(s for s in (config.api_key, conn.password) if s)
    return Client(PineconeClient(config), secrets)


def redacted(view: dict[str, Any], secrets: tuple[str, ...]) -> dict[str, Any]:
    """``view`` with every secret cut out of its text values (Pinecone's error text might quote one)."""
    out: dict[str, Any] = {}
    for key, value in view.items():
        if isinstance(value, str):
            for secret in secrets:
                if secret:
                    value = value.replace(secret, "***")
        out[key] = value
    return out


def shown_error(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """An error as a page may show it: our own messages (which never hold the key), else only its kind.

    Any secret is cut out all the same, in case a message quoted one.
    """
    if isinstance(exc, PineconeError):
        text = str(exc)
    else:
        text = f"Could not reach Pinecone ({type(exc).__name__})."
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:1000]
