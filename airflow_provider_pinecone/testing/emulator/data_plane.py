"""The data plane of one index: bulk imports, stats, namespaces, upsert, fetch and query.

Delete, update, list and fetch by metadata are in :mod:`.vector_ops`.

Served on its own port.

Like Pinecone Local, every index gets its own host, so clients exercise the real
"describe index -> connect to its host" flow.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.client.validation import MAX_TOP_K
from airflow_provider_pinecone.testing.emulator.errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    Plane,
    require_number,
)
from airflow_provider_pinecone.testing.emulator.gate import (
    install_gate,
    json_body,
    request_version,
)
from airflow_provider_pinecone.testing.emulator.pagination import key_after, page_token
from airflow_provider_pinecone.testing.emulator.query import top_k
from airflow_provider_pinecone.testing.emulator.records import install_records
from airflow_provider_pinecone.testing.emulator.state import EmulatorState
from airflow_provider_pinecone.testing.emulator.store import namespace_key
from airflow_provider_pinecone.testing.emulator.upsert_body import read_upsert
from airflow_provider_pinecone.testing.emulator.validation import check_vector_kinds, parse_import_request, parse_limit
from airflow_provider_pinecone.testing.emulator.vector_ops import (
    install_vector_ops,
    namespace_not_found,
    parse_namespace_name,
    parse_namespace_schema,
)
from airflow_provider_pinecone.testing.emulator.vectors import (
    check_request_size,
    parse_dense,
    parse_namespace,
    parse_sparse,
    vector_wire,
)
from airflow_provider_pinecone.testing.emulator.versions import traits

_USAGE = {"readUnits": 1}


def _namespace_description(name: str, count: int, version: str) -> dict[str, Any]:
    # 2026-07 serializes record_count as a decimal string (a uint64).
    return {"name": name, "record_count": str(count) if traits(version).uint64_as_string else count}


def create_data_plane_app(state: EmulatorState, index_name: str, api_key: str | None) -> FastAPI:
    """Build the FastAPI app answering for ``index_name``'s host."""
    app = FastAPI(
        title=f"Pinecone emulator - data plane of {index_name}",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_gate(app, Plane.DATA, state, api_key)

    @app.post("/bulk/imports")
    async def start_import(request: Request) -> dict[str, Any]:
        body = await json_body(request, hint='like {"uri": "s3://..."}')
        import_request = parse_import_request(body)
        import_id = state.start_import(index_name, import_request)
        return {"id": import_id}

    @app.get("/bulk/imports")
    async def list_imports(request: Request) -> dict[str, Any]:
        limit = parse_limit(request.query_params.get("limit"))
        page = state.list_imports(index_name, limit, request.query_params.get("paginationToken"))
        body: dict[str, Any] = {"data": page.data}
        # 2026-07 makes Pagination.next required, so the last page has no pagination at all.
        if page.next_token is not None:
            body["pagination"] = {"next": page.next_token}
        return body

    @app.get("/bulk/imports/{import_id}")
    async def describe_import(import_id: str) -> dict[str, Any]:
        return state.describe_import(index_name, import_id)

    @app.delete("/bulk/imports/{import_id}")
    async def cancel_import(import_id: str) -> dict[str, Any]:
        state.cancel_import(index_name, import_id)
        return {}

    @app.post("/describe_index_stats")
    async def describe_index_stats(request: Request) -> dict[str, Any]:
        body = await json_body(request, required=False)
        if body.get("filter"):
            raise InvalidArgument("Serverless indexes do not support filtering describe_index_stats by metadata.")
        config = state.get_index(index_name).config
        counts = state.vectors.namespaces(index_name)
        stats: dict[str, Any] = {"namespaces": {name: {"vectorCount": n} for name, n in sorted(counts.items())}}
        if config.dimension is not None:  # "Not specified if sparse index"
            stats["dimension"] = config.dimension
        stats.update(
            indexFullness=0.0,
            totalVectorCount=sum(counts.values()),
            metric=config.metric,
            vectorType=config.vector_type,
        )
        return stats

    @app.get("/namespaces")
    async def list_namespaces(request: Request) -> dict[str, Any]:
        state.get_index(index_name)
        params = request.query_params
        limit = parse_limit(params.get("limit"))
        prefix = params.get("prefix") or ""
        after = key_after(params.get("paginationToken"))
        counts = state.vectors.namespaces(index_name)
        # Sorted bitwise ("C" collation): Python compares str by code point, as UTF-8 bytes do.
        names = sorted(name for name in counts if name.startswith(prefix))
        remaining = [name for name in names if after is None or name > after]
        page = remaining[:limit]
        version = request_version(request)
        body: dict[str, Any] = {
            "namespaces": [_namespace_description(n, counts[n], version) for n in page],
        }
        if len(remaining) > limit:
            body["pagination"] = {"next": page_token(page[-1])}
        if traits(version).namespace_total_count:
            body["total_count"] = len(names)
        return body

    @app.get("/namespaces/{namespace}")
    async def describe_namespace(namespace: str, request: Request) -> dict[str, Any]:
        state.get_index(index_name)
        if not state.vectors.has_namespace(index_name, namespace):
            raise NotFound(f"Namespace {namespace} not found.")
        count = state.vectors.count(index_name, namespace)
        return _namespace_description(namespace_key(namespace), count, request_version(request))

    @app.post("/namespaces")
    async def create_namespace(request: Request) -> dict[str, Any]:
        body = await json_body(request, hint='a CreateNamespaceRequest like {"name": "example-namespace"}')
        state.get_index(index_name)
        name = parse_namespace_name(body.get("name"), "name")
        if name == DEFAULT_NAMESPACE:
            raise InvalidArgument(
                f"{DEFAULT_NAMESPACE} is reserved: it names the default namespace, which always exists; "
                "pick another name."
            )
        schema = parse_namespace_schema(body.get("schema"))
        if not state.vectors.create_namespace(index_name, name):
            raise AlreadyExists(f"Namespace {name!r} already exists in index {index_name!r}.")
        description = _namespace_description(name, 0, request_version(request))
        if schema is not None:
            description["schema"] = schema
        return description

    @app.delete("/namespaces/{namespace}")
    async def delete_namespace(namespace: str) -> dict[str, Any]:
        state.get_index(index_name)
        parse_namespace_name(namespace, "namespace")
        if not state.vectors.delete_namespace(index_name, namespace):
            raise namespace_not_found(namespace)
        return {}

    @app.post("/vectors/upsert")
    async def upsert(request: Request) -> dict[str, Any]:
        raw = await request.body()
        check_request_size(len(raw))
        config = state.get_index(index_name).config
        # The rate limit comes before validating the vectors, as at Pinecone's edge: a throttled
        # request writes nothing. It needs the namespace.
        namespace, records = read_upsert(
            raw, config, admit=lambda namespace: state.upserts.admit(index_name, namespace, len(raw))
        )
        count = state.vectors.upsert(index_name, namespace, records)
        state.upserts.served(index_name, namespace, count, len(raw))
        return {"upsertedCount": count}

    @app.get("/vectors/fetch")
    async def fetch(request: Request) -> dict[str, Any]:
        state.get_index(index_name)
        ids = request.query_params.getlist("ids")
        if not ids:
            raise InvalidArgument("ids is required: repeat the query parameter, ?ids=a&ids=b.")
        namespace = request.query_params.get("namespace") or ""
        version = request_version(request)
        found = state.vectors.fetch(index_name, namespace, ids)
        return {
            "vectors": {r.id: vector_wire(r, version) for r in found},
            "namespace": namespace,
            "usage": dict(_USAGE),
        }

    @app.post("/query")
    async def query(request: Request) -> dict[str, Any]:
        body = await json_body(request, hint="a QueryRequest")
        config = state.get_index(index_name).config
        k = require_number("topK", body.get("topK"), minimum=1, maximum=MAX_TOP_K, integer=True)
        namespace = parse_namespace(body.get("namespace"))
        vector, record_id = body.get("vector"), body.get("id")
        if record_id is not None and not isinstance(record_id, str):
            raise InvalidArgument(f"id must be a string, got {type(record_id).__name__}.")
        sparse = parse_sparse(body["sparseVector"], "sparseVector") if body.get("sparseVector") else None
        if (vector is not None) + (record_id is not None) > 1:
            raise InvalidArgument("Each query takes only one of vector or id.")
        if record_id is not None:
            found = state.vectors.fetch(index_name, namespace, [record_id])
            if not found:
                raise InvalidArgument(f"No vector with id {record_id!r} in namespace {namespace!r}.")
            vector, sparse = found[0].values, found[0].sparse
            vector = vector.tolist() if vector is not None else None
        elif vector is not None:
            vector = parse_dense(vector, config, "vector")
        elif sparse is None:
            raise InvalidArgument("A query needs a vector, a sparseVector or an id.")
        check_vector_kinds(config, dense=vector is not None, sparse=sparse is not None)
        include_values = bool(body.get("includeValues", False))
        include_metadata = bool(body.get("includeMetadata", False))
        version = request_version(request)
        best = top_k(
            state.vectors.records(index_name, namespace),
            config.metric,
            vector,
            sparse,
            k,
            body.get("filter") or None,
        )
        matches = []
        for value, record in best:
            match = vector_wire(record, version, include_values=include_values, include_metadata=include_metadata)
            match["score"] = value
            matches.append(match)
        return {"matches": matches, "namespace": namespace, "usage": dict(_USAGE)}

    install_records(app, state, index_name)
    install_vector_ops(app, state, index_name)
    return app
