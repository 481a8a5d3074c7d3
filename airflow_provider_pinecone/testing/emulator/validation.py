"""Version-independent validation of index definitions and import requests.

Messages state what *is* accepted, so a failing test tells its author how to fix the call.
"""

from __future__ import annotations

import json
import re
from typing import Any

from airflow_provider_pinecone.client.validation import MAX_INTEGRATION_ID_LENGTH, MAX_LIST_LIMIT, MAX_URI_LENGTH
from airflow_provider_pinecone.storage import InvalidImportUri, parse_import_uri
from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_number
from airflow_provider_pinecone.testing.emulator.import_errors import vector_type_reason
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


SPARSE_NEEDS_DOTPRODUCT = "Sparse values are only supported for indexes with the dotproduct metric."
"""Pinecone's refusal of sparse values for a dense index of another metric (upsert, query, update)."""


def check_vector_kinds(index: IndexConfig, *, dense: bool, sparse: bool) -> None:
    """Refuse dense values for a sparse index, and sparse values for a dense index not on dotproduct.

    One rule with one message for every operation that carries vectors, so a query is refused
    exactly as an upsert of the same vector is.
    """
    if index.vector_type == "sparse" and dense:
        raise InvalidArgument(vector_type_reason("sparse"))
    if index.vector_type == "dense" and sparse and index.metric != "dotproduct":
        raise InvalidArgument(SPARSE_NEEDS_DOTPRODUCT)


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


# ------------------------------------------------------------------ request schemas
_TYPE_NAMES = {
    "object": "a JSON object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
}


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):  # True is an int in Python, never a number in JSON
        return False
    if kind == "integer":
        return isinstance(value, int)
    return isinstance(value, (int, float))


def _got(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {_short(value)}"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_schema(value: Any, schema: dict[str, Any], where: str) -> None:
    """Raise :class:`InvalidArgument` naming the first way ``value`` breaks ``schema``.

    ``schema`` uses the subset described in :mod:`.request_schemas`. The cost is one visit per
    object member and string; arrays of vector numbers (``deferred`` items) are not walked.
    """
    kind = schema.get("type")
    if value is None:
        if schema.get("nullable"):
            return
        raise InvalidArgument(f"{where} must be {_TYPE_NAMES.get(kind or '', 'a value')}, got null; omit it instead.")
    if kind is not None and not _type_ok(value, kind):
        raise InvalidArgument(f"{where} must be {_TYPE_NAMES[kind]}, got {_got(value)}.")
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(v) for v in schema["enum"])
        raise InvalidArgument(f"{where} must be one of {allowed}, got {_short(value)}.")
    if kind == "object":
        _check_object(value, schema, where)
    elif kind == "array":
        _check_sized(len(value), schema, where, "items", hint=": split the request")
        items = schema.get("items")
        if items is not None and not items.get("deferred"):
            for i, item in enumerate(value):
                check_schema(item, items, f"{where}[{i}]")
    elif kind == "string":
        _check_sized(len(value), schema, where, "characters", "Length")
        if schema.get("ascii") and value and not (value.isascii() and "\x00" not in value):
            raise InvalidArgument(f"{where} must contain only ASCII characters (no NUL), got {_short(value)}.")
    elif kind in ("integer", "number"):
        bounds = {"minimum": schema.get("minimum"), "maximum": schema.get("maximum")}
        require_number(where, value, integer=kind == "integer", **bounds)


def _check_sized(
    size: int, schema: dict[str, Any], where: str, unit: str, suffix: str = "Items", hint: str = ""
) -> None:
    low, high = schema.get("min" + suffix), schema.get("max" + suffix)
    if low is not None and size < low:
        raise InvalidArgument(f"{where} must have at least {low} {unit}, got {size}.")
    if high is not None and size > high:
        raise InvalidArgument(f"{where} must have at most {high} {unit}, got {size}{hint}.")


def _check_object(value: dict[str, Any], schema: dict[str, Any], where: str) -> None:
    prefix = f"{where}." if where else ""
    for name in schema.get("required", ()):
        if name not in value:
            raise InvalidArgument(f"Missing required field {prefix}{name}.")
    any_of = schema.get("any_required")
    # A null member counts as absent here, so the member check below reports the null itself.
    if any_of and not any(value.get(name) is not None for name in any_of):
        raise InvalidArgument(f"{where or 'The request'} needs one of {', '.join(any_of)}.")
    for first, second in schema.get("exclusive", ()):
        if value.get(first) is not None and value.get(second) is not None:
            raise InvalidArgument(f"{where or 'The request'} takes {first} or {second}, not both.")
    _check_sized(len(value), schema, where, "properties", "Properties")
    if schema.get("noNullMembers"):
        for name, member in value.items():
            if member is None:
                raise InvalidArgument(f"{prefix}{name} must not be null; omit it instead.")
    properties = schema.get("properties", {})
    others = schema.get("additionalProperties")
    for name, member in value.items():
        member_schema = properties.get(name, others)
        if member_schema is False:
            raise InvalidArgument(f"Unknown field {prefix}{name}: accepted are {', '.join(properties)}.")
        if member_schema is not None:
            check_schema(member, member_schema, f"{prefix}{name}")
    if "discriminator" in schema:  # its value is a string by now (the member's own schema says so)
        variant = schema["variants"].get(value.get(schema["discriminator"]))
        if variant is not None:
            check_schema(value, variant, where)


def check_query_params(params: Any, schemas: dict[str, dict[str, Any]]) -> None:
    """Check a request's query parameters (a Starlette ``QueryParams``) against ``schemas``.

    Integers are parsed first; an ``array`` parameter is the list of its repetitions.
    """
    for name, schema in schemas.items():
        if name not in params:
            continue
        value: Any
        if schema["type"] == "array":
            value = params.getlist(name)
        else:
            value = params.get(name)
            if schema["type"] == "integer":
                try:
                    value = int(value)
                except ValueError:  # require_number names the range and reports the value as given
                    require_number(
                        name, value, minimum=schema.get("minimum"), maximum=schema.get("maximum"), integer=True
                    )
        check_schema(value, schema, name)
