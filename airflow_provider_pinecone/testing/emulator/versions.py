"""Everything that differs between API versions: request parsing and response shapes.

Only the control plane's index resources change shape between 2025-10 and 2026-07; the
bulk-import resources (``ImportModel``, ``ListImportsResponse``, ``rpcStatus``) are the
same in both, except that 2026-07 makes more fields required - which the emulator always
sends anyway.
"""

from __future__ import annotations

import secrets
from typing import Any

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_object
from airflow_provider_pinecone.testing.emulator.state import IndexConfig, IndexRecord
from airflow_provider_pinecone.testing.emulator.validation import validate_index_config

V2025_10 = "2025-10"
V2026_07 = "2026-07"
SUPPORTED_VERSIONS = (V2025_10, V2026_07)
# Pinecone requires the header, but old clients and hand-written curl calls often omit it.
# The emulator is a test double, so it is lenient and assumes the older supported version
# instead of failing requests that have nothing to do with versioning.
DEFAULT_VERSION = V2025_10
API_VERSION_HEADER = "X-Pinecone-Api-Version"

DENSE_FIELD = "_values"
SPARSE_FIELD = "_sparse_values"


class UnsupportedVersion(InvalidArgument):
    """The ``X-Pinecone-Api-Version`` header names a version the emulator does not speak."""


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
    parser = _parse_create_2026_07 if version == V2026_07 else _parse_create_2025_10
    return validate_index_config(parser(body))


def _parse_create_2025_10(body: dict[str, Any]) -> IndexConfig:
    for field in ("name", "spec"):
        if field not in body:
            raise InvalidArgument(f"Missing required field {field!r} (API version {V2025_10}).")
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


def _parse_create_2026_07(body: dict[str, Any]) -> IndexConfig:
    unknown = set(body) - _CREATE_2026_07_KEYS
    if unknown:
        raise InvalidArgument(
            f"Unknown field(s) {sorted(unknown)} (API version {V2026_07}); accepted: "
            f"{', '.join(sorted(_CREATE_2026_07_KEYS))}."
        )
    if "schema" not in body:
        raise InvalidArgument(f"Missing required field 'schema' (API version {V2026_07}).")
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
    if version == V2026_07:
        return _index_model_2026_07(record)
    return _index_model_2025_10(record)


def index_list(records: list[IndexRecord], version: str) -> dict[str, Any]:
    """The ``IndexList`` JSON object of ``version``."""
    return {"indexes": [index_model(r, version) for r in records]}


_READY = {"ready": True, "state": "Ready"}


def _index_model_2025_10(record: IndexRecord) -> dict[str, Any]:
    c = record.config
    model: dict[str, Any] = {"name": c.name}
    if c.dimension is not None:  # "Not specified if sparse index" - omit rather than null.
        model["dimension"] = c.dimension
    model.update(
        metric=c.metric,
        host=record.host or "",
        deletion_protection=c.deletion_protection,
        # 2025-10's IndexTags is not nullable, so "no tags" is an empty object here.
        tags=dict(c.tags or {}),
        spec={
            "serverless": {
                "cloud": c.cloud,
                "region": c.region,
                "read_capacity": {"mode": "OnDemand", "status": {"state": "Ready"}},
            }
        },
        status=dict(_READY),
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
        "status": dict(_READY),
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
