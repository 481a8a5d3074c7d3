"""PineconeHook: an Airflow connection turned into a Pinecone client."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from functools import cached_property
from typing import Any

from airflow.providers.common.compat.connection import get_async_connection
from airflow.providers.common.compat.sdk import AirflowNotFoundException
from airflow.sdk import BaseHook

from airflow_provider_pinecone.client import (
    DEFAULT_NAMESPACE,
    AsyncPineconeClient,
    AsyncUpsertSender,
    ClientConfig,
    ImportModel,
    IndexModel,
    IndexStats,
    PineconeAuthenticationError,
    PineconeClient,
    PineconeConnectionError,
    PineconeError,
    PineconeNotFoundError,
    QueryMatch,
    RetryPolicy,
)
from airflow_provider_pinecone.client.pool import shared_async_client
from airflow_provider_pinecone.hooks import config_cache, connection_settings
from airflow_provider_pinecone.lineage import collect_hook_lineage
from airflow_provider_pinecone.provider_info import CONN_FIELDS, CONNECTION_TYPE, HOOK_NAME, UI_FIELD_BEHAVIOUR

CONSOLE_URL = "https://app.pinecone.io"
# test_connection should answer quickly, not retry for two minutes.
#: How long naming a host-only index (for asset URIs) may take before the host names it instead.
NAME_LOOKUP_SECONDS = 3.0
_TEST_CONNECTION_RETRY = RetryPolicy(max_attempts=2, max_elapsed=10.0, initial_backoff=0.5, max_backoff=2.0)


def console_import_url(organization_id: str | None = None, project_id: str | None = None) -> str:
    """The Pinecone console's import page.

    ``-`` stands for the user's current organization and project, which the console resolves;
    real ids (connection extras ``organization_id`` and ``project_id``) make the link exact.
    """
    return f"{CONSOLE_URL}/organizations/{organization_id or '-'}/projects/{project_id or '-'}/import"


class PineconeHook(BaseHook):
    """Interact with Pinecone's bulk import API through an Airflow connection of type ``pinecone_bulk``.

    The connection holds the API key in *Password*, the index host in *Host* (optional; *Port*
    is added to it when Host names none) and, in *Extra*: ``index_name`` (its host is looked up
    when *Host* is empty), ``api_version`` (``2025-10`` by default, or ``2026-07``),
    ``control_plane_url``, ``organization_id`` and ``project_id`` (for console links),
    ``allow_insecure``, ``timeout`` (seconds per request), ``max_attempts`` and
    ``max_retry_seconds`` (the retry budget for transient failures).

    A connection of the official provider's type ``pinecone`` works too: its *Host* is the
    control plane host (never the index host), the index comes from the task or an
    ``index_name`` extra, and its other fields are ignored (see
    :mod:`airflow_provider_pinecone.hooks.connection_settings`).

    :param pinecone_conn_id: the Airflow connection id.
    :param index_name: overrides the connection's ``index_name``.
    :param index_host: overrides the connection's host.
    :param retry: overrides the retry policy built from the connection.
    """

    conn_name_attr = "pinecone_conn_id"
    default_conn_name = "pinecone_default"
    conn_type = CONNECTION_TYPE
    hook_name = HOOK_NAME

    def __init__(
        self,
        pinecone_conn_id: str = default_conn_name,
        index_name: str | None = None,
        index_host: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__()
        self.pinecone_conn_id = pinecone_conn_id
        self.index_name = index_name
        self.index_host = index_host
        self.retry = retry
        self._async_client: AsyncPineconeClient | None = None
        self._asset_index_name: str | None = None

    # ---- connection form -------------------------------------------------------------------

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form (Airflow before 3.2; 3.2+ reads provider info)."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import BooleanField, StringField

        widgets: dict[str, Any] = {}
        for name, field in CONN_FIELDS.items():
            if "boolean" in field["schema"]["type"]:
                widgets[name] = BooleanField(lazy_gettext(field["label"]), description=field.get("description"))
            else:
                widgets[name] = StringField(
                    lazy_gettext(field["label"]), widget=BS3TextFieldWidget(), description=field.get("description")
                )
        return widgets

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Hidden, relabelled and placeholder fields of the connection form."""
        return {
            "hidden_fields": list(UI_FIELD_BEHAVIOUR["hidden-fields"]),
            "relabeling": dict(UI_FIELD_BEHAVIOUR["relabeling"]),
            "placeholders": dict(UI_FIELD_BEHAVIOUR["placeholders"]),
        }

    # ---- configuration ---------------------------------------------------------------------

    def _missing_connection(self) -> AirflowNotFoundException:
        env = f"AIRFLOW_CONN_{self.pinecone_conn_id.upper()}"
        return AirflowNotFoundException(
            f"The Pinecone connection {self.pinecone_conn_id!r} is not defined. Create a connection of "
            f"type {HOOK_NAME!r} ({CONNECTION_TYPE}) with that id (Admin > Connections), or set the "
            f"environment variable {env}."
        )

    def _config_from(self, conn: Any, retry: RetryPolicy | None = None) -> ClientConfig:
        """Build the client settings from a connection; registers the API key with the masker."""
        return connection_settings.client_config(
            conn, self.pinecone_conn_id, index_name=self.index_name, index_host=self.index_host,
            retry=retry or self.retry,
        )  # fmt: skip

    @cached_property
    def _connection(self) -> Any:
        # Read once per hook: inside a task every lookup is a round trip to the API server.
        try:
            return self.get_connection(self.pinecone_conn_id)
        except AirflowNotFoundException:
            raise self._missing_connection() from None

    async def _aconnection(self) -> Any:
        try:
            # Off the event loop before Airflow 3.3.2, whose async lookup masks secrets synchronously
            # (and on 3.1.0 works only inside a triggerer).
            return await get_async_connection(self.pinecone_conn_id, hook=type(self))
        except AirflowNotFoundException:
            raise self._missing_connection() from None

    @cached_property
    def connection_config(self) -> ClientConfig:
        """The client settings from the connection (read once per hook)."""
        return self._config_from(self._connection)

    @cached_property
    def client(self) -> PineconeClient:
        """The blocking client, for workers."""
        return PineconeClient(self.connection_config)

    def get_conn(self) -> PineconeClient:
        """Return the blocking client (Airflow's usual hook entry point)."""
        return self.client

    async def aget_client(self) -> AsyncPineconeClient:
        """The async client, for triggers; reads the connection without blocking the event loop.

        The settings are shared by every hook on the loop with the same connection and overrides,
        read once per :data:`~airflow_provider_pinecone.hooks.config_cache.TTL_SECONDS` (see
        :mod:`~airflow_provider_pinecone.hooks.config_cache`).
        """
        if self._async_client is None:
            key = (type(self), self.pinecone_conn_id, self.index_name, self.index_host, self.retry)
            config = await config_cache.cached_config(key, self._aread_config)
            self._async_client = AsyncPineconeClient(config)
        return self._async_client

    async def _aread_config(self) -> ClientConfig:
        return self._config_from(await self._aconnection())

    def console_import_url(self) -> str:
        """The Pinecone console page that shows this project's imports."""
        return console_import_url(*connection_settings.console_ids(self._connection, self.pinecone_conn_id))

    # ---- sync API (workers) ----------------------------------------------------------------

    def resolve_index_host(self) -> str:
        """The index's data-plane host: the configured one, or the index's, looked up once per hook
        (``index_host`` is the override the hook was given, which may be ``None``).

        Tasks pass it on to their trigger, so the triggerer need not ask the control plane again.
        """
        return self.client.index_host()

    def asset_index_name(self) -> str:
        """The index's name in asset URIs and lineage (``pinecone://<index>/<namespace>``).

        The configured index name; with only an index host, the name of the index with that host
        (one ``list_indexes`` call, cached by the hook), so that an asset names the index the same
        way whichever way a task reaches it; the host itself only when that lookup fails.
        """
        if self._asset_index_name is None:
            self._asset_index_name = self.connection_config.index_name or self._index_name_of_host()
        return self._asset_index_name

    def _index_name_of_host(self) -> str:
        host = _bare_host(self.resolve_index_host())
        # A name for an asset is not worth the connection's whole retry budget: a few seconds at most.
        client = self._quick_client(NAME_LOOKUP_SECONDS)
        try:
            found = [index.name for index in client.list_indexes() if _bare_host(index.host) == host]
        except PineconeError as exc:
            self.log.info("Could not look up which index has host %s (%s); assets name it by its host.", host, exc)
            found = []
        finally:
            client.close()
        return found[0] if found else host

    def start_import(
        self, uri: str, *, integration_id: str | None = None, error_mode: str = "continue", report_lineage: bool = True
    ) -> str:
        """Start a bulk import from ``uri`` into the index; return the import id.

        Reports ``uri`` as an input to Airflow's hook lineage collector, unless ``report_lineage`` is
        false: the collector's first use in a process can take a second or two (Airflow loads every
        provider's asset factories), which a caller that must record the id at once does later.
        """
        import_id = self.client.start_import(uri, integration_id=integration_id, error_mode=error_mode)
        if report_lineage:
            collect_hook_lineage(self, sources=[uri])
        return import_id

    def describe_import(self, import_id: str) -> ImportModel:
        """The current state of an import."""
        return self.client.describe_import(import_id)

    def list_imports(self, *, limit: int | None = None) -> Iterator[ImportModel]:
        """Every recent and ongoing import of the index (``limit`` is the page size)."""
        return self.client.list_imports(limit=limit)

    def cancel_import(self, import_id: str) -> None:
        """Cancel an unfinished import (no effect on a finished one)."""
        self.client.cancel_import(import_id)

    def cancel_import_within(self, import_id: str, seconds: float) -> None:
        """Cancel an import, giving up after about ``seconds`` whatever the connection's retry budget.

        For ``on_kill``, which Airflow ends a few seconds after it starts.
        """
        client = self._quick_client(seconds)
        try:
            client.cancel_import(import_id)
        finally:
            client.close()

    def _quick_client(self, seconds: float) -> PineconeClient:
        """A client that gives up after about ``seconds``, whatever the connection's retry budget."""
        config = dataclasses.replace(
            self.connection_config,
            index_host=self.resolve_index_host(),
            timeout=seconds,
            retry=RetryPolicy(max_attempts=2, max_elapsed=seconds, initial_backoff=0.1, max_backoff=seconds / 2),
        )
        return PineconeClient(config)

    def describe_index(self, name: str | None = None) -> IndexModel:
        """Describe an index, by default the hook's."""
        return self.client.describe_index(name)

    def describe_index_stats(self) -> IndexStats:
        """Vector counts per namespace of the hook's index."""
        return self.client.describe_index_stats()

    def query(
        self, vector: list[float], *, top_k: int = 10, namespace: str = DEFAULT_NAMESPACE, include_metadata: bool = True
    ) -> list[QueryMatch]:
        """The ``top_k`` records of ``namespace`` nearest to ``vector``, best first."""
        return self.client.query(vector, top_k=top_k, namespace=namespace, include_metadata=include_metadata)

    def delete_namespace(self, namespace: str, *, missing_ok: bool = True) -> bool:
        """Delete a namespace of the hook's index and all its records (irreversible).

        What a DAG runs before importing the same files again, so the import does not meet the
        records of the last one. Transient failures (429, 5xx) are retried; other 4xx raise at once.

        :param namespace: ``""`` (or ``"__default__"``) for the default namespace.
        :param missing_ok: a namespace that does not exist (HTTP 404) returns ``False`` instead of
            raising :class:`~airflow_provider_pinecone.client.PineconeNotFoundError`.
        :return: ``True`` if it existed and was deleted, ``False`` if there was nothing to delete.
        """
        return self.client.delete_namespace(namespace, missing_ok=missing_ok)

    async def adelete_namespace(self, namespace: str, *, missing_ok: bool = True) -> bool:
        """Async :meth:`delete_namespace`."""
        client = await self.aget_client()
        return await client.delete_namespace(namespace, missing_ok=missing_ok)

    def upsert(self, vectors: Iterable[Mapping[str, Any]], namespace: str = "") -> int:
        """Write records into a namespace of the hook's index; return how many Pinecone acknowledged.

        Requests are sent one at a time, each as full as Pinecone's limits allow (1,000 records,
        2 MiB); for a large upsert from a worker, use the upsert operator, which sends concurrently.

        :param vectors: dicts with ``id`` and any of ``values`` (floats or a numpy array),
            ``sparse_values`` (``{"indices": [...], "values": [...]}``) and ``metadata`` (a dict,
            or a JSON object as text, sent as it is).
        :param namespace: ``""`` (or ``"__default__"``) for the default namespace.
        """
        upserted = self.client.upsert(vectors, namespace)
        self.report_written({namespace: upserted})
        return upserted

    def report_written(self, records: Mapping[str, int | None], sources: Iterable[str] = ()) -> None:
        """Report to Airflow's hook lineage collector the namespaces written (namespace -> records),
        and the storage ``sources`` they were read from; best effort, never raises.
        """
        index = None
        if records:
            try:
                index = self.asset_index_name()
            except PineconeError:
                pass
        collect_hook_lineage(self, sources=sources, index=index, outputs=records)

    def imports_of(self, uri: str) -> list[ImportModel]:
        """Every listed import of ``uri`` on this index (a trailing ``/`` does not matter)."""
        uri = uri.rstrip("/")
        return [imp for imp in self.list_imports() if (imp.uri or "").rstrip("/") == uri]

    # ---- async API (triggerer) -------------------------------------------------------------

    @asynccontextmanager
    async def session(self) -> AsyncIterator[PineconeHook]:
        """Hold the event loop's shared HTTP connection pool for the block; yields this hook.

        A trigger wraps its whole wait in ``async with hook.session():`` so that its polls reuse the
        pool's open connections. Every hook on the loop shares the one pooled ``aiohttp.ClientSession``
        (see :mod:`airflow_provider_pinecone.client.pool`); the last session to end closes it.
        The async methods below work outside a session too, each on a pool held for that request.
        """
        async with shared_async_client():
            yield self

    async def astart_import(self, uri: str, *, integration_id: str | None = None, error_mode: str = "continue") -> str:
        """Async :meth:`start_import`."""
        client = await self.aget_client()
        return await client.start_import(uri, integration_id=integration_id, error_mode=error_mode)

    async def adescribe_import(self, import_id: str) -> ImportModel:
        """Async :meth:`describe_import`."""
        return await (await self.aget_client()).describe_import(import_id)

    async def alist_imports(self, *, limit: int | None = None) -> AsyncIterator[ImportModel]:
        """Async :meth:`list_imports`."""
        async for item in (await self.aget_client()).list_imports(limit=limit):
            yield item

    async def acancel_import(self, import_id: str) -> None:
        """Async :meth:`cancel_import`."""
        await (await self.aget_client()).cancel_import(import_id)

    async def adescribe_index(self, name: str | None = None) -> IndexModel:
        """Async :meth:`describe_index`."""
        return await (await self.aget_client()).describe_index(name)

    async def adescribe_index_stats(self) -> IndexStats:
        """Async :meth:`describe_index_stats`."""
        return await (await self.aget_client()).describe_index_stats()

    async def aupsert(self, vectors: Iterable[Mapping[str, Any]], namespace: str = "") -> int:
        """Async :meth:`upsert`."""
        client = await self.aget_client()
        upserted = await client.upsert(vectors, namespace)
        # No control-plane lookup on the event loop: a host-only connection names the index by its host.
        index = client.config.index_name or _bare_host(await client.index_host())
        collect_hook_lineage(self, index=index, outputs={namespace: upserted})
        return upserted

    async def aupsert_sender(self, **kwargs: Any) -> AsyncUpsertSender:
        """A sender of prepared upsert batches on the hook's async client, for many requests in flight.

        :param kwargs: :class:`~airflow_provider_pinecone.client.AsyncUpsertSender`'s options
            (``max_concurrency``, ``throttle``, ``on_sent``, ``max_throttled_seconds``).
        """
        return AsyncUpsertSender(await self.aget_client(), **kwargs)

    # ---- UI --------------------------------------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        """Make one cheap authenticated call and say, in plain words, what happened."""
        try:
            connection = self._connection
            if connection.password == connection_settings.MASKED_SECRET:
                return False, (
                    "Airflow passed the masked API key '***' instead of the stored one, so nothing was tested "
                    "(Airflow 3.1's Test button does this for a saved connection). Test it with "
                    f"`airflow connections test {self.pinecone_conn_id}`, or on Airflow 3.3 and later."
                )
            config = self._config_from(connection, retry=_TEST_CONNECTION_RETRY)
        except (PineconeError, AirflowNotFoundException, ValueError) as exc:
            return False, str(exc)
        client = PineconeClient(config)
        try:
            return True, _probe(client)
        except PineconeAuthenticationError:
            return False, "Pinecone rejected the API key: check the Password field holds a valid key of this project."
        except PineconeNotFoundError:
            if config.index_host:
                return False, (
                    f"No index answers at host {config.index_host!r}: check the connection's Host field, or "
                    "clear it and set 'index_name' in the Extra."
                )
            return False, (
                f"There is no index {config.index_name!r} in this project: check 'index_name' in the "
                "connection's Extra (or the task's index_name)."
            )
        except PineconeConnectionError as exc:
            return False, f"Could not reach Pinecone at {exc.url}: {exc.reason}."
        except PineconeError as exc:
            return False, str(exc)
        finally:
            client.close()


def _probe(client: PineconeClient) -> str:
    config = client.config
    if config.index_host:
        stats = client.describe_index_stats()
        return (
            f"Connected to the index at {config.index_host}: {stats.total_vector_count:,} vectors "
            f"in {len(stats.namespaces)} namespaces."
        )
    if config.index_name:
        index = client.describe_index()
        state = "ready" if index.ready else f"not ready ({index.state})"
        return f"Connected: index {index.name!r} is {state}, on {index.cloud} {index.region}, host {index.host}."
    indexes = client.list_indexes()
    return f"Connected: the project has {len(indexes)} indexes. Set 'index_name' in Extra to pick one."


def _bare_host(host: str) -> str:
    """``host`` without a scheme, port or trailing slash, lower case: to compare index hosts."""
    return host.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].lower()
