"""A lean, shared HTTP pool for ranged GETs, with the SDKs' retry rules.

The cloud SDKs spend most of a small ranged read's CPU in their own request pipeline (botocore's
event hooks, request building and response parsing; see issue 13 in benchmarks/RESULTS.md). The
stores keep the SDK for credentials, listing and request signing, and send the signed GET through
this pool: urllib3, which botocore and requests use underneath anyway.

Retries follow the SDKs' standard mode: connection errors and 429/500/502/503/504 are retried up to
``max_attempts`` in all, waiting ``Retry-After`` when the server sends it (capped) and otherwise a
full-jitter exponential backoff. Every attempt is counted, so a store's counter equals the requests
the server saw.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import urllib3

from airflow_provider_pinecone.storage.base import RequestCounter

#: Statuses the SDKs' standard retry mode retries (throttling and transient server errors).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The longest wait between attempts, also for a ``Retry-After`` (botocore's standard mode caps at 20 s).
MAX_BACKOFF_SECONDS = 20.0
DEFAULT_MAX_ATTEMPTS = 3


class TransportError(Exception):
    """No response after every attempt: the connection failed, timed out or broke mid-body."""


@dataclass(frozen=True, slots=True)
class Response:
    """A complete response: status, headers (case-insensitive) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


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
    """A thread-safe urllib3 pool sending GETs with retries; one per store.

    :param max_connections: Connections kept per host (the store's parallel reads).
    :param max_attempts: Attempts per read in all (the SDK client's own setting, where it has one).
    :param connect_timeout: Seconds to connect; ``read_timeout``: seconds without a byte of response.
    :param ca_certs: A CA bundle to verify TLS with (default: the system's); ``verify=False`` skips it.
    """

    def __init__(
        self,
        max_connections: int,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = 60.0,
        read_timeout: float = 60.0,
        verify: bool = True,
        ca_certs: str | None = None,
    ) -> None:
        self.max_attempts = max(1, max_attempts)
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=max_connections,
            retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            cert_reqs="CERT_REQUIRED" if verify else "CERT_NONE",
            ca_certs=ca_certs,
        )
        # Each store reads from one host: its connection pool, looked up once (PoolManager would
        # normalise the URL into a pool key on every request).
        self._hosts: dict[str, urllib3.HTTPConnectionPool] = {}

    def _host_pool(self, origin: str) -> urllib3.HTTPConnectionPool:
        pool = self._hosts.get(origin)
        if pool is None:
            pool = self._hosts[origin] = self._pool.connection_from_url(origin)
        return pool

    def get(self, origin: str, path: str, headers: Callable[[], dict[str, str]], counter: RequestCounter) -> Response:
        """GET ``origin`` + ``path`` (percent-encoded) with ``headers()``, retried as above.

        ``headers`` is called per attempt, so that a signature is fresh.

        Returns the last response, whatever its status; raises :class:`TransportError` when the last
        attempt got none. Each attempt adds one request to ``counter``.
        """
        pool = self._host_pool(origin)
        for attempt in range(self.max_attempts):
            last = attempt + 1 == self.max_attempts
            counter.add()
            try:
                # decode_content=False: the stored bytes, as the listing's sizes count them (an object
                # stored gzip-encoded is not inflated), as the SDKs return them.
                raw = pool.urlopen("GET", path, headers=headers(), retries=False, redirect=False, decode_content=False)
            except urllib3.exceptions.HTTPError as error:  # refused, reset, timed out, truncated body
                if last:
                    raise TransportError(_describe(error)) from None
                time.sleep(retry_delay(attempt, None))
                continue
            if raw.status in RETRY_STATUSES and not last:
                time.sleep(retry_delay(attempt, raw.headers.get("Retry-After")))
                continue
            return Response(raw.status, raw.headers, raw.data)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        self._pool.clear()


def _describe(error: Exception) -> str:
    """urllib3's error without its pool's repr (the reason is what a reader needs)."""
    reason = getattr(error, "reason", None)
    return f"{type(error).__name__}: {reason or error}"
