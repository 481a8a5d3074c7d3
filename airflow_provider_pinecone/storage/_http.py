"""A lean, shared HTTP pool for ranged GETs, with the SDKs' retry rules.

The cloud SDKs spend most of a small ranged read's CPU in their own request pipeline (botocore's
event hooks, request building and response parsing; see issue 13 in benchmarks/RESULTS.md). The
stores keep the SDK for credentials, listing and request signing, and send the signed GET through
this pool: one keep-alive ``http.client`` connection per reading thread, the standard library's
client that urllib3 (botocore's and requests' transport) wraps.

Retries follow the SDKs' standard mode: connection errors and 429/500/502/503/504 are retried up to
``max_attempts`` in all, waiting ``Retry-After`` when the server sends it (capped) and otherwise a
full-jitter exponential backoff. Every attempt is counted, so a store's counter equals the requests
the server saw.
"""

from __future__ import annotations

import http.client
import random
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from airflow_provider_pinecone.storage.base import RequestCounter

#: Statuses the SDKs' standard retry mode retries (throttling and transient server errors).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The longest wait between attempts, also for a ``Retry-After`` (botocore's standard mode caps at 20 s).
MAX_BACKOFF_SECONDS = 20.0
DEFAULT_MAX_ATTEMPTS = 3


class TransportError(Exception):
    """No response after every attempt: the connection failed, timed out or broke mid-body."""

    def advice(self, service: str) -> str:
        """What a user reads: what failed, and what to check."""
        return (
            f"{service} could not be reached ({self}). Check the network, any proxy, and the storage "
            "connection's endpoint URL; a certificate error means the server's certificate is not trusted."
        )


@dataclass(frozen=True, slots=True)
class Response:
    """A complete response: status, headers (case-insensitive) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def range_bytes(self, start: int, end: int) -> bytes | None:
        """The bytes ``[start, end)`` of a ranged GET's answer, or ``None`` if it is not a success."""
        if self.status == 206:
            return self.body
        if self.status == 200:  # a server that ignored the Range header sent the whole object
            return self.body[start:end]
        return None


def retry_delay(attempt: int, retry_after: str | None) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (0-based ``attempt`` just failed)."""
    if retry_after:
        try:
            seconds = float(retry_after)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(retry_after).timestamp() - time.time()
            except (TypeError, ValueError):
                seconds = -1.0
        if seconds >= 0:
            return min(seconds, MAX_BACKOFF_SECONDS)
    return random.random() * min(2.0**attempt, MAX_BACKOFF_SECONDS)


class LeanPool:
    """Keep-alive connections, one per thread and host, sending GETs with retries; one per store.

    Built on the standard library's ``http.client`` (which urllib3 itself wraps): each reading
    thread keeps its own connection, so there is no pool queue to lock and nothing but the request
    and its response is handled in Python; about a third of urllib3's CPU per request. Responses are
    the stored bytes (no ``Content-Encoding`` is undone), as the SDKs return them.

    :param max_attempts: Attempts per read in all (the SDK client's own setting, where it has one).
    :param connect_timeout: Seconds to connect; ``read_timeout``: seconds without a byte of response.
    :param ca_certs: A CA bundle to verify TLS with (default: the system's; the stores pass the bundle their
        SDK verifies with); ``verify=False`` skips it.
    """

    def __init__(
        self,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = 60.0,
        read_timeout: float = 60.0,
        verify: bool = True,
        ca_certs: str | None = None,
    ) -> None:
        self.max_attempts = max(1, max_attempts)
        self._timeout = max(connect_timeout, read_timeout)  # http.client has one socket timeout
        self._tls = ssl.create_default_context(cafile=ca_certs)
        if not verify:
            self._tls.check_hostname = False
            self._tls.verify_mode = ssl.CERT_NONE
        self._local = threading.local()
        self._lock = threading.Lock()
        # Weak: a thread that ends takes its connections with it (the socket closes when collected),
        # so a long-lived store used by many short-lived threads does not accumulate them.
        self._open: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()

    def _connection(self, origin: str) -> http.client.HTTPConnection:
        connections: dict[str, http.client.HTTPConnection] = self._local.__dict__.setdefault("connections", {})
        connection = connections.get(origin)
        if connection is None:
            parts = urlsplit(origin)
            if parts.scheme == "https":
                connection = http.client.HTTPSConnection(
                    parts.hostname or "", parts.port, timeout=self._timeout, context=self._tls
                )
            else:
                connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self._timeout)
            connections[origin] = connection
            with self._lock:
                self._open.add(connection)
        return connection

    def _send(self, origin: str, path: str, headers: dict[str, str]) -> Response:
        """One request on this thread's connection (a fresh one if the server closed it while idle)."""
        connection = self._connection(origin)
        for fresh in (connection.sock is None, True):
            try:
                connection.request("GET", path, headers=headers)
                raw = connection.getresponse()
                body = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if fresh:  # a new connection failed: a real failure
                    raise
                continue  # the server had closed the kept-alive connection: the request never reached it
            except BaseException:
                connection.close()  # the connection's state is unknown: never reuse it
                raise
            if raw.will_close:
                connection.close()
            return Response(raw.status, raw.headers, body)
        raise AssertionError("unreachable: a fresh connection returns or raises")

    def get(self, origin: str, path: str, headers: Callable[[], dict[str, str]], counter: RequestCounter) -> Response:
        """GET ``origin`` + ``path`` (percent-encoded) with ``headers()``, retried as above.

        ``headers`` is called per attempt, so that a signature is fresh.

        Returns the last response, whatever its status; raises :class:`TransportError` when the last
        attempt got none. Each attempt adds one request to ``counter``.
        """
        for attempt in range(self.max_attempts):
            last = attempt + 1 == self.max_attempts
            counter.add()
            try:
                response = self._send(origin, path, headers())
            except ssl.SSLCertVerificationError as error:  # sending again cannot change the certificate
                raise TransportError(_describe(error)) from None
            except ValueError:  # http.client's "Invalid header value %r" would quote a signature
                raise TransportError("a request header is not valid HTTP") from None
            except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, truncated body
                if last:
                    raise TransportError(_describe(error)) from None
                time.sleep(retry_delay(attempt, None))
                continue
            if response.status in RETRY_STATUSES and not last:
                time.sleep(retry_delay(attempt, response.headers.get("Retry-After")))
                continue
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        """Close every thread's connections."""
        with self._lock:
            connections = list(self._open)
            self._open.clear()
        for connection in connections:
            connection.close()


def _describe(error: Exception) -> str:
    """The kind of failure and its reason (no request line, headers or URL: they may carry a signature)."""
    return f"{type(error).__name__}: {error.strerror or error}" if isinstance(error, OSError) else type(error).__name__
