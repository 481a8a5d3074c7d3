"""The data plane of one index (bulk imports and index stats), served on its own port.

Like Pinecone Local, every index gets its own host, so clients exercise the real
"describe index -> connect to its host" flow.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from airflow_provider_pinecone.testing.emulator.errors import Plane
from airflow_provider_pinecone.testing.emulator.gate import install_gate, json_body
from airflow_provider_pinecone.testing.emulator.state import EmulatorState
from airflow_provider_pinecone.testing.emulator.validation import parse_import_request, parse_limit


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
        await json_body(request, required=False)  # a filter may be sent; nothing to filter yet
        config = state.get_index(index_name).config
        stats: dict[str, Any] = {"namespaces": {}}
        if config.dimension is not None:  # "Not specified if sparse index"
            stats["dimension"] = config.dimension
        stats.update(
            indexFullness=0.0,
            totalVectorCount=0,
            metric=config.metric,
            vectorType=config.vector_type,
        )
        return stats

    return app
