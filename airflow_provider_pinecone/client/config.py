"""Where and how the client talks to Pinecone."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from airflow_provider_pinecone.client.errors import PineconeConfigurationError
from airflow_provider_pinecone.client.retry import RetryPolicy

DEFAULT_CONTROL_PLANE_URL = "https://api.pinecone.io"
DEFAULT_API_VERSION = "2025-10"
SUPPORTED_API_VERSIONS = ("2025-10", "2026-07")
DEFAULT_TIMEOUT = 30.0


def is_loopback(hostname: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ``::1``)."""
    if not hostname:
        return False
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


# A DNS name (underscores allowed, as in container names): dot-separated labels of letters,
# digits, ``-`` and ``_`` that neither start nor end with ``-``.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?")
# ``https:host`` or ``http:/host``: a scheme without its two slashes.
_HALF_SCHEME = re.compile(r"(?i)https?:(?!//)")


def _shown(url: str) -> str:
    """``url`` as it may appear in a message: at most 200 characters."""
    return url if len(url) <= 200 else url[:200] + "..."


def _valid_host_name(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
        return True
    except ValueError:
        return bool(_HOST_NAME.fullmatch(hostname))


def read_from(source: str | None) -> str:
    """`` It is read from SOURCE.``, to end a message about a setting whose origin the caller gave."""
    return f" It is read from {source}." if source else ""


def base_url(
    host: str, *, allow_insecure: bool, what: str, example: str, allow_insecure_source: str | None = None
) -> str:
    """Turn a host as Pinecone reports it (often without a scheme) into a base URL.

    A host without a scheme gets ``https://``, except a loopback host, which gets ``http://``
    (like Pinecone Local). Plain ``http://`` is refused for any other host unless
    ``allow_insecure`` is set, because the API key would travel in clear text. A URL with
    another scheme, no host name, a port that is not 1-65535, spaces, user-info, a query or
    a fragment is refused, with a message that says which. ``allow_insecure_source`` says where
    ``allow_insecure`` is set, for the message that refuses plain ``http://``.
    """
    if not isinstance(host, str):
        raise PineconeConfigurationError(
            f"The {what} must be text such as {example!r}, not {type(host).__name__} {host!r}."
        )
    host = host.strip()
    trimmed = host.rstrip("/")
    if "://" in trimmed or "://" not in host:  # keep "https://" whole, to say it has no host name
        host = trimmed
    if not host:
        raise PineconeConfigurationError(f"The {what} is empty.")
    like = f"give a host name such as {example!r} or an https:// URL"
    if any(char.isspace() or not char.isprintable() for char in host):
        raise PineconeConfigurationError(f"The {what} {_shown(host)!r} contains spaces or control characters; {like}.")
    if _HALF_SCHEME.match(host):
        raise PineconeConfigurationError(
            f"The {what} {_shown(host)!r} is not a valid URL: the scheme needs two slashes (https://); {like}."
        )
    if "://" not in host:
        try:
            hostname = urlsplit(f"//{host}").hostname
        except ValueError:
            hostname = None
        host = f"{'http' if is_loopback(hostname) else 'https'}://{host}"
    try:
        parts = urlsplit(host)
        hostname = parts.hostname
    except ValueError:  # an unbalanced IPv6 bracket, say
        raise PineconeConfigurationError(f"The {what} {_shown(host)!r} is not a valid URL; {like}.") from None
    if parts.scheme not in ("http", "https"):
        raise PineconeConfigurationError(
            f"The {what} {_shown(host)!r} has the scheme {parts.scheme + '://'!r}; only https:// (or http:// "
            f"to a loopback host) can reach Pinecone: {like}."
        )
    if "@" in parts.netloc:  # not echoed: it may hold a password
        raise PineconeConfigurationError(
            f"The {what} contains a user name or password (user:password@host), which Pinecone does not use "
            "(the API key travels in a request header, never in the URL); remove that part."
        )
    if not hostname:
        raise PineconeConfigurationError(f"The {what} {_shown(host)!r} has no host name; {like}.")
    if not _valid_host_name(hostname):
        raise PineconeConfigurationError(
            f"The {what} {_shown(host)!r} has the host name {hostname!r}, which is not a valid host name or IP "
            f"address; {like}."
        )
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise PineconeConfigurationError(
            f"The {what} {_shown(host)!r} has an invalid port; a port is a whole number from 1 to 65535 "
            "(or leave it out for the scheme's default)."
        )
    if parts.query or parts.fragment or host.endswith(("?", "#")):
        raise PineconeConfigurationError(
            f"The {what} {_shown(host)!r} has a query or fragment ('?...' or '#...'); {like}."
        )
    if parts.scheme == "http" and not (allow_insecure or is_loopback(hostname)):
        raise PineconeConfigurationError(
            f"The {what} {_shown(host)!r} uses plain http:// to a host that is not loopback, which would send "
            "the API key unencrypted. Use https://, or set allow_insecure if you really mean it."
            + read_from(allow_insecure_source)
        )
    return host


@dataclass(frozen=True)
class ClientConfig:
    """Settings of a :class:`~airflow_provider_pinecone.client.PineconeClient`.

    :param api_key: the Pinecone API key; never shown in ``repr``.
    :param index_host: the index's data-plane host; when ``None`` it is looked up from
        ``index_name`` through the control plane (and cached).
    :param index_name: the index's name, used to find its host and to describe it.
    :param api_version: the ``X-Pinecone-Api-Version`` to speak: ``2025-10`` or ``2026-07``.
    :param control_plane_url: the control plane's base URL.
    :param allow_insecure: allow plain ``http://`` to a host that is not loopback.
    :param timeout: seconds for each request (connect, read, write and pool wait).
    :param retry: the policy for transient failures.
    :param setting_sources: where settings came from, in the caller's words, by field name
        (``api_key``, ``index_host``, ``index_name``, ``control_plane_url``, ``api_version``,
        ``timeout``, ``allow_insecure``). Messages about a setting say where it was read from, so the
        reader knows where to fix it; the client itself knows no such places.
    """

    api_key: str = field(repr=False)
    index_host: str | None = None
    index_name: str | None = None
    api_version: str = DEFAULT_API_VERSION
    control_plane_url: str = DEFAULT_CONTROL_PLANE_URL
    allow_insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    setting_sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def source_of(self, setting: str) -> str | None:
        """Where ``setting`` was read from, when the caller said (see ``setting_sources``)."""
        return self.setting_sources.get(setting)

    def __post_init__(self) -> None:
        if not self.api_key or not str(self.api_key).strip():
            raise PineconeConfigurationError("No Pinecone API key was given." + read_from(self.source_of("api_key")))
        if self.api_version not in SUPPORTED_API_VERSIONS:
            raise PineconeConfigurationError(
                f"api_version {self.api_version!r} is not supported; use one of {', '.join(SUPPORTED_API_VERSIONS)}."
                + read_from(self.source_of("api_version"))
            )
        if (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, (int, float))
            or not math.isfinite(self.timeout)
            or self.timeout <= 0
        ):
            raise PineconeConfigurationError(
                f"timeout must be a positive, finite number of seconds, got {self.timeout!r}."
                + read_from(self.source_of("timeout"))
            )
        # Fail fast on a refused or malformed URL, before the first request.
        self.control_plane_base_url()
        if self.index_host:
            self.index_base_url(self.index_host)

    def control_plane_base_url(self) -> str:
        """The control plane's base URL, checked."""
        return base_url(
            self.control_plane_url, allow_insecure=self.allow_insecure, what="control plane URL",
            example="api.pinecone.io", allow_insecure_source=self.source_of("allow_insecure"),
        )  # fmt: skip

    def index_base_url(self, host: str) -> str:
        """An index host as a base URL, checked."""
        return base_url(
            host, allow_insecure=self.allow_insecure, what="index host",
            example="my-index-abc123.svc.us-east1-aws.pinecone.io",
            allow_insecure_source=self.source_of("allow_insecure"),
        )  # fmt: skip
