"""Version-independent validation of index definitions and import requests.

Messages state what *is* accepted, so a failing test tells its author how to fix the call.
"""

from __future__ import annotations

import re
from typing import Any

from airflow_provider_pinecone.client.validation import MAX_INTEGRATION_ID_LENGTH, MAX_LIST_LIMIT, MAX_URI_LENGTH
from airflow_provider_pinecone.storage import InvalidImportUri, parse_import_uri
from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_number
from airflow_provider_pinecone.testing.emulator.state import ImportRequest, IndexConfig

METRICS = ("cosine", "euclidean", "dotproduct")
CLOUDS = ("gcp", "aws", "azure")
VECTOR_TYPES = ("dense", "sparse")
DELETION_PROTECTION = ("disabled", "enabled")
ERROR_MODES = ("abort", "continue")
MAX_DIMENSION = 20000
DEFAULT_LIST_LIMIT = MAX_LIST_LIMIT

# "1-45 characters long, start and end with an alphanumeric character, and consist only of
# lower case alphanumeric characters or '-'" (IndexModel.name).
_INDEX_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?$")

ACCEPTED_URI_FORMS = (
    "s3://BUCKET_NAME/IMPORT_DIR, gs://BUCKET_NAME/IMPORT_DIR or "
    "https://STORAGE_ACCOUNT.blob.core.windows.net/CONTAINER_NAME/IMPORT_DIR"
)


def _choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidArgument(f"Invalid value for {field}: expected one of {', '.join(allowed)}, got {value!r}.")
    return value


def validate_index_config(config: IndexConfig) -> IndexConfig:
    """Check an index definition; returns it unchanged or raises :class:`InvalidArgument`."""
    if not isinstance(config.name, str) or not _INDEX_NAME.match(config.name):
        raise InvalidArgument(
            f"Invalid index name {config.name!r}: it must be 1-45 characters long, start and "
            "end with an alphanumeric character, and consist only of lower case alphanumeric "
            "characters or '-'."
        )
    _choice("vector_type", config.vector_type, VECTOR_TYPES)
    _choice("metric", config.metric, METRICS)
    _choice("cloud", config.cloud, CLOUDS)
    _choice("deletion_protection", config.deletion_protection, DELETION_PROTECTION)
    if not isinstance(config.region, str) or not config.region:
        raise InvalidArgument("Invalid value for region: expected a non-empty string.")
    if config.vector_type == "dense":
        if config.dimension is None:
            raise InvalidArgument(f"Dense indexes need a dimension: an integer from 1 to {MAX_DIMENSION}.")
        require_number("dimension", config.dimension, minimum=1, maximum=MAX_DIMENSION, integer=True)
    else:
        if config.dimension is not None:
            raise InvalidArgument("Sparse indexes take no dimension; omit it.")
        if config.metric != "dotproduct":
            raise InvalidArgument("Sparse indexes only support the dotproduct metric.")
    if config.tags is not None and (
        not isinstance(config.tags, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in config.tags.items())
    ):
        raise InvalidArgument("Invalid tags: expected an object mapping strings to strings.")
    return config


def parse_import_request(body: dict[str, Any]) -> ImportRequest:
    """Validate a ``StartImportRequest`` body (camelCase keys, as on the wire)."""
    uri = body.get("uri")
    if not isinstance(uri, str) or not uri:
        raise InvalidArgument(f"uri is required: a string like {ACCEPTED_URI_FORMS}.")
    if len(uri) > MAX_URI_LENGTH:
        raise InvalidArgument(f"uri must be at most {MAX_URI_LENGTH} characters, got {len(uri)}.")
    try:
        # The same parser as pre-flight and the importer; it refuses query strings (SAS tokens) and
        # user-info, which would otherwise be echoed back in every describe and list response.
        parse_import_uri(uri)
    except InvalidImportUri as exc:
        raise InvalidArgument(f"Invalid uri: the accepted forms are {ACCEPTED_URI_FORMS}. {exc}") from None

    integration_id = body.get("integrationId")
    if integration_id is not None and (
        not isinstance(integration_id, str) or len(integration_id) > MAX_INTEGRATION_ID_LENGTH
    ):
        raise InvalidArgument(f"integrationId must be a string of at most {MAX_INTEGRATION_ID_LENGTH} characters.")

    error_mode = body.get("errorMode")
    on_error: str | None = None  # the server picks its default; the wire never shows it
    if error_mode is not None:
        if not isinstance(error_mode, dict):
            raise InvalidArgument('errorMode must be an object like {"onError": "continue"}.')
        if error_mode.get("onError") is not None:
            on_error = _choice("errorMode.onError", error_mode["onError"], ERROR_MODES)
    return ImportRequest(uri=uri, integration_id=integration_id, error_mode=on_error)


def parse_limit(raw: str | None) -> int:
    """Validate the ``limit`` query parameter of list operations."""
    if raw is None:
        return DEFAULT_LIST_LIMIT
    value: Any
    try:
        value = int(raw)
    except ValueError:
        value = raw  # not an integer: require_number reports it as given
    return require_number("limit", value, minimum=1, maximum=MAX_LIST_LIMIT, integer=True)
