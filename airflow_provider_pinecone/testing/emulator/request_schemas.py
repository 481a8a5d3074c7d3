"""What Pinecone accepts in request bodies and query parameters, as a small JSON-schema subset.

Transcribed from the 2026-07 specs, the first to document the server's limits (``maxItems`` of
ids, ``maxLength`` of prefixes, ...): Pinecone runs one server for every API version, so they hold
for the older versions too. :func:`~.validation.check_schema` applies them in the gate before a
handler runs. Large numeric arrays (vector ``values``) are only checked for being arrays of the
right length here (:data:`NUMBERS`); their elements are checked in one numpy pass by
:mod:`.vectors`, which keeps a 2 MiB upsert cheap. The upsert body itself is validated by
:mod:`.vectors` on its hot path, not here.

Keywords: ``type``, ``nullable``, ``properties``, ``required``, ``any_required`` (at least one of
the names), ``exclusive`` (pairs that may not appear together), ``minProperties``/``maxProperties``,
``items``, ``minItems``/``maxItems``, ``minLength``/``maxLength``, ``ascii`` (``^[\\x01-\\x7F]+$``),
``minimum``/``maximum``, ``enum``, ``additionalProperties`` (a schema for the other members,
or ``False`` to refuse them), ``noNullMembers`` (no member may be ``null``: the spec declares none
nullable), ``discriminator`` + ``variants`` (the schema of each value of a member, like ``mode``).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

NUMBERS: Schema = {"type": "number", "deferred": True}
"""Items of a vector: checked by :mod:`.vectors` (numpy), not element by element here."""

RECORD_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 512, "ascii": True}
NAMESPACE: Schema = {"type": "string"}
SPARSE_VALUES: Schema = {
    "type": "object",
    "required": ["indices", "values"],
    "properties": {
        "indices": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2048,
            "items": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        },
        "values": {"type": "array", "minItems": 1, "maxItems": 2048, "items": NUMBERS},
    },
}
DENSE_VALUES: Schema = {"type": "array", "minItems": 1, "maxItems": 20000, "items": NUMBERS}
LIMIT_100: Schema = {"type": "integer", "minimum": 1, "maximum": 100}

QUERY_REQUEST: Schema = {
    "type": "object",
    "required": ["topK"],
    "any_required": ["vector", "id", "sparseVector"],
    "exclusive": [("id", "vector"), ("id", "sparseVector")],
    "properties": {
        "namespace": NAMESPACE,
        "topK": {"type": "integer", "minimum": 1, "maximum": 10000},
        "filter": {"type": "object"},
        "includeValues": {"type": "boolean"},
        "includeMetadata": {"type": "boolean"},
        "vector": DENSE_VALUES,
        "sparseVector": SPARSE_VALUES,
        "id": RECORD_ID,
        "scanFactor": {"type": "number", "minimum": 0.5, "maximum": 4.0},
        "maxCandidates": {"type": "integer", "minimum": 1, "maximum": 100000},
    },
}
DESCRIBE_INDEX_STATS_REQUEST: Schema = {"type": "object", "properties": {"filter": {"type": "object"}}}
# Presence, length and the onError choice are checked by validation.parse_import_request, whose
# messages list the accepted URI forms; here only what it does not check (types, nulls).
START_IMPORT_REQUEST: Schema = {
    "type": "object",
    "properties": {
        "integrationId": {"type": "string"},
        "uri": {"type": "string"},
        "errorMode": {"type": "object", "properties": {"onError": {"type": "string"}}},
    },
}
# Delete, update, fetch by metadata and create namespace check their fields in .vector_ops, with
# messages of their own; the gate only refuses nulls there (.vector_ops reads null as absent).
NO_NULL_MEMBERS: Schema = {"type": "object", "noNullMembers": True}
READ_CAPACITY: Schema = {
    "type": "object",
    "required": ["mode"],
    "properties": {"mode": {"type": "string", "enum": ["OnDemand", "Dedicated"]}},
    "discriminator": "mode",
    "variants": {
        "OnDemand": {"type": "object", "additionalProperties": False, "properties": {"mode": {"type": "string"}}},
        "Dedicated": {
            "type": "object",
            "required": ["mode", "dedicated"],
            "properties": {"dedicated": {"type": "object"}},
        },
    },
}
TAGS: Schema = {"type": "object", "additionalProperties": {"type": "string"}}
DELETION_PROTECTION: Schema = {"type": "string", "enum": ["disabled", "enabled"]}
SERVERLESS_SPEC: Schema = {
    "type": "object",
    "required": ["cloud", "region"],
    "properties": {
        "cloud": {"type": "string", "enum": ["gcp", "aws", "azure"]},
        "region": {"type": "string"},
        "source_collection": {"type": "string"},
        "read_capacity": READ_CAPACITY,
        "schema": {
            "type": "object",
            "required": ["fields"],
            "properties": {
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "object", "properties": {"filterable": {"type": "boolean"}}},
                }
            },
        },
    },
}
# 2025-04 .. 2026-04 (2026-07's schema/deployment form is checked by versions._parse_create_2026_07).
CREATE_INDEX_REQUEST_SPEC: Schema = {
    "type": "object",
    "required": ["name", "spec"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 45},
        "dimension": {"type": "integer", "minimum": 1, "maximum": 20000},
        "metric": {"type": "string", "enum": ["cosine", "euclidean", "dotproduct"]},
        "deletion_protection": DELETION_PROTECTION,
        "tags": TAGS,
        "spec": {"type": "object", "properties": {"serverless": SERVERLESS_SPEC}},
        "vector_type": {"type": "string", "enum": ["dense", "sparse"]},
    },
}

CONFIGURE_INDEX_REQUEST_SPEC: Schema = {
    "type": "object",
    "properties": {
        "deletion_protection": DELETION_PROTECTION,
        "tags": TAGS,
        "embed": {"type": "object"},
        "spec": {
            "type": "object",
            "properties": {"serverless": {"type": "object", "properties": {"read_capacity": READ_CAPACITY}}},
        },
    },
}

# Request bodies by (method, path): data plane.
DATA_BODIES: dict[tuple[str, str], Schema] = {
    ("POST", "/query"): QUERY_REQUEST,
    ("POST", "/describe_index_stats"): DESCRIBE_INDEX_STATS_REQUEST,
    ("POST", "/bulk/imports"): START_IMPORT_REQUEST,
    ("POST", "/vectors/delete"): NO_NULL_MEMBERS,
    ("POST", "/vectors/update"): NO_NULL_MEMBERS,
    ("POST", "/vectors/fetch_by_metadata"): NO_NULL_MEMBERS,
    ("POST", "/namespaces"): NO_NULL_MEMBERS,
}

# Query parameters by (method, path); an ``array`` parameter is the list of its repetitions.
DATA_QUERIES: dict[tuple[str, str], dict[str, Schema]] = {
    ("GET", "/vectors/fetch"): {
        "ids": {"type": "array", "minItems": 1, "maxItems": 1000, "items": RECORD_ID},
        "namespace": NAMESPACE,
    },
    ("GET", "/namespaces"): {
        "limit": LIMIT_100,
        "prefix": {"type": "string", "maxLength": 512, "ascii": True},
        "paginationToken": {"type": "string"},
    },
    ("GET", "/bulk/imports"): {"limit": LIMIT_100, "paginationToken": {"type": "string"}},
    # The rest of list's parameters are checked by .vector_ops.
    ("GET", "/vectors/list"): {"prefix": {"type": "string", "ascii": True}},
}

NAMESPACE_IN_PATH: Schema = {"type": "string", "minLength": 1, "maxLength": 512, "ascii": True}
