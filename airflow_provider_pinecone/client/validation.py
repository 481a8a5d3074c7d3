"""Checks on request arguments, made before anything is sent.

Each rejection raises :class:`PineconeValidationError` with a message that says what is accepted,
so a typo in a DAG fails in a second rather than after a round trip (or a 10-minute import).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_pinecone.client.errors import PineconeValidationError
from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.uris import InvalidImportUri, parse_import_uri

ERROR_MODES = ("continue", "abort")
MAX_URI_LENGTH = 1500
MAX_ID_LENGTH = 1000
MAX_INTEGRATION_ID_LENGTH = 1000
MAX_LIST_LIMIT = 100
#: The most matches one query returns (Pinecone's documented top_k limit).
MAX_TOP_K = 10_000


def validate_error_mode(error_mode: Any) -> str:
    """Return ``"continue"`` or ``"abort"`` from any casing (or an enum with such a value)."""
    value = getattr(error_mode, "value", error_mode)
    normalized = str(value).strip().lower() if value is not None else ""
    if normalized not in ERROR_MODES:
        raise PineconeValidationError(
            f"error_mode {error_mode!r} is not valid: use 'continue' (skip invalid records) "
            "or 'abort' (stop the import at the first invalid record)."
        )
    return normalized


def validate_import_uri(uri: Any) -> str:
    """Check that ``uri`` is an import directory URI on S3, GCS or Azure Blob Storage.

    Credentials in the URI (a SAS token in the query string, ``user:password@``) are refused, and
    never repeated in the message: Pinecone reads private buckets through a storage integration, and
    the URI is logged and pushed to XCom.
    """
    uri = uri.strip() if isinstance(uri, str) else uri
    if isinstance(uri, str) and len(uri) > MAX_URI_LENGTH:
        raise PineconeValidationError(
            f"The import uri is {len(uri)} characters long; Pinecone accepts at most {MAX_URI_LENGTH}."
        )
    try:
        return parse_import_uri(uri).uri  # its messages never repeat a secret
    except InvalidImportUri as exc:
        raise PineconeValidationError(str(exc)) from None


def validate_import_id(import_id: Any) -> str:
    """Check an import id: a string (or int) of 1 to 1000 characters."""
    if isinstance(import_id, bool) or not isinstance(import_id, (str, int)):
        raise PineconeValidationError(
            f"The import id must be a string of 1 to {MAX_ID_LENGTH} characters, got {type(import_id).__name__}."
        )
    value = str(import_id).strip()
    if not value or len(value) > MAX_ID_LENGTH:
        raise PineconeValidationError(
            f"The import id must be 1 to {MAX_ID_LENGTH} characters long, got {len(value)}; "
            "pass the id that start_import returned."
        )
    return value


def validate_integration_id(integration_id: Any) -> str | None:
    """Check an optional storage integration id (at most 1000 characters)."""
    if integration_id is None or integration_id == "":
        return None
    value = str(integration_id).strip()
    if len(value) > MAX_INTEGRATION_ID_LENGTH:
        raise PineconeValidationError(
            f"integration_id is {len(value)} characters long; Pinecone accepts at most "
            f"{MAX_INTEGRATION_ID_LENGTH}. Copy it from the console's Storage integrations page."
        )
    return value


def validate_top_k(top_k: Any) -> int:
    """Check a query's ``top_k``: a whole number from 1 to :data:`MAX_TOP_K`."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise PineconeValidationError(f"top_k must be between 1 and {MAX_TOP_K:,}, not {top_k!r}.")
    return top_k


def validate_list_limit(limit: Any) -> int | None:
    """Check the page size of ``list_imports``: 1 to 100, or ``None`` for the API's default."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
        raise PineconeValidationError(f"limit must be a whole number from 1 to {MAX_LIST_LIMIT}, got {limit!r}.")
    return limit


#: Pinecone's longest namespace name (``CreateNamespaceRequest.name``: 1-512 ASCII characters).
MAX_NAMESPACE_LENGTH = 512


def validate_namespace(namespace: Any) -> str:
    """A namespace to address by name in a URL path: ``""`` becomes ``"__default__"``.

    Pinecone's names are 1-512 ASCII characters without NUL.
    """
    if not isinstance(namespace, str):
        raise PineconeValidationError(
            f'namespace must be a string ("" for the default namespace), got {type(namespace).__name__}.'
        )
    name = namespace or DEFAULT_NAMESPACE
    if len(name) > MAX_NAMESPACE_LENGTH or not name.isascii() or "\x00" in name:
        raise PineconeValidationError(
            f"namespace {name[:60]!r} is not a valid Pinecone namespace: use 1 to {MAX_NAMESPACE_LENGTH} "
            "ASCII characters without NUL."
        )
    return name
