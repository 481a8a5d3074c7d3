"""S3 ranged GETs signed by botocore's SigV4 signer and sent on a :class:`~._http.LeanPool`.

The route (the object URL's base and the signing region) is learned from a ``GetObject`` that
botocore itself sent, so its endpoint rules, addressing style and region resolution still decide
where requests go; only the request pipeline after signing is replaced. Anything this module does
not reproduce exactly (SigV4a or S3 Express signing, extra ``x-amz-*`` headers, a query string, a
proxy) leaves the store on botocore.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from airflow_provider_pinecone.storage._http import DEFAULT_MAX_ATTEMPTS, LeanPool, Response
from airflow_provider_pinecone.storage.base import RequestCounter

_SIGV4 = "AWS4-HMAC-SHA256 "
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/s3/aws4_request")
# Headers botocore adds to a plain GetObject; any other x-amz-* header means a feature we do not copy.
_KNOWN_AMZ = {"x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "x-amz-checksum-mode"}
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
_ERROR_CODE = re.compile(rb"<Code>([^<]{1,64})</Code>")


@dataclass(frozen=True, slots=True)
class S3Route:
    """Where and how to send a bucket's GETs: the origin (scheme, host, port), the path every key is
    appended to, and the signing region (``None``: unsigned, as for public buckets)."""

    origin: str
    base_path: str
    region: str | None


def learn_route(url: str, headers: Any, key: str) -> S3Route | None:
    """The route of a ``GetObject`` botocore sent for ``key``, or ``None`` if it is not a plain one."""
    parts = urlsplit(url)
    encoded_key = quote(key, safe="/~")
    if parts.query or not parts.path.endswith("/" + encoded_key):
        return None
    names = {str(name).lower() for name in headers.keys()}
    if any(name.startswith("x-amz-") and name not in _KNOWN_AMZ for name in names):
        return None
    origin, base_path = f"{parts.scheme}://{parts.netloc}", parts.path[: -len(encoded_key)]
    authorization = headers.get("Authorization")
    if authorization is None:
        return S3Route(origin, base_path, None)
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    match = _SCOPE.search(authorization)
    if not authorization.startswith(_SIGV4) or match is None:
        return None
    return S3Route(origin, base_path, match.group("region"))


def fast_path_possible(client: Any) -> bool:
    """Whether ``client``'s GETs can be reproduced here: no proxy, credentials where signing is on."""
    config = client.meta.config
    if getattr(config, "proxies", None) or any(os.environ.get(name) for name in _PROXY_VARIABLES):
        return False
    return hasattr(client, "_get_credentials")


def error_code(body: bytes) -> str:
    """The ``<Code>`` of an S3 error body, or ``""``."""
    match = _ERROR_CODE.search(body[:4096])
    return match.group(1).decode("utf-8", "replace") if match else ""


class SignedGetter:
    """Sends one bucket's ranged GETs: SigV4-signed by botocore, on a lean pool.

    Thread-safe. Credentials are taken from the client per request (``get_frozen_credentials``), so
    refreshing credentials (assumed roles, instance profiles) refresh as they do inside botocore.
    """

    def __init__(self, client: Any, route: S3Route) -> None:
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.httpsession import get_cert_path

        self._auth_class = S3SigV4Auth
        self._request_class = AWSRequest
        self._client = client
        self.route = route
        config = client.meta.config
        verify = getattr(getattr(client, "_endpoint", None), "http_session", None)
        verify = getattr(verify, "_verify", True)
        self._pool = LeanPool(
            max_attempts=_max_attempts(config.retries or {}),
            connect_timeout=float(config.connect_timeout),
            read_timeout=float(config.read_timeout),
            verify=verify is not False,
            # The bundle botocore verifies with (certifi's, or AWS_CA_BUNDLE / the client's verify=path).
            ca_certs=get_cert_path(verify) if verify is not False else None,
        )

    def get(self, key: str, start: int, end: int, counter: RequestCounter) -> Response:
        """GET bytes ``[start, end)`` of ``key`` (retried as :class:`LeanPool` does)."""
        path = self.route.base_path + quote(key, safe="/~")
        byte_range = f"bytes={start}-{end - 1}"
        return self._pool.get(
            self.route.origin, path, lambda: self._headers(self.route.origin + path, byte_range), counter
        )

    def _headers(self, url: str, byte_range: str) -> dict[str, str]:
        if self.route.region is None:
            return {"Range": byte_range}
        credentials = self._client._get_credentials()
        request = self._request_class(method="GET", url=url, headers={"Range": byte_range})
        self._auth_class(credentials.get_frozen_credentials(), "s3", self.route.region).add_auth(request)
        return dict(request.headers.items())

    def close(self) -> None:
        self._pool.close()


def _max_attempts(retries: dict[str, Any]) -> int:
    """Attempts in all, as botocore counts them from the client's ``retries`` configuration."""
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    if "max_attempts" in retries:
        return int(retries["max_attempts"]) + 1
    return DEFAULT_MAX_ATTEMPTS if retries.get("mode", "legacy") != "legacy" else 5
