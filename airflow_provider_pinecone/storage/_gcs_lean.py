"""GCS ranged GETs authorised by google-auth's credentials and sent on a :class:`~._http.LeanPool`.

google-cloud-storage's ``download_as_bytes`` runs each small read through its media-download
machinery and ``requests``: about 1.4 ms of CPU per read. Here the SDK still decides the URL (the
first read's ``_get_download_url``, which follows the client's endpoint, emulator and universe
settings), and the client's own google-auth credentials add the ``Authorization`` header
(``before_request``, refreshing the token as the SDK's authorised session does); only the transport
is replaced. A client whose URL does not have the expected form stays on the SDK.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from airflow_provider_pinecone.storage._http import LeanPool, Response
from airflow_provider_pinecone.storage.base import RequestCounter

#: Attempts in all: google-cloud-storage retries reads for up to 120 s; six attempts with the
#: jittered backoff (up to 1 + 2 + 4 + 8 + 16 s) keep most of that patience.
GCS_MAX_ATTEMPTS = 6
_PATH = "/download/storage/v1/b/{bucket}/o/{key}"


def _path(bucket: str, key: str) -> str:
    return _PATH.format(bucket=quote(bucket, safe=""), key=quote(key, safe="~"))


class GcsGetter:
    """Sends one bucket's ranged GETs with the client's credentials, on a lean pool. Thread-safe."""

    def __init__(self, client: Any, origin: str, prefix: str, verify: bool | str) -> None:
        from google.auth.transport.requests import Request

        self._credentials = getattr(client._http, "credentials", None)
        self._auth_request = Request()  # the transport google-auth refreshes tokens with
        self._origin = origin
        self._prefix = prefix
        self._pool = LeanPool(
            max_attempts=GCS_MAX_ATTEMPTS,
            verify=verify is not False,
            ca_certs=verify if isinstance(verify, str) else None,
        )

    @classmethod
    def for_client(cls, client: Any, bucket: str, key: str) -> GcsGetter | None:
        """A getter if the SDK's download URL for ``key`` has the form this module builds, else ``None``."""
        try:
            url = client.bucket(bucket).blob(key)._get_download_url(client)
        except (AttributeError, TypeError):  # a client without the private helper: stay on the SDK
            return None
        parts = urlsplit(url)
        expected = _path(bucket, key)
        if parts.query != "alt=media" or not parts.path.endswith(expected):
            return None
        origin, prefix = f"{parts.scheme}://{parts.netloc}", parts.path[: -len(expected)]
        # What requests would use for this URL: its proxies (the lean pool has none: stay on the SDK)
        # and CA bundle (certifi's, or REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE).
        try:
            settings = client._http.merge_environment_settings(url, {}, None, None, None)
        except AttributeError:  # not a requests session: stay on the SDK
            return None
        if settings.get("proxies"):
            return None
        verify = settings.get("verify", True)
        if verify is True:
            from requests.utils import DEFAULT_CA_BUNDLE_PATH

            verify = DEFAULT_CA_BUNDLE_PATH
        return cls(client, origin, prefix, verify)

    def get(self, bucket: str, key: str, start: int, end: int, counter: RequestCounter) -> Response:
        """GET bytes ``[start, end)`` of ``key``, as stored (no decompressive transcoding)."""
        path = f"{self._prefix}{_path(bucket, key)}?alt=media"
        url = self._origin + path

        def headers() -> dict[str, str]:
            # Accept-Encoding gzip: GCS then sends a gzip-encoded object's stored bytes, as raw_download.
            fresh = {"Range": f"bytes={start}-{end - 1}", "Accept-Encoding": "gzip"}
            if self._credentials is not None:
                self._credentials.before_request(self._auth_request, "GET", url, fresh)
            return fresh

        return self._pool.get(self._origin, path, headers, counter)

    def close(self) -> None:
        self._pool.close()
