"""``PineconeEmulator``: runs the control plane and one data plane per index in-process.

Each plane is a uvicorn server in a daemon thread. Sockets are bound here (not by uvicorn)
so that ``port=0`` yields a known free port before the server starts.
"""

from __future__ import annotations

import gc
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from fastapi import FastAPI

from airflow_provider_pinecone.client.limits import UPSERT_BYTES_PER_SECOND, UPSERT_REQUESTS_PER_SECOND
from airflow_provider_pinecone.testing.emulator.control_plane import create_control_plane_app
from airflow_provider_pinecone.testing.emulator.data_plane import create_data_plane_app
from airflow_provider_pinecone.testing.emulator.errors import NotFound, require_number
from airflow_provider_pinecone.testing.emulator.faults import (
    FaultRateRule,
    FaultRule,
    expose_connection,
    parse_fault_spec,
)
from airflow_provider_pinecone.testing.emulator.http_protocol import protocol_class
from airflow_provider_pinecone.testing.emulator.importer import RealImport
from airflow_provider_pinecone.testing.emulator.progress import (
    ClockProgress,
    ImportBehaviour,
    ImportProgress,
)
from airflow_provider_pinecone.testing.emulator.rate_limits import UpsertLimits
from airflow_provider_pinecone.testing.emulator.state import (
    EmulatorState,
    ImportRequest,
    IndexConfig,
    IndexRecord,
)
from airflow_provider_pinecone.testing.emulator.store import VectorRecord
from airflow_provider_pinecone.testing.emulator.tls import TLSFiles, TLSServer, create_tls_files
from airflow_provider_pinecone.testing.emulator.validation import validate_index_config
from airflow_provider_pinecone.testing.emulator.versions import DEFAULT_VERSION, index_model

DEFAULT_STARTUP_TIMEOUT = 10.0
DEFAULT_SHUTDOWN_TIMEOUT = 5.0
_POLL_INTERVAL = 0.005


class _Keep:
    """Type of :data:`KEEP`."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()
"""Sentinel for "leave this setting as it is" (``None`` is a meaningful value)."""


class EmulatorStartupError(RuntimeError):
    """A server did not start listening within the allowed time."""


class _ServerThread:
    """One uvicorn server on a pre-bound socket, running in a daemon thread (HTTPS given ``tls``)."""

    def __init__(self, app: FastAPI, host: str, port: int, name: str, tls: TLSFiles | None = None) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind((host, port))
            self.host = host
            self.port: int = self._sock.getsockname()[1]
            config = uvicorn.Config(
                expose_connection(app),  # lets fault rates drop connections
                # JSON errors (and a 414) for requests uvicorn's parser refuses; the gate sets the plane.
                http=protocol_class(app.state.plane),
                log_level="warning",
                access_log=False,
                lifespan="off",
                # Keep shutdown bounded even if a client holds a request open.
                timeout_graceful_shutdown=1,
                ssl_certfile=str(tls.server_cert) if tls else None,
                ssl_keyfile=str(tls.server_key) if tls else None,
            )
            self._server = TLSServer(config) if tls else uvicorn.Server(config)
            self._thread = threading.Thread(
                target=self._server.run, kwargs={"sockets": [self._sock]}, name=name, daemon=True
            )
        except BaseException:
            self._sock.close()
            raise

    @property
    def name(self) -> str:
        """The server thread's name."""
        return self._thread.name

    def start(self, timeout: float) -> None:
        """Start serving; returns once the server accepts connections.

        On failure (the thread died, ``timeout`` passed, or the wait was interrupted) the
        server is stopped and joined (bounded) and its socket closed before raising.
        """
        deadline = time.monotonic() + timeout
        try:
            self._thread.start()
            while not self._server.started:
                if not self._thread.is_alive():
                    raise EmulatorStartupError(f"{self.name} exited during startup")
                if time.monotonic() > deadline:
                    raise EmulatorStartupError(f"{self.name} did not start within {timeout:.1f}s")
                time.sleep(_POLL_INTERVAL)
        except BaseException:
            stop_servers([self])
            raise

    def request_stop(self) -> None:
        """Ask the server to exit without waiting."""
        self._server.should_exit = True

    def force_stop(self) -> None:
        """Stop waiting for open connections and background tasks."""
        self._server.force_exit = True

    def join_until(self, deadline: float) -> bool:
        """Wait for the server thread until the monotonic ``deadline``; ``True`` if it ended."""
        if self._thread.is_alive():
            self._thread.join(max(0.0, deadline - time.monotonic()))
        return not self._thread.is_alive()

    def close(self) -> None:
        """Release the listening socket."""
        self._sock.close()


def stop_servers(servers: list[_ServerThread], timeout: float = DEFAULT_SHUTDOWN_TIMEOUT) -> None:
    """Stop ``servers`` in parallel, waiting at most about ``2 * timeout`` for all of them.

    All servers are signalled first and then joined against one shared deadline, so the
    wait does not grow with the number of servers; any still running after it are
    force-stopped and given a second shared deadline. Sockets are closed in every case.
    """
    for server in servers:
        server.request_stop()
    deadline = time.monotonic() + timeout
    stragglers = [server for server in servers if not server.join_until(deadline)]
    if stragglers:
        for server in stragglers:
            server.force_stop()
        deadline = time.monotonic() + timeout
        for server in stragglers:
            server.join_until(deadline)
    for server in servers:
        server.close()


class PineconeEmulator:
    """A local, in-memory stand-in for Pinecone's REST API (control and data planes).

    Example::

        with PineconeEmulator() as emu:
            emu.create_index("demo-index", dimension=8)
            url = emu.control_plane_url        # "http://127.0.0.1:<port>"
            host = emu.index_host("demo-index")  # "127.0.0.1:<port>", no scheme

    With ``tls=True`` both planes serve HTTPS with a certificate signed by a local CA
    (:attr:`ca_cert_path`, see :mod:`.tls`). Pinecone answers an index's ``host`` without a
    scheme and clients dial it over ``https://``, so this is what lets Pinecone's own clients
    look an index up by name (``pc.Index("demo-index")``) once they trust the CA::

        with PineconeEmulator(tls=True) as emu:
            emu.create_index("demo-index", dimension=8)
            pc = Pinecone(api_key="any", host=emu.control_plane_url, ssl_ca_certs=str(emu.ca_cert_path))
            pc.Index("demo-index").upsert(vectors=[("a", [0.1] * 8)])

    Imports are real by default: the files under the URI are read (through the SDKs'
    default configuration, see :mod:`.importer`) and loaded into the in-memory vector store.
    Passing ``import_duration`` (or clock knobs to :meth:`set_import_behaviour`) makes them
    *simulated* instead: the URI is not read and progress follows the clock.

    Args:
        port: Control-plane port; 0 picks a free one.
        api_key: The only accepted ``Api-Key``; ``None`` accepts any non-empty key.
        import_duration: ``None`` for real imports; else seconds a simulated import spends
            loading (0 -> 100 %).
        indexing_delay: Seconds an import stays InProgress at 100 % before Completed.
        host: Interface to bind; index hosts are reported on this address too.
        startup_timeout: Upper bound for each server to start listening.
        file_delay: Seconds a real import pauses after each file (to make progress visible).
        fault_spec: Fault rates to apply from the start (syntax in :mod:`.faults`).
        fault_seed: Seed of the fault-rate random generator.
        upsert_requests_per_second: Upsert requests per second per namespace before a 429 (Pinecone's
            100); ``None``: no limit. See :meth:`set_upsert_limits`.
        upsert_bytes_per_second: Upsert request bytes per second per namespace before a 429
            (Pinecone's 50 MB); ``None``: no limit.
        tls: Serve both planes over HTTPS (``https://`` URLs) instead of plain HTTP.
        tls_dir: With ``tls``, the directory keeping the CA (reused if it holds one, so clients
            trust it across runs) and the server certificate; ``None``: a temporary directory
            removed with the emulator object.
    """

    def __init__(
        self,
        port: int = 0,
        api_key: str | None = None,
        import_duration: float | None = None,
        indexing_delay: float = 1.0,
        host: str = "127.0.0.1",
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        file_delay: float = ImportBehaviour.file_delay,
        fault_spec: str | None = None,
        fault_seed: int | None = 0,
        upsert_requests_per_second: int | None = UPSERT_REQUESTS_PER_SECOND,
        upsert_bytes_per_second: int | None = UPSERT_BYTES_PER_SECOND,
        tls: bool = False,
        tls_dir: str | Path | None = None,
    ) -> None:
        self._port = port
        self._api_key = api_key
        self._host = host
        self._startup_timeout = startup_timeout
        simulate = import_duration is not None
        behaviour = ImportBehaviour(
            duration=import_duration if simulate else ImportBehaviour.duration,
            indexing_delay=indexing_delay,
            simulate=simulate,
            file_delay=file_delay,
        )
        self._state = EmulatorState(
            behaviour,
            progress_factory=self._make_progress,
            upsert_limits=UpsertLimits(upsert_requests_per_second, upsert_bytes_per_second),
        )
        self._fault_spec = fault_spec
        self._fault_seed = fault_seed
        if fault_spec:
            self.set_fault_rates(fault_spec, seed=fault_seed)
        self._control: _ServerThread | None = None
        self._data_planes: dict[str, _ServerThread] = {}
        # Guards _control/_data_planes; server start/stop happens outside the state lock.
        # Lock order: _servers_lock may be held while taking the state lock, never the
        # other way round.
        self._servers_lock = threading.Lock()
        self._tls: TLSFiles | None = None
        if tls:
            if tls_dir is None:
                # Kept on the object: the directory is removed when the emulator is collected.
                self._tls_tmp = tempfile.TemporaryDirectory(prefix="pinecone-emulator-tls-")
                tls_dir = self._tls_tmp.name
            self._tls = create_tls_files(tls_dir, [host])
        elif tls_dir is not None:
            raise ValueError("tls_dir is only used with tls=True; pass tls=True to serve HTTPS.")

    # ------------------------------------------------------------------ lifecycle
    @property
    def state(self) -> EmulatorState:
        """The shared in-memory state (for the control-plane app and advanced tests)."""
        return self._state

    def start(self) -> PineconeEmulator:
        """Start the control plane; blocks until it accepts connections."""
        with self._servers_lock:
            if self._control is not None:
                return self
            app = create_control_plane_app(self, self._api_key)
            server = _ServerThread(app, self._host, self._port, "pinecone-emulator-control", self._tls)
            server.start(self._startup_timeout)
            self._control = server
        return self

    def stop(self) -> None:
        """Stop every server (bounded wait). The emulator can be started again."""
        self._clear(stop_control=True)

    def _clear(self, *, stop_control: bool) -> None:
        # Reset the state *before* collecting the servers: a create_index racing with this
        # then either registered its server already (and it is collected here) or finds
        # its index gone when it tries to register, and stops its own server.
        self._state.reset()
        with self._servers_lock:
            servers = list(self._data_planes.values())
            self._data_planes.clear()
            if stop_control and self._control is not None:
                servers.append(self._control)
                self._control = None
        stop_servers(servers)

    def __enter__(self) -> PineconeEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def control_plane_url(self) -> str:
        """``http://HOST:PORT`` of the control plane (``https://`` with ``tls``), after :meth:`start`."""
        control = self._control  # read once: stop() may clear it concurrently
        if control is None:
            raise RuntimeError("The emulator is not running; call start() first.")
        return f"{self.scheme}://{self._host}:{control.port}"

    @property
    def scheme(self) -> str:
        """``https`` with ``tls``, else ``http``: the scheme of both planes."""
        return "https" if self._tls else "http"

    @property
    def ca_cert_path(self) -> Path | None:
        """PEM file of the CA that signed the servers' certificate (``tls`` only, else ``None``).

        Hand it to clients: ``Pinecone(ssl_ca_certs=...)``, ``SSL_CERT_FILE`` for httpx-based
        Python code, ``NODE_EXTRA_CA_CERTS`` for Node.
        """
        return self._tls.ca_cert if self._tls else None

    @property
    def api_key(self) -> str | None:
        """The required API key, or ``None`` if any non-empty key is accepted."""
        return self._api_key

    # -------------------------------------------------------------------- indexes
    def create_index(
        self,
        name: str,
        dimension: int | None = None,
        metric: str | None = None,
        cloud: str = "aws",
        region: str = "us-east-1",
        vector_type: str = "dense",
        deletion_protection: str = "disabled",
        tags: dict[str, str] | None = None,
        api_version: str = DEFAULT_VERSION,
    ) -> dict[str, Any]:
        """Create an index in-process and start its data plane.

        Returns the ``IndexModel`` as the control plane would for ``api_version``
        (it always has ``name`` and ``host``). Raises :class:`~.errors.EmulatorError`
        subclasses on invalid input or a duplicate name.
        """
        config = self.index_config(
            name, dimension, metric, cloud, region, vector_type, deletion_protection=deletion_protection, tags=tags
        )
        return index_model(self.create_index_from_config(config), api_version)

    @staticmethod
    def index_config(
        name: str,
        dimension: int | None = None,
        metric: str | None = None,
        cloud: str = "aws",
        region: str = "us-east-1",
        vector_type: str = "dense",
        deletion_protection: str = "disabled",
        tags: dict[str, str] | None = None,
    ) -> IndexConfig:
        """A validated index configuration, with Pinecone's default metric for the vector type."""
        return validate_index_config(
            IndexConfig(
                name=name,
                vector_type=vector_type,
                dimension=dimension,
                metric=metric or ("dotproduct" if vector_type == "sparse" else "cosine"),
                cloud=cloud,
                region=region,
                deletion_protection=deletion_protection,
                tags=tags,
            )
        )

    def detach_data_plane(self, name: str) -> Any | None:
        """Take index ``name``'s data-plane server out of the emulator, still running, or ``None``.

        ``reset()`` and ``delete_index`` no longer stop it; the caller owns it (see
        :meth:`attach_data_plane`). It keeps serving whatever index of that name the state holds.
        """
        with self._servers_lock:
            return self._data_planes.pop(name, None)

    def attach_data_plane(self, config: IndexConfig, server: Any) -> None:
        """Register index ``config``, served by a detached data-plane ``server`` instead of a new one.

        Raises as :meth:`create_index_from_config` does (409 on a duplicate name), leaving the
        server to the caller; once the index is registered the emulator owns the server.
        """
        record = self._state.add_index(config)
        with self._servers_lock:  # the index and its server are registered as one step
            registered = self._state.set_index_host(record, f"{server.host}:{server.port}")
            if registered:
                self._data_planes[config.name] = server
        if not registered:  # deleted meanwhile: never leak the server
            stop_servers([server])

    def create_index_from_config(self, config: IndexConfig) -> IndexRecord:
        """Register a validated index and start its data-plane server.

        Raises :class:`~.errors.NotFound` if the index is deleted (or the emulator reset
        or stopped) while its data plane is starting; no server is left running then.
        """
        record = self._state.add_index(config)  # reserves the name (409 on duplicates)
        try:
            app = create_data_plane_app(self._state, config.name, self._api_key)
            server = _ServerThread(app, self._host, 0, f"pinecone-emulator-data-{config.name}", self._tls)
            server.start(self._startup_timeout)  # cleans up after itself on failure
        except BaseException:
            self._state.discard_index(record)  # not a newer index that took the name
            raise
        # Registering the server and publishing its host is one step under _servers_lock:
        # delete_index/reset/stop remove the index from the state first and collect
        # servers under this lock afterwards, so either they see this server or this
        # sees the index gone.
        with self._servers_lock:
            registered = self._state.set_index_host(record, f"{self._host}:{server.port}")
            if registered:
                self._data_planes[config.name] = server
        if not registered:
            stop_servers([server])
            raise NotFound(f"Index {config.name} was deleted while it was being created.")
        return record

    def delete_index(self, name: str) -> None:
        """Forget an index (ignoring deletion protection) and stop its data plane."""
        self._state.remove_index(name)
        with self._servers_lock:
            server = self._data_planes.pop(name, None)
        if server is not None:
            stop_servers([server])

    def index_host(self, name: str) -> str:
        """``HOST:PORT`` of an index's data plane, without scheme, as the control plane answers it.

        Pinecone answers a bare host name its clients dial over ``https://``; the port is the
        emulator's addition. Prefix :attr:`scheme` to build a URL.
        """
        host = self._state.get_index(name).host
        if host is None:
            raise RuntimeError(f"Index {name!r} has no data plane yet.")
        return host

    # -------------------------------------------------------------------- imports
    def _make_progress(self, index: IndexConfig, request: ImportRequest, behaviour: ImportBehaviour) -> ImportProgress:
        if behaviour.simulate:
            return ClockProgress(behaviour)
        return RealImport(index, request, behaviour, self._state.vectors)

    def set_import_behaviour(
        self,
        duration: float | _Keep = KEEP,
        indexing_delay: float | _Keep = KEEP,
        records: int | _Keep = KEEP,
        fail_message: str | None = None,
        fail_at_percent: float = 50.0,
        pending: float | None | _Keep = KEEP,
        simulate: bool | _Keep = KEEP,
        file_delay: float | _Keep = KEEP,
        record_delay: float | _Keep = KEEP,
    ) -> None:
        """Change how imports started from now on behave (running imports are unaffected).

        ``duration``, ``indexing_delay``, ``records``, ``pending``, ``file_delay`` and
        ``record_delay`` keep their current value when omitted (``pending=None`` means 10 %
        of ``duration``). The failure settings are always applied, so a call without
        ``fail_message`` stops failing.

        Real or simulated: ``simulate=True`` simulates imports on the clock (the URI is not
        read); ``simulate=False`` reads and loads the files. When ``simulate`` is omitted,
        setting any clock knob (``duration``, ``records``, ``pending`` or ``fail_message``)
        switches to simulated imports, so existing tests written against the simulation keep
        working; otherwise the mode stays as it is. ``indexing_delay``, ``file_delay`` and
        ``record_delay`` (seconds per record) pace real imports.
        """
        changes: dict[str, Any] = {
            "duration": duration,
            "indexing_delay": indexing_delay,
            "records": records,
            "pending": pending,
            "simulate": simulate,
            "file_delay": file_delay,
            "record_delay": record_delay,
        }
        settings = {k: v for k, v in changes.items() if v is not KEEP}
        clock_knobs = {"duration", "records", "pending"} & settings.keys()
        if simulate is KEEP and (clock_knobs or fail_message is not None):
            settings["simulate"] = True
        settings.update(fail_message=fail_message, fail_at_percent=fail_at_percent)
        self._state.set_behaviour(**settings)

    def list_imports(self, index_name: str) -> list[dict[str, Any]]:
        """All imports of an index as camelCase ``ImportModel`` dicts, oldest first."""
        return self._state.list_imports(index_name).data

    # --------------------------------------------------------------------- vectors
    def upsert(self, index: str, namespace: str, records: list[VectorRecord | dict[str, Any]]) -> int:
        """Seed records into an index's namespace without HTTP or validation; returns the count.

        ``records`` are :class:`~.store.VectorRecord` or dicts like
        ``{"id": "a", "values": [...], "sparse_values": {"indices": [...], "values": [...]},
        "metadata": {...}}``. ``namespace`` ``""`` is ``__default__``.
        """
        self._state.get_index(index)  # NotFound for an unknown index
        built = [r if isinstance(r, VectorRecord) else VectorRecord.create(**r) for r in records]
        return self._state.vectors.upsert(index, namespace, built)

    def namespace_counts(self, index: str) -> dict[str, int]:
        """Record count per namespace of ``index`` (only namespaces holding records)."""
        self._state.get_index(index)
        return self._state.vectors.namespace_counts(index)

    def fetch(self, index: str, namespace: str, ids: list[str]) -> list[VectorRecord]:
        """The stored records among ``ids`` (unknown ids are left out)."""
        self._state.get_index(index)
        return self._state.vectors.fetch(index, namespace, ids)

    # ---------------------------------------------------------------- upsert limits
    def set_upsert_limits(
        self,
        requests_per_second: int | None | _Keep = KEEP,
        bytes_per_second: int | None | _Keep = KEEP,
    ) -> dict[str, int | None]:
        """Change the per-namespace upsert rate limits of every index; returns the limits now in force.

        Over either limit in the current one-second window, ``POST /vectors/upsert`` answers 429
        (``RESOURCE_EXHAUSTED``) with ``Retry-After: 1`` and writes nothing. ``None`` turns a limit
        off; an omitted one stays. :meth:`reset` restores the constructor's limits. Invalid
        values (not an integer >= 1) raise ``ValueError``.
        """
        current = self._state.upserts.limits
        limits = UpsertLimits(
            current.requests_per_second if isinstance(requests_per_second, _Keep) else requests_per_second,
            current.bytes_per_second if isinstance(bytes_per_second, _Keep) else bytes_per_second,
        )
        self._state.upserts.set_limits(limits)
        return limits.to_dict()

    def upsert_limits(self) -> dict[str, int | None]:
        """The per-namespace upsert limits in force: ``{"requests_per_second", "bytes_per_second"}``."""
        return self._state.upserts.limits.to_dict()

    def upsert_stats(self, index: str) -> dict[str, dict[str, int]]:
        """What the data plane's ``POST /vectors/upsert`` did for ``index``, per namespace.

        ``{namespace: {"requests": served (200), "throttled": answered 429 by the rate limit,
        "records": records upserted, "bytes": request bytes served}}``; the default namespace is
        ``__default__``. Requests refused as invalid (400) or by injected faults are not counted, nor
        is :meth:`upsert` (which seeds records without HTTP). Counters restart at :meth:`reset`.
        """
        self._state.get_index(index)  # NotFound for an unknown index
        return self._state.upserts.stats(index)

    # --------------------------------------------------------------------- faults
    def set_fault_rates(
        self,
        spec: str | None = None,
        *,
        seed: int | None = 0,
        rate_429: float = 0.0,
        rate_500: float = 0.0,
        rate_503: float = 0.0,
        drop: float = 0.0,
        latency_ms: float = 0.0,
        retry_after: float = 1.0,
        path_regex: str | None = None,
        method: str | None = None,
    ) -> None:
        """Fail requests at random, at the given rates, until :meth:`clear_fault_rates`.

        Either a ``spec`` string (syntax in :mod:`.faults`, as for ``--faults``), e.g.
        ``"429=0.2,503=0.2"`` or ``"latency_ms=50,drop=0.01@^/bulk/imports"``, or one rule
        from the keyword arguments. Replaces earlier rates; ``seed`` makes the draws
        reproducible (``None``: random). Admin routes are never faulted. Invalid arguments
        raise ``ValueError``.
        """
        if spec is not None:
            rules = parse_fault_spec(spec)
        else:
            rates = {429: rate_429, 500: rate_500, 503: rate_503}
            rules = [
                FaultRateRule(
                    rates={k: v for k, v in rates.items() if v},
                    drop=drop,
                    latency_ms=latency_ms,
                    retry_after=retry_after,
                    path_regex=path_regex,
                    method=method,
                )
            ]
        if seed is not None:
            require_number("seed", seed, integer=True)
        self._state.fault_rates.set(rules, seed)

    def clear_fault_rates(self) -> None:
        """Stop the random faults set by :meth:`set_fault_rates` (one-shot faults stay)."""
        self._state.fault_rates.clear()

    def inject_faults(
        self,
        path_regex: str,
        status: int,
        count: int,
        retry_after: float | None = None,
        method: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Answer the next ``count`` requests whose path matches ``path_regex`` with ``status``.

        Applies to every plane except the ``/_emulator/`` admin routes; ``re.search`` is
        used, so anchor the pattern if needed. ``retry_after`` adds a ``Retry-After``
        header (seconds, may be fractional). With ``after_processing`` each request is served
        first and only its answer replaced (a lost response: an import started, but the client saw
        a 500). Invalid arguments raise ``ValueError`` (:class:`~.errors.InvalidArgument`).
        """
        self._state.add_fault(FaultRule.build(path_regex, status, count, retry_after, method, after_processing))

    # ---------------------------------------------------------------------- reset
    def reset(self) -> None:
        """Drop indexes (stopping their servers), imports, records and faults; restore behaviour.

        Fault rates given to the constructor (``fault_spec``, e.g. from ``--faults``) are
        restored too.
        """
        self._clear(stop_control=False)
        if self._fault_spec:
            self.set_fault_rates(self._fault_spec, seed=self._fault_seed)


def tune_gc_for_serving() -> None:
    """Make the cyclic garbage collector cheaper in a process that does nothing but serve emulators.

    A bulk upsert allocates many short-lived containers per request (about 1,000 for ~230 records
    with metadata), so the default threshold (700) ran several young collections per request, and
    the older collections traversed the ~100,000 objects of the modules and apps loaded at start-up
    plus every record the store holds: 8 % of the server's CPU under a bulk upsert. The start-up
    objects live as long as the process, so they are frozen out of every collection, and a young
    collection runs every 50,000 allocations. The emulator's garbage is freed by reference
    counting; cycles (exception tracebacks) are still collected.

    For a process that does nothing but serve: the command line (``python -m
    airflow_provider_pinecone.testing.emulator``) calls it once its servers are up, and so does the
    upsert benchmark's parent. :class:`PineconeEmulator` never calls it, since it also runs inside a
    user's own process (a test session), whose collector is not the emulator's to change.
    """
    gc.collect()  # what start-up left as garbage is not frozen forever
    gc.freeze()
    gc.set_threshold(50_000)
