"""Where and how the client talks to Pinecone."""

from __future__ import annotations

import ipaddress
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


def base_url(host: str, *, allow_insecure: bool, what: str, example: str) -> str:
    """Turn a host as Pinecone reports it (often without a scheme) into a base URL.

    A host without a scheme gets ``https://``, except a loopback host, which gets ``http://``
    (like Pinecone Local). Plain ``http://`` is refused for any other host unless
    ``allow_insecure`` is set, because the API key would travel in clear text.
    """
    host = host.strip().rstrip("/")
    if not host:
        raise PineconeConfigurationError(f"The {what} is empty.")
    if "://" not in host:
        hostname = urlsplit(f"//{host}").hostname
        host = f"{'http' if is_loopback(hostname) else 'https'}://{host}"
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PineconeConfigurationError(
            f"The {what} {host!r} is not a valid URL; give a host name such as {example!r} or an https:// URL."
        )
    if parts.scheme == "http" and not (allow_insecure or is_loopback(parts.hostname)):
        raise PineconeConfigurationError(
            f"The {what} {host!r} uses plain http:// to a host that is not loopback, which would send "
            "the API key unencrypted. Use https://, or set \"allow_insecure\": true in the connection's "
            "extra if you really mean it."
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
    """

    api_key: str = field(repr=False)
    index_host: str | None = None
    index_name: str | None = None
    api_version: str = DEFAULT_API_VERSION
    control_plane_url: str = DEFAULT_CONTROL_PLANE_URL
    allow_insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not self.api_key or not str(self.api_key).strip():
            raise PineconeConfigurationError(
                "No Pinecone API key: put it in the Password field of the Pinecone connection."
            )
        if self.api_version not in SUPPORTED_API_VERSIONS:
            raise PineconeConfigurationError(
                f"api_version {self.api_version!r} is not supported; set the 'api_version' extra of the Pinecone "
                f"connection to one of {', '.join(SUPPORTED_API_VERSIONS)}."
            )
        if self.timeout <= 0:
            raise PineconeConfigurationError(f"timeout must be a positive number of seconds, got {self.timeout!r}.")
        # Fail fast on a refused or malformed URL, before the first request.
        self.control_plane_base_url()
        if self.index_host:
            self.index_base_url(self.index_host)

    def control_plane_base_url(self) -> str:
        """The control plane's base URL, checked."""
        return base_url(
            self.control_plane_url, allow_insecure=self.allow_insecure, what="control plane URL",
            example="api.pinecone.io",
        )  # fmt: skip

    def index_base_url(self, host: str) -> str:
        """An index host as a base URL, checked."""
        return base_url(
            host, allow_insecure=self.allow_insecure, what="index host",
            example="my-index-abc123.svc.us-east1-aws.pinecone.io",
        )  # fmt: skip
