"""The records API of the data plane: ``upsert_records`` (NDJSON) and ``search_records``.

Upserting text needs an index with integrated embedding (created for a model); the emulator
embeds the mapped text field with its local stand-in for the model (see :mod:`.integrated`).
Every field but ``_id`` (or its alias ``id``) is kept as metadata, the text included, and comes
back as the hit's ``fields``. Search takes one of ``inputs.text`` (integrated indexes only), a
``vector`` or a record ``id``, a metadata ``filter`` and, on sparse integrated indexes,
``match_terms``, and ``rerank`` (by a stand-in for the rerankers, see :mod:`.rerank`).

Errors are ``rpcStatus`` up to 2026-04; 2026-07 declares the control plane's ``ErrorResponse``
for these two operations, so they answer in that shape there.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from airflow_provider_pinecone.client.limits import MAX_UPSERT_BYTES
from airflow_provider_pinecone.client.validation import MAX_TOP_K
from airflow_provider_pinecone.preflight import limits
from airflow_provider_pinecone.testing.emulator.errors import (
    EmulatorError,
    InvalidArgument,
    Plane,
    error_response,
    require_number,
    require_object,
)
from airflow_provider_pinecone.testing.emulator.gate import json_body, request_version
from airflow_provider_pinecone.testing.emulator.integrated import embed_dense, embed_sparse, words
from airflow_provider_pinecone.testing.emulator.query import top_k
from airflow_provider_pinecone.testing.emulator.rerank import parse_rerank, rerank_hits
from airflow_provider_pinecone.testing.emulator.state import EmulatorState, IndexConfig
from airflow_provider_pinecone.testing.emulator.store import SparseVector, VectorRecord, dense_values
from airflow_provider_pinecone.testing.emulator.validation import check_vector_kinds
from airflow_provider_pinecone.testing.emulator.vector_ops import parse_filter, parse_namespace_name
from airflow_provider_pinecone.testing.emulator.vectors import (
    parse_dense,
    parse_metadata,
    parse_sparse,
)
from airflow_provider_pinecone.testing.emulator.versions import traits

MAX_UPSERT_RECORDS = 1000
_NOT_INTEGRATED = (
    "{what} is supported only for indexes with integrated embedding: create the index for a model "
    "(POST /indexes/create-for-model)."
)


def _embed(config: IndexConfig, text: str) -> tuple[tuple[float, ...] | None, SparseVector | None]:
    if config.vector_type == "sparse":
        return None, embed_sparse(text)
    assert config.dimension is not None  # dense indexes always have one
    return tuple(embed_dense(text, config.dimension)), None


def parse_ndjson_records(raw: bytes, config: IndexConfig) -> list[VectorRecord]:
    """The records of an ``upsert_records`` body, embedded with the index's stand-in model."""
    embed = config.embed
    if embed is None:
        raise InvalidArgument(_NOT_INTEGRATED.format(what="Upserting text"))
    if len(raw) > MAX_UPSERT_BYTES:
        raise InvalidArgument(f"Request size {len(raw)} bytes exceeds the maximum of 2MB: upsert in smaller batches.")
    lines = [line for line in raw.splitlines() if line.strip()]
    if not lines:
        raise InvalidArgument("The body must hold records as newline-delimited JSON objects (application/x-ndjson).")
    if len(lines) > MAX_UPSERT_RECORDS:
        raise InvalidArgument(f"The request has {len(lines)} records; the maximum is {MAX_UPSERT_RECORDS}.")
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise InvalidArgument(f"Line {number} of the body is not valid JSON.") from None
        records.append(_record(require_object(item, f"Record {number}"), number, config, embed.field))
    return records


def _record(item: dict[str, Any], number: int, config: IndexConfig, text_field: str) -> VectorRecord:
    if "_id" in item and "id" in item:
        raise InvalidArgument(f"Record {number} has both _id and id: id is an alias of _id, send one.")
    record_id = item.get("_id", item.get("id"))
    if not isinstance(record_id, str) or not 1 <= len(record_id) <= limits.MAX_ID_CHARS:
        raise InvalidArgument(f"Record {number}: _id must be a string of 1 to {limits.MAX_ID_CHARS} characters.")
    text = item.get(text_field)
    if not isinstance(text, str):
        raise InvalidArgument(
            f"Record {number} ({record_id}) needs the text field {text_field!r} (the index's field_map) as a string."
        )
    fields = {k: v for k, v in item.items() if k not in ("_id", "id")}
    values, sparse = _embed(config, text)
    dense = dense_values(values) if values is not None else None
    return VectorRecord(id=record_id, values=dense, sparse=sparse, metadata=parse_metadata(fields, f"Record {number}"))


def _query_vector(
    state: EmulatorState, index_name: str, namespace: str, query: dict[str, Any], config: IndexConfig
) -> tuple[list[float] | None, SparseVector | None, int]:
    """The dense and sparse query vectors, and the tokens embedded for them."""
    given = [name for name in ("inputs", "vector", "id") if query.get(name) is not None]
    if len(given) != 1:
        raise InvalidArgument(f"query takes exactly one of inputs, vector or id; got {', '.join(given) or 'none'}.")
    if "inputs" in given:
        if config.embed is None:
            raise InvalidArgument(_NOT_INTEGRATED.format(what="Searching with text (inputs)"))
        text = require_object(query["inputs"], "query.inputs").get("text")
        if not isinstance(text, str) or not text:
            raise InvalidArgument('query.inputs needs the query text, like {"text": "your query"}.')
        values, sparse = _embed(config, text)
        return (list(values) if values is not None else None), sparse, len(words(text))
    if "id" in given:
        record_id = query["id"]
        if not isinstance(record_id, str) or not 1 <= len(record_id) <= limits.MAX_ID_CHARS:
            raise InvalidArgument(f"query.id must be a string of 1 to {limits.MAX_ID_CHARS} characters.")
        found = state.vectors.fetch(index_name, namespace, [record_id])
        if not found:
            raise InvalidArgument(f"No record with id {record_id!r} in namespace {namespace!r}.")
        return (found[0].values.tolist() if found[0].values is not None else None), found[0].sparse, 0
    vector = require_object(query["vector"], "query.vector")
    dense = vector.get("values")
    has_sparse = vector.get("sparse_indices") is not None or vector.get("sparse_values") is not None
    check_vector_kinds(config, dense=dense is not None, sparse=has_sparse)
    sparse = None
    if has_sparse:
        raw = {"indices": vector.get("sparse_indices"), "values": vector.get("sparse_values")}
        sparse = parse_sparse(raw, "query.vector.sparse")
    if dense is None and sparse is None:
        raise InvalidArgument("query.vector needs values, or sparse_indices and sparse_values.")
    return (parse_dense(dense, config, "query.vector.values") if dense is not None else None), sparse, 0


def _match_terms(raw: Any, config: IndexConfig) -> Callable[[VectorRecord], bool]:
    if config.embed is None or config.vector_type != "sparse":
        raise InvalidArgument("match_terms is supported only for sparse indexes with integrated embedding.")
    spec = require_object(raw, "query.match_terms")
    terms = spec.get("terms")
    if spec.get("strategy") != "all" or not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise InvalidArgument('query.match_terms must be like {"terms": ["word", ...], "strategy": "all"}.')
    wanted = {word for term in terms for word in words(term)}
    field = config.embed.field
    return lambda record: wanted <= set(words(str((record.metadata or {}).get(field, ""))))


def search(state: EmulatorState, index_name: str, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
    """Answer a ``SearchRecordsRequest``."""
    config = state.get_index(index_name).config
    query = require_object(body.get("query"), "query", 'like {"inputs": {"text": "..."}, "top_k": 10}')
    k = require_number("query.top_k", query.get("top_k"), minimum=1, maximum=MAX_TOP_K, integer=True)
    fields = body.get("fields")
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
        raise InvalidArgument("fields must be an array of field names.")
    dense, sparse, tokens = _query_vector(state, index_name, namespace, query, config)
    rerank = None
    if body.get("rerank") is not None:
        inputs = query.get("inputs")
        rerank = parse_rerank(body["rerank"], k, inputs.get("text") if isinstance(inputs, dict) else None)
    candidates = state.vectors.records(index_name, namespace)
    if query.get("filter") is not None:
        candidates = [r for r in candidates if parse_filter(query["filter"])(r)]
    if query.get("match_terms") is not None:
        matches = _match_terms(query["match_terms"], config)
        candidates = [r for r in candidates if matches(r)]
    best = top_k(candidates, config.metric, dense, sparse, k)
    if rerank is not None:
        best = rerank_hits(best, rerank)
    hits = []
    for score, record in best:
        metadata = record.metadata or {}
        chosen = metadata if fields is None else {f: metadata[f] for f in fields if f in metadata}
        hits.append({"_id": record.id, "_score": score, "fields": chosen})
    usage: dict[str, Any] = {"read_units": 1}
    if tokens:
        usage["embed_total_tokens"] = tokens
    if rerank is not None:
        usage["rerank_units"] = 1
    return {"result": {"hits": hits}, "usage": usage}


def _in_version_shape(
    route: Callable[[str, Request], Awaitable[Response]],
) -> Callable[[str, Request], Awaitable[Response]]:
    """Answer a refusal as ``ErrorResponse`` where the version declares it for the records API (2026-07)."""

    @functools.wraps(route)
    async def call(namespace: str, request: Request) -> Response:
        try:
            return await route(namespace, request)
        except EmulatorError as exc:
            version = request_version(request)
            plane = Plane.CONTROL if traits(version).schema_indexes else Plane.DATA
            return error_response(plane, exc.status, exc.message, version, exc.headers())

    return call


def install_records(app: FastAPI, state: EmulatorState, index_name: str) -> None:
    """Add ``upsert_records`` and ``search_records`` to ``index_name``'s data-plane app."""

    @app.post("/records/namespaces/{namespace}/upsert", status_code=201)
    @_in_version_shape
    async def upsert_records(namespace: str, request: Request) -> Response:
        parse_namespace_name(namespace, "namespace")
        config = state.get_index(index_name).config
        records = parse_ndjson_records(await request.body(), config)
        state.vectors.upsert(index_name, namespace, records)
        return Response(status_code=201)

    @app.post("/records/namespaces/{namespace}/search")
    @_in_version_shape
    async def search_records(namespace: str, request: Request) -> Response:
        parse_namespace_name(namespace, "namespace")
        body = await json_body(request, hint="a SearchRecordsRequest")
        return JSONResponse(search(state, index_name, namespace, body))
