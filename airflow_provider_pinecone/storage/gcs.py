"""Google Cloud Storage through google-cloud-storage.

With no client given, the SDK's default configuration applies: Application Default Credentials,
and ``STORAGE_EMULATOR_HOST`` to reach a local emulator (anonymously, so no metadata server is
asked for credentials). With no credentials at all, requests go anonymous, which is how public
buckets are read.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from airflow_provider_pinecone.connection_extras import as_bool, connection_extra
from airflow_provider_pinecone.storage._gcs_lean import GcsGetter
from airflow_provider_pinecone.storage._http import TransportError
from airflow_provider_pinecone.storage._support import (
    connection_name,
    import_sdk,
    size_connection_pool,
)
from airflow_provider_pinecone.storage.base import DEFAULT_MAX_CONNECTIONS, ObjectStore, StoredObject
from airflow_provider_pinecone.storage.errors import (
    StorageAccessDenied,
    StorageConfigurationError,
    StorageError,
    StorageNotFound,
)
from airflow_provider_pinecone.uris import ImportLocation

#: Project used with an emulator when ``GOOGLE_CLOUD_PROJECT`` is not set (emulators accept any).
EMULATOR_PROJECT = "test"
_CONN_TYPE = "google_cloud_platform"
# Credential forms of the Google provider's connection that only its GCSHook implements.
_PROVIDER_ONLY_EXTRAS = ("key_secret_name", "credential_config_file", "impersonation_chain")
_PERMISSIONS = "storage.objects.list and storage.objects.get (roles/storage.objectViewer)"
_KEYFILE_HINT = "expected the JSON key of a service account, with client_email, private_key and token_uri"
# The SDK prefixes the service's message with the request: "GET https://...: message".
_REQUEST_PREFIX = re.compile(r"^[A-Z]+ \S+: ")


def _storage() -> Any:
    return import_sdk("google.cloud.storage", extra="gcs", package="google-cloud-storage")


def default_gcs_client(*, endpoint_url: str | None = None, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> Any:
    """A ``google.cloud.storage.Client`` from the SDK's default configuration.

    :param endpoint_url: Overrides the API endpoint (an emulator or a private endpoint).
    :param max_connections: Size of the HTTP connection pool, the most parallel requests.
    """
    storage = _storage()
    credentials, project = _default_credentials()
    return _client(storage, credentials, project, endpoint_url, max_connections)


def gcs_client_from_connection(
    conn: Any, *, endpoint_url: str | None = None, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> Any:
    """A ``google.cloud.storage.Client`` from an Airflow ``google_cloud_platform`` connection.

    Reads the standard extras ``keyfile_dict`` (JSON text or a dict), ``key_path``, ``project`` and
    ``is_anonymous``, also in their old ``extra__google_cloud_platform__`` form; with no key,
    Application Default Credentials apply as with :func:`default_gcs_client`. Used when the Google
    provider is not installed; otherwise its ``GCSHook`` builds the client.
    """
    storage = _storage()
    extra = conn.extra_dejson or {}
    conn_name = connection_name(conn, "GCP")
    provider_only = [name for name in _PROVIDER_ONLY_EXTRAS if connection_extra(extra, name, _CONN_TYPE)]
    if provider_only:
        raise StorageConfigurationError(
            f"{conn_name} uses {', '.join(provider_only)}, which only the Google provider implements: "
            "pip install apache-airflow-providers-google"
        )
    credentials, project = _connection_credentials(extra, conn_name)
    project = connection_extra(extra, "project", _CONN_TYPE) or project
    return _client(storage, credentials, project, endpoint_url, max_connections)


def client_with_credentials(
    credentials: Any,
    project: str | None,
    *,
    endpoint_url: str | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> Any:
    """A ``google.cloud.storage.Client`` for credentials obtained elsewhere (``GCSHook``'s, say).

    :param endpoint_url: Overrides the API endpoint (an emulator or a private endpoint).
    :param max_connections: Size of the HTTP connection pool, the most parallel requests.
    """
    return _client(_storage(), credentials, project, endpoint_url, max_connections)


class GcsObjectStore(ObjectStore):
    """A GCS bucket read with google-cloud-storage. ``client`` is a ``google.cloud.storage.Client``.

    The store owns the client: it closes it, and turns off the SDK's background fetch of bucket
    metadata (see :func:`_without_bucket_metadata_fetch`).

    :param page_size: Objects per listing page; ``None`` leaves the service default (1,000).
    :param fast_reads: Send ranged reads on the lean pool, authorised by the client's credentials
        (``False``: every read through the SDK's ``download_as_bytes``).
    """

    def __init__(
        self,
        location: ImportLocation,
        client: Any | None = None,
        *,
        page_size: int | None = None,
        fast_reads: bool = True,
    ) -> None:
        super().__init__(location)
        self.client = _without_bucket_metadata_fetch(client if client is not None else default_gcs_client())
        self.page_size = page_size
        self._getter: GcsGetter | None = None
        self._learning = fast_reads

    def list_objects(self) -> Iterator[StoredObject]:
        what = self.location.url_of(self.location.prefix)
        # Listing a prefix never 404s for want of objects: only the bucket can be missing.
        missing = f"The bucket {self.location.bucket!r} does not exist."
        token: str | None = None
        while True:
            # One list_blobs call per page, resumed from the token, so each loop is exactly one request.
            with self._request(what, missing=missing):
                iterator = self.client.list_blobs(
                    self.location.bucket,
                    prefix=self.location.prefix or None,
                    page_size=self.page_size,
                    page_token=token,
                )
                page = [StoredObject(key=blob.name, size=int(blob.size or 0)) for blob in next(iterator.pages)]
            yield from page
            token = iterator.next_page_token
            if not token:
                return

    def read_range(self, key: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        if self._learning:
            self._learning = False
            self._getter = GcsGetter.for_client(self.client, self.location.bucket, key)
        if self._getter is not None:
            return self._fast_read(self._getter, key, start, end)
        # bucket().blob() builds references locally; get_blob() would cost a metadata request.
        blob = self.client.bucket(self.location.bucket).blob(key)
        with self._request(self.location.url_of(key)):
            # raw_download: the stored bytes, as listed sizes count them (no decompressive transcoding);
            # no checksum: the object's hashes cannot validate a part of it.
            data = blob.download_as_bytes(start=start, end=end - 1, raw_download=True, checksum=None)
        self.counter.add(0, len(data))
        return data

    def _fast_read(self, getter: GcsGetter, key: str, start: int, end: int) -> bytes:
        from google.auth import exceptions as auth_errors

        what = self.location.url_of(key)
        try:
            response = getter.get(self.location.bucket, key, start, end, self.counter)
        except TransportError as error:  # its text is the failure's kind and reason, never the request
            raise StorageError(f"Reading {what} failed: {error.advice('Google Cloud Storage')}") from None
        except auth_errors.GoogleAuthError as error:
            raise _credentials_unusable(what, error) from None
        data = response.range_bytes(start, end)
        if data is None:
            message = _body_message(response.body)
            if response.status == 404:
                raise StorageNotFound(f"{what} does not exist (404).")
            if response.status in (401, 403):
                raise _access_denied(what, response.status, message)
            raise StorageError(f"Reading {what} failed ({response.status}). {message}".rstrip())
        self.counter.add(0, len(data))
        return data

    def close(self) -> None:
        if self._getter is not None:
            self._getter.close()
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    @contextmanager
    def _request(self, what: str, *, missing: str | None = None) -> Iterator[None]:
        """Count one request and translate the SDK's errors for ``what`` (a bucket prefix or object).

        :param missing: The message for a 404, if better than "``what`` does not exist".
        """
        from google.api_core import exceptions as api_errors
        from google.auth import exceptions as auth_errors

        self.counter.add()
        try:
            yield
        except api_errors.NotFound:
            raise StorageNotFound(missing or f"{what} does not exist (404).") from None
        except (api_errors.Forbidden, api_errors.Unauthorized) as error:
            raise _access_denied(what, error.code, _server_message(error)) from None
        except auth_errors.GoogleAuthError as error:
            raise _credentials_unusable(what, error) from None
        except api_errors.GoogleAPICallError as error:
            raise StorageError(f"Reading {what} failed ({error.code}). {_server_message(error)}".rstrip()) from None
        except (api_errors.GoogleAPIError, OSError) as error:
            # Retries exhausted or no connection; the SDK's text repeats request URLs, so only the kind.
            raise StorageError(
                f"Reading {what} failed: Google Cloud Storage could not be reached ({type(error).__name__})."
            ) from None


# One wording for each refusal, whether the SDK or the lean read met it.
def _access_denied(what: str, status: int, message: str) -> StorageAccessDenied:
    return StorageAccessDenied(
        f"Access to {what} was denied ({status}): give the GCP connection's credentials {_PERMISSIONS} "
        f"on this bucket. {message}".rstrip()
    )


def _credentials_unusable(what: str, error: BaseException) -> StorageAccessDenied:
    return StorageAccessDenied(
        f"Reading {what} failed: the GCP credentials could not be used ({type(error).__name__}); "
        "check the connection's service-account key or the Application Default Credentials."
    )


def _body_message(body: bytes) -> str:
    """The JSON API error's message in ``body`` (one line), or ``""``."""
    try:
        message = str(json.loads(body)["error"]["message"]).strip()
    except (TypeError, KeyError, ValueError):
        return ""
    return message.splitlines()[0][:300] if message else ""


def _server_message(error: Any) -> str:
    """The service's own explanation (it names the principal and the missing permission), one line."""
    try:
        message = str(error.response.json()["error"]["message"])
    except (AttributeError, TypeError, KeyError, ValueError):  # no response, or not a JSON API error
        message = _REQUEST_PREFIX.sub("", str(getattr(error, "message", "") or ""))
    message = message.strip()
    return message.splitlines()[0][:300] if message else ""


def _without_bucket_metadata_fetch(client: Any) -> Any:
    """Turn off google-cloud-storage's bucket metadata cache on ``client``.

    Since 3.x the SDK fetches each bucket's metadata in a background thread on first use, for
    tracing attributes, even with tracing off: an extra request the store could not count, needing
    ``storage.buckets.get``, which read-only import credentials usually lack.
    """
    if getattr(client, "_bucket_metadata_cache", None) is not None:
        client._bucket_metadata_cache = None
    return client


def _client(storage: Any, credentials: Any, project: str | None, endpoint_url: str | None, max_connections: int) -> Any:
    options = {"api_endpoint": endpoint_url} if endpoint_url else None
    client = storage.Client(project=project, credentials=credentials, client_options=options)
    # The client's requests session wraps its (scoped) credentials; enlarge that session's pool.
    size_connection_pool(client._http, max_connections)
    return client  # GcsObjectStore turns off the bucket-metadata fetch, for GCSHook clients too


def _default_credentials() -> tuple[Any, str | None]:
    """Application Default Credentials and project; anonymous for an emulator or when none exist."""
    from google.auth.credentials import AnonymousCredentials

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        # Emulators take no credentials; looking for some could probe the GCE metadata server.
        return AnonymousCredentials(), os.environ.get("GOOGLE_CLOUD_PROJECT") or EMULATOR_PROJECT
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        return google.auth.default()
    except DefaultCredentialsError:
        return AnonymousCredentials(), None  # no credentials anywhere: public buckets still read


def _connection_credentials(extra: dict[str, Any], conn_name: str) -> tuple[Any, str | None]:
    """Service-account credentials from ``keyfile_dict`` or ``key_path``, anonymous if the
    connection says ``is_anonymous``, else the defaults."""
    from google.auth.credentials import AnonymousCredentials
    from google.oauth2 import service_account

    if as_bool(connection_extra(extra, "is_anonymous", _CONN_TYPE)):
        return AnonymousCredentials(), None
    keyfile = connection_extra(extra, "keyfile_dict", _CONN_TYPE)
    key_path = connection_extra(extra, "key_path", _CONN_TYPE)
    if keyfile:
        credentials = _load_key(
            lambda: service_account.Credentials.from_service_account_info(
                json.loads(keyfile) if isinstance(keyfile, str) else dict(keyfile)
            ),
            f"The keyfile_dict of {conn_name}",
        )
    elif key_path:
        credentials = _load_key(
            lambda: service_account.Credentials.from_service_account_file(key_path),
            f"The key_path of {conn_name}, {key_path!r},",
        )
    else:
        return _default_credentials()
    return credentials, credentials.project_id


def _load_key(load: Callable[[], Any], source: str) -> Any:
    """``load()`` service-account credentials; its failures name ``source`` but never quote the key."""
    try:
        return load()
    except OSError as error:
        raise StorageConfigurationError(f"{source} cannot be read ({error.strerror}).") from None
    except (ValueError, TypeError, KeyError) as error:
        raise StorageConfigurationError(
            f"{source} is not a usable service-account key ({type(error).__name__}; {_KEYFILE_HINT})."
        ) from None
