"""Everything that differs between API versions: the version table, request parsing and response shapes.

The emulator speaks every API version Pinecone serves (:data:`SUPPORTED_VERSIONS`); each answers in
its own spec's shapes. :data:`VERSIONS` is the one table of what differs; a request without an
``X-Pinecone-Api-Version`` header is answered as :data:`DEFAULT_VERSION` (2025-10).

* 2025-04: like 2025-10, but its ``ServerlessSpec`` has no ``read_capacity``, ``ListNamespacesResponse``
  no ``total_count``, and its ``ErrorResponse`` codes are a closed ``enum``.
* 2026-04: the same shapes as 2025-10 (its schemas differ only in descriptions).
* 2026-07: indexes are declared by ``schema`` and ``deployment`` instead of ``spec``; 64-bit counts
  are decimal strings; ``values`` is always present on records; a 401 is plain text.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from types import MappingProxyType
from typing import Any

from airflow_provider_pinecone.testing.emulator import operations
from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, Plane, require_object
from airflow_provider_pinecone.testing.emulator.integrated import with_embed
from airflow_provider_pinecone.testing.emulator.state import IndexConfig, IndexRecord
from airflow_provider_pinecone.testing.emulator.validation import validate_index_config

V2025_04 = "2025-04"
V2025_10 = "2025-10"
V2026_04 = "2026-04"
V2026_07 = "2026-07"

# Control-plane error codes a version's ``ErrorResponse`` does not list, and what it says instead:
# 2025-04..2026-04 have no SERVICE_UNAVAILABLE or PAYLOAD_TOO_LARGE (they have UNAVAILABLE),
# 2026-07 dropped UNAVAILABLE and UNIMPLEMENTED.
_CODES_BEFORE_2026_07 = MappingProxyType(
    {"SERVICE_UNAVAILABLE": "UNAVAILABLE", "PAYLOAD_TOO_LARGE": "INVALID_ARGUMENT"}
)


@dataclass(frozen=True)
class ApiVersion:
    """What one API version's specs (``db_control_<name>``, ``db_data_<name>``) make different."""

    name: str
    #: ``CreateIndexRequest``/``IndexModel`` use ``schema`` + ``deployment`` (2026-07) instead of ``spec``.
    schema_indexes: bool = False
    #: ``IndexModel.spec.serverless`` carries ``read_capacity`` (2025-10 and later).
    serverless_read_capacity: bool = True
    #: ``ListNamespacesResponse`` carries ``total_count`` (2025-10 and later).
    namespace_total_count: bool = True
    #: 64-bit counts (``record_count``) are decimal strings (2026-07).
    uint64_as_string: bool = False
    #: A 401 is the authentication layer's plain-text ``Unauthorized`` instead of a JSON error.
    plain_text_unauthorized: bool = False
    #: Control-plane error codes this version does not list -> the code it uses instead.
    control_code_fallbacks: Mapping[str, str] = dataclass_field(default_factory=dict)
    #: Data-plane paths whose errors are an ``ErrorResponse`` (``{"error": {...}, "status": N}``), not an
    #: ``rpcStatus`` (2026-07's records and documents endpoints).
    error_response_paths: re.Pattern[str] | None = None
    #: Every (method, path template) of the version's control-plane and data-plane specs.
    control_operations: frozenset[operations.Operation] = operations.CONTROL_2025_04
    data_operations: frozenset[operations.Operation] = operations.DATA_2025_10

    def operations(self, plane: Plane) -> frozenset[operations.Operation]:
        """The spec's operations on ``plane``."""
        return self.control_operations if plane is Plane.CONTROL else self.data_operations

    def error_shape(self, plane: Plane, path: str) -> Plane:
        """The plane whose error shape answers an error on ``path`` of ``plane``."""
        if plane is Plane.DATA and self.error_response_paths is not None and self.error_response_paths.match(path):
            return Plane.CONTROL
        return plane


VERSIONS: Mapping[str, ApiVersion] = MappingProxyType(
    {
        v.name: v
        for v in (
            ApiVersion(
                V2025_04,
                serverless_read_capacity=False,
                namespace_total_count=False,
                control_code_fallbacks=_CODES_BEFORE_2026_07,
                data_operations=operations.DATA_2025_04,
            ),
            ApiVersion(V2025_10, control_code_fallbacks=_CODES_BEFORE_2026_07),
            ApiVersion(V2026_04, control_code_fallbacks=_CODES_BEFORE_2026_07),
            ApiVersion(
                V2026_07,
                schema_indexes=True,
                uint64_as_string=True,
                plain_text_unauthorized=True,
                error_response_paths=re.compile(r"/(records/|namespaces/[^/]+/documents/)"),
                control_code_fallbacks=MappingProxyType({"UNIMPLEMENTED": "UNKNOWN"}),
                control_operations=operations.CONTROL_2026_07,
                data_operations=operations.DATA_2026_07,
            ),
        )
    }
)
SUPPORTED_VERSIONS = tuple(VERSIONS)
# Pinecone requires the header, but old clients and hand-written curl calls often omit it.
# The emulator is a test double, so it is lenient and assumes 2025-10 (its default before it
# spoke more versions) instead of failing requests that have nothing to do with versioning.
DEFAULT_VERSION = V2025_10
API_VERSION_HEADER = "X-Pinecone-Api-Version"

DENSE_FIELD = "_values"
SPARSE_FIELD = "_sparse_values"


class UnsupportedVersion(InvalidArgument):
    """The ``X-Pinecone-Api-Version`` header names a version the emulator does not speak."""


def traits(version: str) -> ApiVersion:
    """The :class:`ApiVersion` of a supported version name (the default's for anything else)."""
    return VERSIONS.get(version) or VERSIONS[DEFAULT_VERSION]


def resolve_version(raw: str | None) -> str:
    """The API version to answer in, from the header value (``None`` if absent)."""
    if raw is None or not raw.strip():
        return DEFAULT_VERSION
    version = raw.strip()
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(
            f"Unsupported API version {version!r} in header {API_VERSION_HEADER}: "
            f"the emulator supports {', '.join(SUPPORTED_VERSIONS)}."
        )
    return version


# --------------------------------------------------------------------------- requests
def parse_create_index(body: dict[str, Any], version: str) -> IndexConfig:
    """Turn a ``CreateIndexRequest`` of ``version`` into a validated :class:`IndexConfig`."""
    parser = _parse_create_2026_07 if traits(version).schema_indexes else _parse_create_2025_10
    return validate_index_config(parser(body, version))


def _parse_create_2025_10(body: dict[str, Any], version: str) -> IndexConfig:
    for field in ("name", "spec"):
        if field not in body:
            raise InvalidArgument(f"Missing required field {field!r} (API version {version}).")
    spec = require_object(body["spec"], "spec")
    if set(spec) != {"serverless"}:
        raise InvalidArgument(
            'spec must be {"serverless": {"cloud": ..., "region": ...}}: the emulator only supports serverless indexes.'
        )
    serverless = require_object(spec["serverless"], "spec.serverless")
    for field in ("cloud", "region"):
        if field not in serverless:
            raise InvalidArgument(f"Missing required field 'spec.serverless.{field}'.")
    vector_type = body.get("vector_type") or "dense"
    return IndexConfig(
        name=body["name"],
        vector_type=vector_type,
        dimension=body.get("dimension"),
        # Pinecone's defaults: cosine for dense, dotproduct (the only option) for sparse.
        metric=body.get("metric") or ("dotproduct" if vector_type == "sparse" else "cosine"),
        cloud=serverless["cloud"],
        region=serverless["region"],
        deletion_protection=body.get("deletion_protection") or "disabled",
        tags=body.get("tags") or None,
    )


_CREATE_2026_07_KEYS = {
    "name",
    "deployment",
    "schema",
    "cmek_id",
    "read_capacity",
    "tags",
    "deletion_protection",
}


def _parse_create_2026_07(body: dict[str, Any], version: str) -> IndexConfig:
    unknown = set(body) - _CREATE_2026_07_KEYS
    if unknown:
        raise InvalidArgument(
            f"Unknown field(s) {sorted(unknown)} (API version {version}); accepted: "
            f"{', '.join(sorted(_CREATE_2026_07_KEYS))}."
        )
    if "schema" not in body:
        raise InvalidArgument(f"Missing required field 'schema' (API version {version}).")
    if "cmek_id" in body:
        raise InvalidArgument("cmek_id is not supported by the emulator.")
    read_capacity = body.get("read_capacity")
    if read_capacity is not None and require_object(read_capacity, "read_capacity").get("mode") != "OnDemand":
        raise InvalidArgument('read_capacity: the emulator only supports {"mode": "OnDemand"}.')

    fields = require_object(require_object(body["schema"], "schema").get("fields"), "schema.fields")
    if not fields or set(fields) - {DENSE_FIELD, SPARSE_FIELD}:
        raise InvalidArgument(
            f"schema.fields: the emulator supports vector indexes only, declared as "
            f'{{"{DENSE_FIELD}": {{"type": "dense_vector", "dimension": N, "metric": M}}}} '
            f'and/or {{"{SPARSE_FIELD}": {{"type": "sparse_vector"}}}}.'
        )
    dense = fields.get(DENSE_FIELD)
    sparse = fields.get(SPARSE_FIELD)
    if dense is not None:
        dense = require_object(dense, f"schema.fields.{DENSE_FIELD}")
        if dense.get("type") != "dense_vector":
            raise InvalidArgument(f"schema.fields.{DENSE_FIELD}.type must be 'dense_vector'.")
        if "metric" not in dense:
            raise InvalidArgument(f"Missing required field 'schema.fields.{DENSE_FIELD}.metric'.")
    if sparse is not None and require_object(sparse, f"schema.fields.{SPARSE_FIELD}").get("type") != "sparse_vector":
        raise InvalidArgument(f"schema.fields.{SPARSE_FIELD}.type must be 'sparse_vector'.")

    # The spec defaults an omitted deployment to managed (serverless) on aws us-east-1.
    deployment = require_object(
        body.get("deployment") or {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"}, "deployment"
    )
    if deployment.get("deployment_type") != "managed":
        raise InvalidArgument('deployment.deployment_type: the emulator only supports "managed" (serverless).')
    for field in ("cloud", "region"):
        if field not in deployment:
            raise InvalidArgument(f"Missing required field 'deployment.{field}'.")

    return IndexConfig(
        # "The name is auto-generated if not provided."
        name=body.get("name") or f"index-{secrets.token_hex(4)}",
        vector_type="dense" if dense is not None else "sparse",
        dimension=dense.get("dimension") if dense is not None else None,
        metric=dense["metric"] if dense is not None else "dotproduct",
        cloud=deployment["cloud"],
        region=deployment["region"],
        deletion_protection=body.get("deletion_protection") or "disabled",
        tags=body.get("tags") or None,
    )


# -------------------------------------------------------------------------- responses
def index_model(record: IndexRecord, version: str) -> dict[str, Any]:
    """The ``IndexModel`` JSON object of ``version``."""
    # An index created for a model also shows its integrated embedding (see .integrated).
    if traits(version).schema_indexes:
        return with_embed(_index_model_2026_07(record), record.config, schema_indexes=True)
    model = _index_model_2025_10(record, with_read_capacity=traits(version).serverless_read_capacity)
    return with_embed(model, record.config, schema_indexes=False)


def index_list(records: list[IndexRecord], version: str) -> dict[str, Any]:
    """The ``IndexList`` JSON object of ``version``."""
    return {"indexes": [index_model(r, version) for r in records]}


def _status(record: IndexRecord) -> dict[str, Any]:
    """Ready once the index's data plane listens; ``Initializing`` (no host yet) while it starts, as
    Pinecone answers a new index until it can be used."""
    if record.host is not None:
        return {"ready": True, "state": "Ready"}
    return {"ready": False, "state": "Initializing"}


def _index_model_2025_10(record: IndexRecord, *, with_read_capacity: bool) -> dict[str, Any]:
    c = record.config
    serverless: dict[str, Any] = {"cloud": c.cloud, "region": c.region}
    if with_read_capacity:
        serverless["read_capacity"] = {"mode": "OnDemand", "status": {"state": "Ready"}}
    model: dict[str, Any] = {"name": c.name}
    if c.dimension is not None:  # "Not specified if sparse index" - omit rather than null.
        model["dimension"] = c.dimension
    model.update(
        metric=c.metric,
        host=record.host or "",
        deletion_protection=c.deletion_protection,
        # 2025-10's IndexTags is not nullable, so "no tags" is an empty object here.
        tags=dict(c.tags or {}),
        spec={"serverless": serverless},
        status=_status(record),
        vector_type=c.vector_type,
    )
    return model


def _index_model_2026_07(record: IndexRecord) -> dict[str, Any]:
    c = record.config
    fields: dict[str, Any] = {}
    if c.vector_type == "dense":
        fields[DENSE_FIELD] = {
            "type": "dense_vector",
            "dimension": c.dimension,
            "metric": c.metric,
            "description": None,
        }
    # "Dense vectors-API indexes always report both _values and _sparse_values."
    fields[SPARSE_FIELD] = {"type": "sparse_vector", "description": None}
    return {
        "name": c.name,
        "host": record.host or "",
        "status": _status(record),
        "deployment": {
            "deployment_type": "managed",
            "cloud": c.cloud,
            "region": c.region,
            "environment": f"{c.region}-{c.cloud}",
        },
        "read_capacity": {
            "mode": "OnDemand",
            # "null for OnDemand indexes"
            "status": {"state": "Ready", "current_replicas": None, "current_shards": None},
        },
        "schema": {"fields": fields},
        # 2026-07: "`null` in responses when the index has no tags".
        "tags": dict(c.tags) if c.tags else None,
        "deletion_protection": c.deletion_protection,
    }
