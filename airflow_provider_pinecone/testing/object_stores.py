"""Real object-storage servers on loopback, for tests, benchmarks and the demo.

Each class runs one server as a subprocess on a free ``127.0.0.1`` port, waits (bounded) until the
server announces that it listens, and stops it (terminate, then kill) when the ``with`` block ends
or ``start()`` fails:

:class:`MotoS3Server`
    moto's S3 backend on werkzeug's threaded server, optionally with a per-request latency (to model
    S3's first-byte latency in benchmarks) and per-method request and response-byte counts, and with
    :meth:`~MotoS3Server.populate` to write many objects in one request (benchmark set-up). A
    ranged GET costs the range, not the object (moto reads the whole object: see
    :mod:`~airflow_provider_pinecone.testing.moto_ranges`).
:class:`GcsEmulatorServer`
    gcp-storage-emulator, with the listing pagination and key order real GCS has (see
    :func:`_paginate_listing`).
:class:`AzuriteServer`
    Azurite's blob service (a Node.js program, not a Python package): found through
    ``$AZURITE_BIN``, then ``azurite-blob`` on ``PATH``, then a source checkout's ``node_modules``
    (see :func:`find_azurite`). Install it with ``npm install azurite@3.35.0`` (the version pinned
    in the repository's ``package.json``), or ``make node_modules`` in a checkout.

All three offer ``client()`` (the SDK's client on the server), ``env()`` (the variables that point
SDK-default code at it), ``create_bucket(name)`` and ``put(bucket, key, data)``::

    with MotoS3Server() as s3:
        s3.create_bucket("data")
        s3.put("data", "imports/0.parquet", b"...")
        os.environ.update(s3.env())  # or monkeypatch.setenv in tests

The S3 and GCS servers run from this module, which can also be used from a shell::

    python -m airflow_provider_pinecone.testing.object_stores s3 --port 9000 --latency-ms 20
    python -m airflow_provider_pinecone.testing.object_stores gcs --port 9023

This module does not import Airflow.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import logging
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from airflow_provider_pinecone.testing import moto_ranges

DEFAULT_START_TIMEOUT = 30.0
DEFAULT_STOP_TIMEOUT = 5.0
HOST = "127.0.0.1"
#: The Azurite release the tests run, as pinned in the repository's package.json (a test checks).
AZURITE_VERSION = "3.35.0"
#: The variable naming the ``azurite-blob`` to run; it comes before ``PATH`` and a checkout's node_modules.
AZURITE_BIN_ENV = "AZURITE_BIN"
#: Azurite's built-in account and its well-known key (public test data, documented by Microsoft).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#: Dummy credentials moto accepts (it does not check them).
S3_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
#: Path of the S3 server's request counts (GET reads them, DELETE resets them and the byte counts);
#: no bucket can be named so, nor like the two paths below.
COUNTS_PATH = "/_counts"
#: Path of the S3 server's response-body bytes by method (GET reads them; reset with COUNTS_PATH).
BYTES_SENT_PATH = "/_bytes_sent"
#: Path the S3 server writes many objects at (POST, JSON): see :meth:`MotoS3Server.populate`.
POPULATE_PATH = "/_populate"
GCS_PROJECT = "test"

_MODULE = "airflow_provider_pinecone.testing.object_stores"
# Our own servers print this line once listening; Azurite prints "... successfully listens on URL".
_READY_LINE = "Object store server listening on"
_READY = re.compile(r"listen(?:s|ing) on (?P<url>http://\S+)")
_OUTPUT_TAIL = 8192
_GCS_MAX_PAGE = 1000


class ObjectStoreStartupError(RuntimeError):
    """An object-storage server is not installed, exited early, or did not listen in time."""


# ------------------------------------------------------------------------------------------------
# Subprocess lifecycle (parent side)


class _ServerProcess:
    """One server subprocess, started and stopped by this process.

    The child binds port 0 itself and prints the URL it listens on, so there is no window in which
    another process could take a port chosen here. Its output is kept (the last few KiB) for errors.
    """

    def __init__(self, name: str, argv: Sequence[str], *, watch_parent: bool = False, cwd: Path | None = None):
        self.name = name
        self._argv = list(argv)
        self._watch_parent = watch_parent
        self._cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._output = ""
        self._output_lock = threading.Lock()
        self._drain: threading.Thread | None = None

    def start(self, timeout: float) -> str:
        """Start the server and return the URL it listens on; on any failure, nothing is left running."""
        self._proc = subprocess.Popen(
            self._argv,
            # Our Python children exit when this pipe closes, even if this process is killed.
            stdin=subprocess.PIPE if self._watch_parent else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self._cwd,
        )
        try:
            url = self._await_ready(timeout)
        except BaseException:
            self.stop()
            raise
        # Keep reading so a chatty server never blocks on a full pipe.
        self._drain = threading.Thread(target=self._drain_output, name=f"{self.name}-output", daemon=True)
        self._drain.start()
        return url

    def _await_ready(self, timeout: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while (match := _READY.search(self._output)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ObjectStoreStartupError(
                        f"{self.name} did not start listening within {timeout:.0f} s.{self._output_for_error()}"
                    )
                if selector.select(remaining) and not self._read_chunk(fd):
                    code = self._proc.wait(timeout=DEFAULT_STOP_TIMEOUT)
                    raise ObjectStoreStartupError(
                        f"{self.name} exited with code {code} before it was ready.{self._output_for_error()}"
                    )
        return match.group("url").rstrip("/")

    def _read_chunk(self, fd: int) -> bool:
        """Append what the child wrote to the output tail; False at end of output."""
        chunk = os.read(fd, 65536)
        if chunk:
            with self._output_lock:
                self._output = (self._output + chunk.decode(errors="replace"))[-_OUTPUT_TAIL:]
        return bool(chunk)

    def _drain_output(self) -> None:
        proc = self._proc
        if proc is None or proc.stdout is None:
            return
        try:
            while self._read_chunk(proc.stdout.fileno()):
                pass
        except (OSError, ValueError):  # the pipe was closed by stop()
            pass

    def _output_for_error(self) -> str:
        with self._output_lock:
            output = self._output.strip()
        return f" Its output:\n{output}" if output else ""

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """Terminate the server (kill it if it does not exit within ``timeout``) and release its pipes."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._drain is not None:
            self._drain.join(timeout)  # ends at end of output, now that the child is gone
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()


class _LocalServer(ABC):
    """Base of the three servers: lifecycle, context management and a cached admin client."""

    name = "object store"

    def __init__(self, *, start_timeout: float = DEFAULT_START_TIMEOUT) -> None:
        self._start_timeout = start_timeout
        self._process: _ServerProcess | None = None
        self._url: str | None = None
        self._admin: Any = None
        self._admin_lock = threading.Lock()

    @abstractmethod
    def _command(self) -> list[str]:
        """The server's command line; it must bind port 0 on 127.0.0.1 and print ``listening on URL``."""

    def _process_options(self) -> dict[str, Any]:
        return {"watch_parent": True}

    def start(self) -> Self:
        """Start the server (no-op if running); raises :class:`ObjectStoreStartupError` if it cannot."""
        if self._process is None:
            try:
                process = _ServerProcess(self.name, self._command(), **self._process_options())
                self._url = process.start(self._start_timeout)
            except BaseException:
                self.stop()  # whatever _command() prepared
                raise
            self._process = process
        return self

    def stop(self) -> None:
        """Stop the server; its data is gone (every server here keeps it in memory)."""
        admin, self._admin = self._admin, None
        if admin is not None and hasattr(admin, "close"):
            admin.close()
        process, self._process = self._process, None
        if process is not None:
            process.stop()
        self._url = None

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.running

    @property
    def endpoint_url(self) -> str:
        """Base URL of the server (``http://127.0.0.1:PORT``)."""
        if self._url is None:
            raise RuntimeError(f"The {self.name} server is not started; use it in a `with` block or call start().")
        return self._url

    @property
    def admin(self) -> Any:
        """A client shared by :meth:`create_bucket` and :meth:`put` (thread-safe, created on first use)."""
        with self._admin_lock:
            if self._admin is None:
                self._admin = self.client()
            return self._admin

    @abstractmethod
    def client(self) -> Any:
        """A new SDK client on this server."""

    @abstractmethod
    def env(self) -> dict[str, str]:
        """Environment variables that point SDK-default code at this server."""

    @abstractmethod
    def create_bucket(self, name: str) -> None:
        """Create a bucket (Azure: a container)."""

    @abstractmethod
    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Write one object (Azure: a block blob), replacing any object of that key."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _python_server(*args: str) -> list[str]:
    return [sys.executable, "-m", _MODULE, *args, "--port", "0", "--exit-on-stdin-eof"]


# ------------------------------------------------------------------------------------------------
# The three servers (parent side)


class MotoS3Server(_LocalServer):
    """moto's S3 on werkzeug's threaded server, as a subprocess.

    Not ``moto_server`` / ``ThreadedMotoServer``: their domain dispatcher costs about 1 ms per request
    and serialises requests on a lock, which would dominate benchmarks of parallel reads.

    :param latency_ms: Sleep this long before serving each request (S3's first-byte latency).
    :param count_requests: Count requests, and the response-body bytes sent, by HTTP method:
        :meth:`request_counts`, :meth:`bytes_sent`, :meth:`reset_counts`. The admin requests of
        these methods and of :meth:`populate` are neither delayed nor counted.
    """

    name = "moto S3 server"

    def __init__(self, latency_ms: float = 0, count_requests: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {latency_ms}")
        self.latency_ms = latency_ms
        self.count_requests = count_requests

    def _command(self) -> list[str]:
        args = ["s3", "--latency-ms", str(self.latency_ms)]
        return _python_server(*args, *(["--count-requests"] if self.count_requests else []))

    def client(self) -> Any:
        """A boto3 S3 client on this server, with moto's dummy credentials."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, **S3_CREDENTIALS)

    def env(self) -> dict[str, str]:
        """``AWS_ENDPOINT_URL_S3`` and dummy credentials and region, for boto3's default configuration."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": S3_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": S3_CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": S3_CREDENTIALS["region_name"],
        }

    def create_bucket(self, name: str) -> None:
        """Create bucket ``name`` (us-east-1)."""
        self.admin.create_bucket(Bucket=name)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Write object ``key``."""
        self.admin.put_object(Bucket=bucket, Key=key, Body=data)

    def populate(self, bucket: str, keys: Sequence[str], data: bytes, *, timeout: float = 300.0) -> int:
        """Write ``data`` as every object of ``keys`` in one request; return how many were written.

        The server stores them straight into moto's backend, as a PUT of each would (same ETag, size
        and listing), without an HTTP round trip and signature check per object: 100,000 objects take
        seconds, not minutes. The bucket must exist. Not S3 API: for set-up only.
        """
        body = json.dumps({"bucket": bucket, "keys": list(keys), "data": base64.b64encode(data).decode()})
        request = urllib.request.Request(
            self.endpoint_url + POPULATE_PATH, data=body.encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(json.loads(response.read())["written"])

    def request_counts(self) -> dict[str, int]:
        """Requests served since start (or the last reset), by HTTP method, e.g. ``{"GET": 3}``."""
        return server_counts(self._counting_endpoint(), COUNTS_PATH)

    def bytes_sent(self) -> dict[str, int]:
        """Response-body bytes sent since start (or the last reset), by HTTP method, e.g. ``{"GET": 65536}``.

        Bodies only (no status line or headers): object data for GETs of objects, the XML of
        listings and errors. A HEAD sends no body.
        """
        return server_counts(self._counting_endpoint(), BYTES_SENT_PATH)

    def reset_counts(self) -> None:
        """Set every request count and byte count back to zero."""
        server_counts(self._counting_endpoint(), COUNTS_PATH, "DELETE")

    def _counting_endpoint(self) -> str:
        if not self.count_requests:
            raise RuntimeError("This MotoS3Server does not count requests; create it with count_requests=True.")
        return self.endpoint_url


def server_counts(endpoint: str, path: str = COUNTS_PATH, method: str = "GET") -> dict[str, int]:
    """Read (GET) or reset (DELETE) the counts of a counting S3 server at ``endpoint``, by HTTP method.

    ``path`` is :data:`COUNTS_PATH` (requests) or :data:`BYTES_SENT_PATH` (response bytes); these
    admin requests are not counted themselves. For processes that know only the server's URL.
    """
    request = urllib.request.Request(endpoint + path, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else {}


class GcsEmulatorServer(_LocalServer):
    """gcp-storage-emulator (in memory) as a subprocess, with GCS's listing pagination and key order."""

    name = "GCS emulator"

    def _command(self) -> list[str]:
        return _python_server("gcs")

    def client(self) -> Any:
        """A google-cloud-storage client on this server: anonymous, project ``"test"``."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        return storage.Client(
            project=GCS_PROJECT,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.endpoint_url},
        )

    def env(self) -> dict[str, str]:
        """``STORAGE_EMULATOR_HOST``, which google-cloud-storage honours natively."""
        return {"STORAGE_EMULATOR_HOST": self.endpoint_url}

    def create_bucket(self, name: str) -> None:
        """Create bucket ``name``."""
        self.admin.create_bucket(name)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Write object ``key``."""
        self.admin.bucket(bucket).blob(key).upload_from_string(data)


_AZURITE_INSTALL_HINT = (
    f"Install it (it needs Node.js) with `npm install azurite@{AZURITE_VERSION}` and set "
    f"{AZURITE_BIN_ENV} to the azurite-blob it installs (node_modules/.bin/azurite-blob), or put that "
    "directory on PATH; in a checkout of this repository, `make node_modules` installs it."
)


def _checkout_azurite() -> Path | None:
    """``node_modules/.bin/azurite-blob`` of the source checkout this module runs from, if it is one.

    An installed package sits in ``site-packages``, whose ``parents[2]`` is no checkout: only a
    directory holding this project's ``package.json`` and ``pyproject.toml`` counts.
    """
    root = Path(__file__).resolve().parents[2]
    if not (root / "package.json").is_file() or not (root / "pyproject.toml").is_file():
        return None
    return root / "node_modules" / ".bin" / "azurite-blob"


def find_azurite() -> Path:
    """The ``azurite-blob`` executable to run: ``$AZURITE_BIN``, else on ``PATH``, else a checkout's.

    Raises :class:`ObjectStoreStartupError`, saying how to install Azurite, when none is found (or
    ``$AZURITE_BIN`` names no file: a set variable is never silently passed over).
    """
    configured = os.environ.get(AZURITE_BIN_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ObjectStoreStartupError(
                f"Azurite is not installed: ${AZURITE_BIN_ENV} is {configured!r}, which is not a file. "
                + _AZURITE_INSTALL_HINT
            )
        return path
    on_path = shutil.which("azurite-blob")
    if on_path:
        return Path(on_path)
    checkout = _checkout_azurite()
    if checkout is not None and checkout.is_file():
        return checkout
    raise ObjectStoreStartupError(
        f"Azurite is not installed: ${AZURITE_BIN_ENV} is not set, no azurite-blob is on PATH"
        + (f", and {checkout} is missing. " if checkout is not None else ". ")
        + _AZURITE_INSTALL_HINT
    )


class AzuriteServer(_LocalServer):
    """Azurite's blob service (in memory) as a subprocess.

    Import URIs keep their real form (``https://ACCOUNT.blob.core.windows.net/CONTAINER/DIR``);
    :meth:`env` sets ``AZURE_STORAGE_CONNECTION_STRING``, which sends requests here instead.

    :param executable: ``azurite-blob`` to run; by default the one :func:`find_azurite` finds when
        the server starts (``$AZURITE_BIN``, ``PATH``, a checkout's ``node_modules``).
    """

    name = "Azurite"

    def __init__(self, executable: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.executable = Path(executable) if executable else None
        self._workspace: str | None = None

    def _command(self) -> list[str]:
        if self.executable is None:
            executable = find_azurite()
        elif self.executable.is_file():
            executable = self.executable
        else:
            raise ObjectStoreStartupError(
                f"Azurite is not installed: {self.executable} is missing. {_AZURITE_INSTALL_HINT}"
            )
        return [
            str(executable), "--blobHost", HOST, "--blobPort", "0",
            "--inMemoryPersistence", "--silent", "--loose", "--disableTelemetry",
            # The SDK may speak a newer API version than this Azurite knows (clients also pin one).
            "--skipApiVersionCheck",
        ]  # fmt: skip

    def _process_options(self) -> dict[str, Any]:
        # In-memory persistence writes nothing, but Azurite's workspace is its working directory
        # (--location is refused with --inMemoryPersistence): keep it out of ours. No parent watch:
        # node does not read our stdin; stop() and the `with` block end it.
        self._workspace = tempfile.mkdtemp(prefix="azurite-")
        return {"cwd": Path(self._workspace)}

    def stop(self) -> None:
        """Stop Azurite and remove its workspace."""
        try:
            super().stop()
        finally:
            if self._workspace is not None:
                shutil.rmtree(self._workspace, ignore_errors=True)
                self._workspace = None

    @property
    def blob_endpoint(self) -> str:
        """The account's blob service URL (``http://127.0.0.1:PORT/devstoreaccount1``)."""
        return f"{self.endpoint_url}/{AZURITE_ACCOUNT}"

    @property
    def connection_string(self) -> str:
        """A connection string for Azurite's built-in account (its key is public test data)."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint={self.blob_endpoint};"
        )

    def client(self) -> Any:
        """A ``BlobServiceClient`` on this server, on the API version the storage layer pins."""
        from azure.storage.blob import BlobServiceClient

        from airflow_provider_pinecone.storage.azure import AZURE_API_VERSION

        return BlobServiceClient.from_connection_string(self.connection_string, api_version=AZURE_API_VERSION)

    def env(self) -> dict[str, str]:
        """``AZURE_STORAGE_CONNECTION_STRING`` for this server."""
        return {"AZURE_STORAGE_CONNECTION_STRING": self.connection_string}

    def create_bucket(self, name: str) -> None:
        """Create container ``name``."""
        self.admin.create_container(name)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Write block blob ``key`` in container ``bucket``."""
        self.admin.get_blob_client(bucket, key).upload_blob(data, overwrite=True)


# ------------------------------------------------------------------------------------------------
# The servers themselves (child side: python -m airflow_provider_pinecone.testing.object_stores)


#: Writes ``data`` as each of ``keys`` in ``bucket``; returns how many were written.
_Populate = Callable[[str, Sequence[str], bytes], int]


class _PopulateError(Exception):
    """A populate request that cannot be served: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


class _InstrumentedApp:
    """WSGI middleware: an optional delay before each request, optional request and response-byte
    counts by method, and (given ``populate``) the bulk-write route at :data:`POPULATE_PATH`."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        latency_ms: float,
        count_requests: bool,
        populate: _Populate | None = None,
    ) -> None:
        self._app = app
        self._latency = latency_ms / 1000
        self._counts: Counter[str] | None = Counter() if count_requests else None
        self._bytes_sent: Counter[str] = Counter()
        self._populate = populate
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO")
        if self._populate is not None and path == POPULATE_PATH and method == "POST":
            return self._serve_populate(environ, start_response)
        if self._counts is not None:
            if path in (COUNTS_PATH, BYTES_SENT_PATH):
                return self._serve_counts(method, path, start_response)
            with self._lock:
                self._counts[method] += 1
        if self._latency:
            time.sleep(self._latency)
        body = self._app(environ, start_response)
        return body if self._counts is None else _CountedBody(body, functools.partial(self._add_bytes, method))

    def _add_bytes(self, method: str, n: int) -> None:
        with self._lock:
            self._bytes_sent[method] += n

    def _serve_counts(self, method: str, path: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self._counts is not None
        with self._lock:
            if method == "DELETE":
                self._counts.clear()
                self._bytes_sent.clear()
            counts = self._bytes_sent if path == BYTES_SENT_PATH else self._counts
            body = json.dumps(dict(counts)).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _serve_populate(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self._populate is not None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            request = json.loads(environ["wsgi.input"].read(length))
            written = self._populate(request["bucket"], request["keys"], base64.b64decode(request["data"]))
            status, reply = "200 OK", {"written": written}
        except _PopulateError as exc:
            status, reply = exc.status, {"error": str(exc)}
        except (ValueError, KeyError, TypeError) as exc:
            status, reply = "400 Bad Request", {"error": f"{type(exc).__name__}: {exc}"}
        body = json.dumps(reply).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


class _CountedBody:
    """A WSGI response body that reports the length of each chunk as the server takes it."""

    def __init__(self, body: Iterable[bytes], add: Callable[[int], None]) -> None:
        self._body = body
        self._add = add

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._add(len(chunk))
            yield chunk

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


def _moto_populate(bucket: str, keys: Sequence[str], data: bytes) -> int:
    """Store ``data`` as each of ``keys`` in moto's in-process backend, as a PUT of each would."""
    from moto.core import DEFAULT_ACCOUNT_ID  # the account of requests with S3_CREDENTIALS
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    backend = s3_backends[DEFAULT_ACCOUNT_ID][get_partition(S3_CREDENTIALS["region_name"])]
    try:
        backend.get_bucket(bucket)
    except MissingBucket:
        raise _PopulateError("404 Not Found", f"The bucket {bucket!r} does not exist.") from None
    for key in keys:
        # A PUT answers with the ETag, so moto computes it then; otherwise the first listing would.
        _ = backend.put_object(bucket, key, data, disable_notification=True).etag
    return len(keys)


def _s3_server(host: str, port: int, latency_ms: float, count_requests: bool) -> Any:
    from moto.server import create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    # moto reads the whole object for every ranged GET; our readers issue many of them on large
    # Parquet files, so serve each in time proportional to the range (see moto_ranges).
    moto_ranges.install()
    app = _InstrumentedApp(create_backend_app("s3"), latency_ms, count_requests, populate=_moto_populate)
    return make_server(host, port, app, threaded=True)


def _encode_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _paginate_listing(body: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
    """Cut an objects.list response of gcp-storage-emulator into GCS-style pages.

    The emulator returns every object in one response, in insertion order, and ignores
    ``maxResults`` and ``pageToken``. Real GCS returns at most ``maxResults`` (default and maximum
    1,000) objects per page in name order, with a ``nextPageToken`` while more remain. The token
    here is the last name returned (encoded), so pages stay consistent while objects are added.
    Limitation: ``prefixes`` of delimiter listings come whole with the first page.
    """
    items = sorted(body.get("items") or [], key=lambda item: item["name"])
    page_size = min(int(query.get("maxResults", [_GCS_MAX_PAGE])[0]) or _GCS_MAX_PAGE, _GCS_MAX_PAGE)
    token = query.get("pageToken", [""])[0]
    if token:
        after = base64.urlsafe_b64decode(token.encode()).decode()
        items = [item for item in items if item["name"] > after]
        body = {**body, "prefixes": []}
    page = {**body, "items": items[:page_size]}
    if len(items) > page_size:
        page["nextPageToken"] = _encode_token(items[page_size - 1]["name"])
    return page


def _gcs_server(host: str, port: int) -> Any:
    from http.server import HTTPServer

    from gcp_storage_emulator import server as emulator
    from gcp_storage_emulator.handlers import objects
    from gcp_storage_emulator.storage import Storage

    logging.getLogger("gcp_storage_emulator").setLevel(logging.ERROR)  # no line per request
    list_objects = objects.ls

    def paginated_ls(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
        send_json = response.json
        response.json = lambda body: send_json(_paginate_listing(body, request.query))
        list_objects(request, response, storage, *args, **kwargs)

    for _pattern, handlers in emulator.HANDLERS:
        for method, handler in list(handlers.items()):
            if handler is list_objects:
                handlers[method] = paginated_ls

    class Server(HTTPServer):
        # Python's default backlog of 5 drops connections under parallel clients, which then wait
        # a second for TCP to retry; werkzeug (the S3 server) uses 128 too.
        request_queue_size = 128

    # The emulator's own Server binds in a thread and hides the port; bind here to learn it (port 0).
    # Single-threaded, as the emulator runs itself: its in-memory storage is not made for concurrency.
    return Server((host, port), functools.partial(emulator.RequestHandler, Storage(use_memory_fs=True)))


def _exit_on_stdin_eof() -> None:
    """Exit when the parent closes our stdin or dies, so a killed test run leaves no server behind."""

    def watch() -> None:
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the S3 or GCS server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}", description="A local object-storage server.")
    servers = parser.add_subparsers(dest="server", required=True)
    s3 = servers.add_parser("s3", help="moto's S3 backend on werkzeug's threaded server")
    s3.add_argument("--latency-ms", type=float, default=0.0, help="delay before each request, in milliseconds")
    s3.add_argument("--count-requests", action="store_true", help=f"count requests by method at {COUNTS_PATH}")
    gcs = servers.add_parser("gcs", help="gcp-storage-emulator in memory, with GCS-style listing pages")
    for server_parser in (s3, gcs):
        server_parser.add_argument("--host", default=HOST)
        server_parser.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
        server_parser.add_argument("--exit-on-stdin-eof", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.exit_on_stdin_eof:
        _exit_on_stdin_eof()
    if args.server == "s3":
        server = _s3_server(args.host, args.port, args.latency_ms, args.count_requests)
    else:
        server = _gcs_server(args.host, args.port)
    print(f"{_READY_LINE} http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
