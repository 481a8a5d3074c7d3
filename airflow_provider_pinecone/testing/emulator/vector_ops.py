"""The data plane's record maintenance: delete, update, list ids and fetch by metadata.

Behaviour follows Pinecone's serverless indexes and the API specs (2025-10, 2026-07):

* ``POST /vectors/delete`` takes exactly one of ``ids`` (1-1,000), ``filter`` or ``deleteAll: true``.
  The namespace stays, empty if need be (only ``DELETE /namespaces/{namespace}`` removes it). A
  namespace that does not exist answers 404 ``Namespace not found``, as Pinecone does: code that
  passes against the emulator must also handle that in production.
* ``POST /vectors/update`` by ``id`` replaces ``values``/``sparseValues`` and merges ``setMetadata``
  into the record's metadata; an unknown id changes nothing. By ``filter`` it merges ``setMetadata``
  into every matching record (``dryRun`` only counts them) and answers ``matchedRecords``.
* ``GET /vectors/list`` returns ids in bitwise ("C" collation) order, ``limit`` (1-100, default 100)
  at a time, with ``pagination.next`` while more remain.
* ``POST /vectors/fetch_by_metadata`` returns the records matching ``filter``, in id order,
  ``limit`` (1-10,000, default 100) at a time.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import FastAPI, Request

from airflow_provider_pinecone.preflight import limits
from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, NotFound, require_number
from airflow_provider_pinecone.testing.emulator.gate import json_body, request_version
from airflow_provider_pinecone.testing.emulator.pagination import key_after, page_token
from airflow_provider_pinecone.testing.emulator.query import match_filter
from airflow_provider_pinecone.testing.emulator.state import EmulatorState, IndexConfig
from airflow_provider_pinecone.testing.emulator.store import VectorRecord, dense_values, namespace_key
from airflow_provider_pinecone.testing.emulator.validation import check_vector_kinds, parse_limit
from airflow_provider_pinecone.testing.emulator.vectors import (
    parse_dense,
    parse_metadata,
    parse_namespace,
    parse_sparse,
    vector_wire,
)
from airflow_provider_pinecone.testing.emulator.versions import V2025_10

MAX_DELETE_IDS = 1000
MAX_PREFIX_LENGTH = 512
MAX_FETCH_BY_METADATA_LIMIT = 10_000
DEFAULT_FETCH_BY_METADATA_LIMIT = 100
_USAGE = {"readUnits": 1}


def namespace_not_found(namespace: str) -> NotFound:
    """Pinecone's 404 for an operation on a namespace that does not exist."""
    return NotFound(f"Namespace not found: {namespace_key(namespace)!r} does not exist in this index.")


def parse_bool(raw: Any, name: str) -> bool:
    """An optional JSON boolean (absent or ``null``: ``False``)."""
    if raw is None:
        return False
    if not isinstance(raw, bool):
        raise InvalidArgument(f"{name} must be true or false, got {type(raw).__name__}.")
    return raw


def parse_ids(raw: Any) -> list[str]:
    """``DeleteRequest.ids``: 1 to 1,000 ids of 1 to 512 characters."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_DELETE_IDS:
        size = f"{len(raw)} ids" if isinstance(raw, list) else type(raw).__name__
        raise InvalidArgument(f"ids must be an array of 1 to {MAX_DELETE_IDS} ids, got {size}.")
    for i, record_id in enumerate(raw):
        if not isinstance(record_id, str) or not 1 <= len(record_id) <= limits.MAX_ID_CHARS:
            raise InvalidArgument(f"ids[{i}] must be a string of 1 to {limits.MAX_ID_CHARS} characters.")
    return raw


def parse_filter(raw: Any) -> Any:
    """A metadata filter: a non-empty object of supported operators; returns the record predicate."""
    if not isinstance(raw, dict) or not raw:
        raise InvalidArgument('filter must be a non-empty object, like {"genre": {"$eq": "drama"}}.')
    matches = match_filter(raw)
    return lambda record: matches(record.metadata or {})


def _delete(state: EmulatorState, index_name: str, body: dict[str, Any]) -> None:
    namespace = parse_namespace(body.get("namespace"))
    delete_all = parse_bool(body.get("deleteAll"), "deleteAll")
    given = [name for name in ("ids", "filter") if body.get(name) is not None] + (["deleteAll"] if delete_all else [])
    if len(given) != 1:
        found = f"got {' and '.join(given)}" if given else "got none"
        raise InvalidArgument(f"Delete takes exactly one of ids, filter or deleteAll: true; {found}.")
    if "ids" in given:
        deleted = state.vectors.delete(index_name, namespace, ids=parse_ids(body["ids"]))
    elif "filter" in given:
        deleted = state.vectors.delete(index_name, namespace, where=parse_filter(body["filter"]))
    else:
        deleted = state.vectors.delete(index_name, namespace)
    if deleted is None:
        raise namespace_not_found(namespace)


def _new_vectors(body: dict[str, Any], config: IndexConfig) -> dict[str, Any]:
    """The ``values``/``sparseValues`` an update sets, checked against the index like an upsert's."""
    changes: dict[str, Any] = {}
    check_vector_kinds(config, dense=body.get("values") is not None, sparse=body.get("sparseValues") is not None)
    if body.get("values") is not None:
        changes["values"] = dense_values(parse_dense(body["values"], config, "values"))
    if body.get("sparseValues") is not None:
        changes["sparse"] = parse_sparse(body["sparseValues"], "sparseValues")
    return changes


def _merged(record: VectorRecord, changes: dict[str, Any], set_metadata: dict[str, Any] | None) -> VectorRecord:
    if set_metadata is not None:
        # Validated again merged: the 40 KB limit applies to the record's whole metadata.
        changes = {**changes, "metadata": parse_metadata({**(record.metadata or {}), **set_metadata}, "setMetadata")}
    return dataclasses.replace(record, **changes)


def _update(state: EmulatorState, index_name: str, body: dict[str, Any], version: str) -> dict[str, Any]:
    config = state.get_index(index_name).config
    if version < V2025_10 and ("filter" in body or "dryRun" in body):  # versions are ISO dates: they sort
        raise InvalidArgument(
            f"Updating by filter (filter, dryRun) needs API version {V2025_10} or later; this request is {version}."
        )
    namespace = parse_namespace(body.get("namespace"))
    record_id, filter_ = body.get("id"), body.get("filter")
    if (record_id is None) == (filter_ is None):
        raise InvalidArgument("Update takes exactly one of id (one record) or filter (every matching record).")
    raw_metadata = body.get("setMetadata")
    set_metadata = (parse_metadata(raw_metadata, "setMetadata") or {}) if raw_metadata is not None else None
    dry_run = parse_bool(body.get("dryRun"), "dryRun")
    if filter_ is not None:
        if body.get("values") is not None or body.get("sparseValues") is not None:
            raise InvalidArgument(
                "An update by filter can only set metadata (setMetadata); update values by id instead."
            )
        if set_metadata is None and not dry_run:
            raise InvalidArgument("An update by filter needs setMetadata (or dryRun: true to count the matches).")
        matched = state.vectors.update(
            index_name,
            namespace,
            lambda record: _merged(record, {}, set_metadata),
            where=parse_filter(filter_),
            dry_run=dry_run,
        )
        return {"matchedRecords": matched}
    if not isinstance(record_id, str) or not 1 <= len(record_id) <= limits.MAX_ID_CHARS:
        raise InvalidArgument(f"id must be a string of 1 to {limits.MAX_ID_CHARS} characters.")
    changes = _new_vectors(body, config)
    if not changes and set_metadata is None:
        raise InvalidArgument("An update by id needs at least one of values, sparseValues or setMetadata.")
    state.vectors.update(
        index_name, namespace, lambda record: _merged(record, changes, set_metadata), record_id=record_id
    )
    return {}


def _list_ids(state: EmulatorState, index_name: str, request: Request) -> dict[str, Any]:
    state.get_index(index_name)
    params = request.query_params
    limit = parse_limit(params.get("limit"))
    prefix = params.get("prefix") or ""
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise InvalidArgument(f"prefix must be at most {MAX_PREFIX_LENGTH} characters, got {len(prefix)}.")
    namespace = params.get("namespace") or ""
    ids = state.vectors.sorted_ids(index_name, namespace, prefix, key_after(params.get("paginationToken")))
    page = ids[:limit]
    body: dict[str, Any] = {"vectors": [{"id": i} for i in page], "namespace": namespace, "usage": dict(_USAGE)}
    if len(ids) > limit:
        body["pagination"] = {"next": page_token(page[-1])}
    return body


def _fetch_by_metadata(state: EmulatorState, index_name: str, body: dict[str, Any], version: str) -> dict[str, Any]:
    state.get_index(index_name)
    namespace = parse_namespace(body.get("namespace"))
    if body.get("filter") is None:
        raise InvalidArgument('filter is required: a metadata filter like {"genre": {"$eq": "drama"}}.')
    where = parse_filter(body["filter"])
    limit = DEFAULT_FETCH_BY_METADATA_LIMIT
    if body.get("limit") is not None:
        limit = require_number("limit", body["limit"], minimum=1, maximum=MAX_FETCH_BY_METADATA_LIMIT, integer=True)
    token = body.get("paginationToken")
    if token is not None and not isinstance(token, str):
        raise InvalidArgument(f"paginationToken must be a string, got {type(token).__name__}.")
    after = key_after(token)
    found = sorted(
        (r for r in state.vectors.records(index_name, namespace) if (after is None or r.id > after) and where(r)),
        key=lambda r: r.id,
    )
    page = found[:limit]
    result: dict[str, Any] = {
        "vectors": {r.id: vector_wire(r, version) for r in page},
        "namespace": namespace,
        "usage": dict(_USAGE),
    }
    if len(found) > limit:
        result["pagination"] = {"next": page_token(page[-1].id)}
    return result


def install_vector_ops(app: FastAPI, state: EmulatorState, index_name: str) -> None:
    """Add delete, update, list and fetch-by-metadata routes to ``index_name``'s data-plane app."""

    @app.post("/vectors/delete")
    async def delete_vectors(request: Request) -> dict[str, Any]:
        body = await json_body(request, hint="a DeleteRequest")
        state.get_index(index_name)
        _delete(state, index_name, body)
        return {}

    @app.post("/vectors/update")
    async def update_vector(request: Request) -> dict[str, Any]:
        body = await json_body(request, hint="an UpdateRequest")
        return _update(state, index_name, body, request_version(request))

    @app.get("/vectors/list")
    async def list_vectors(request: Request) -> dict[str, Any]:
        return _list_ids(state, index_name, request)

    @app.post("/vectors/fetch_by_metadata")
    async def fetch_by_metadata(request: Request) -> dict[str, Any]:
        body = await json_body(request, hint="a FetchByMetadataRequest")
        return _fetch_by_metadata(state, index_name, body, request_version(request))


MAX_NAMESPACE_LENGTH = 512
MAX_SCHEMA_FIELDS = 50


def parse_namespace_name(raw: Any, where: str) -> str:
    """A namespace name as ``CreateNamespaceRequest.name`` defines it: 1-512 ASCII characters, no NUL."""
    if not isinstance(raw, str) or not 1 <= len(raw) <= MAX_NAMESPACE_LENGTH or not raw.isascii() or "\x00" in raw:
        raise InvalidArgument(
            f"{where} must be a namespace name of 1 to {MAX_NAMESPACE_LENGTH} ASCII characters without NUL."
        )
    return raw


def parse_namespace_schema(raw: Any) -> dict[str, Any] | None:
    """A namespace's metadata schema: ``{"fields": {name: {"filterable": true}}}``, at most 50 fields."""
    if raw is None:
        return None
    fields = raw.get("fields") if isinstance(raw, dict) else None
    if not isinstance(fields, dict):
        raise InvalidArgument('schema must be an object like {"fields": {"genre": {"filterable": true}}}.')
    if len(fields) > MAX_SCHEMA_FIELDS:
        raise InvalidArgument(f"schema.fields declares {len(fields)} fields; at most {MAX_SCHEMA_FIELDS} are allowed.")
    for name, field in fields.items():
        if name.startswith("$"):
            raise InvalidArgument(f"schema.fields: field name {name!r} may not begin with '$' (filter operators do).")
        if not isinstance(field, dict) or field.get("filterable") is not True:
            raise InvalidArgument(
                f"Field '{name}' is set to filterable: false. Only filterable: true is supported; "
                "to leave a field unindexed, omit it from fields."
            )
    return {"fields": fields}
