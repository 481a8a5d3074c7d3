"""The control plane (``api.pinecone.io``): index CRUD, create-for-model, configure, plus the emulator's admin routes.

Creating or deleting an index starts or stops a data-plane server, which only the
emulator process can do, so the app delegates those to the :class:`~.server.PineconeEmulator`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_pinecone.testing.emulator.configure import configure
from airflow_provider_pinecone.testing.emulator.errors import Forbidden, InvalidArgument, Plane
from airflow_provider_pinecone.testing.emulator.gate import (
    ADMIN_PREFIX,
    install_gate,
    json_body,
    request_version,
)
from airflow_provider_pinecone.testing.emulator.integrated import parse_create_for_model
from airflow_provider_pinecone.testing.emulator.validation import validate_index_config
from airflow_provider_pinecone.testing.emulator.versions import (
    index_list,
    index_model,
    parse_create_index,
    traits,
)

if TYPE_CHECKING:
    from airflow_provider_pinecone.testing.emulator.server import PineconeEmulator


def _admin_call(func: Callable[..., None], body: dict[str, Any]) -> None:
    # Admin settings arrive as JSON; unknown/missing keys and bad values are the caller's
    # mistake (400). Only the argument binding's TypeError is translated: a TypeError from
    # inside ``func`` would be an emulator bug and must surface as a 500.
    try:
        inspect.signature(func).bind(**body)
    except TypeError as exc:
        raise InvalidArgument(f"Invalid settings: {exc}.") from None
    func(**body)  # validation errors are InvalidArgument (an EmulatorError): a 400


def create_control_plane_app(backend: PineconeEmulator, api_key: str | None) -> FastAPI:
    """Build the FastAPI app for the control plane."""
    app = FastAPI(
        title="Pinecone emulator - control plane",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    state = backend.state
    install_gate(app, Plane.CONTROL, state, api_key)

    @app.post("/indexes", status_code=201)
    async def create_index(request: Request) -> dict[str, Any]:
        version = request_version(request)
        config = parse_create_index(await json_body(request, hint="a CreateIndexRequest"), version)
        # Starting a uvicorn server blocks until it listens: keep the event loop free.
        record = await run_in_threadpool(backend.create_index_from_config, config)
        return index_model(record, version)

    @app.post("/indexes/create-for-model", status_code=201)
    async def create_index_for_model(request: Request) -> dict[str, Any]:
        version = request_version(request)
        body = await json_body(request, hint="a CreateIndexForModelRequest")
        config = validate_index_config(parse_create_for_model(body))
        record = await run_in_threadpool(backend.create_index_from_config, config)
        return index_model(record, version)

    @app.patch("/indexes/{index_name}")
    async def configure_index(index_name: str, request: Request) -> JSONResponse:
        version = request_version(request)
        schema_indexes = traits(version).schema_indexes
        body = await json_body(request, hint="a ConfigureIndexRequest")
        record = state.configure_index(
            index_name, lambda config: validate_index_config(configure(config, body, schema_indexes=schema_indexes))
        )
        # 2026-07 answers 200 with the index; the older versions 202 ("accepted").
        return JSONResponse(index_model(record, version), status_code=200 if schema_indexes else 202)

    @app.get("/indexes")
    async def list_indexes(request: Request) -> dict[str, Any]:
        return index_list(state.list_indexes(), request_version(request))

    @app.get("/indexes/{index_name}")
    async def describe_index(index_name: str, request: Request) -> dict[str, Any]:
        return index_model(state.get_index(index_name), request_version(request))

    @app.delete("/indexes/{index_name}", status_code=202)
    async def delete_index(index_name: str) -> Response:
        if state.get_index(index_name).config.deletion_protection == "enabled":
            raise Forbidden(
                "Deletion protection is enabled for this index. Disable deletion protection before retrying."
            )
        await run_in_threadpool(backend.delete_index, index_name)
        return Response(status_code=202)

    # Admin routes: no API key (the gate skips ADMIN_PREFIX), JSON in, JSON out.
    def admin_route(method: Callable[..., Any]) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def call(request: Request) -> JSONResponse:
            body = await json_body(request)
            await run_in_threadpool(_admin_call, method, body)
            return JSONResponse({"ok": True})

        return call

    # The JSON body holds the method's keyword arguments; fault-rates also takes
    # {"spec": "429=0.2,503=0.2", "seed": 1}; upsert-limits {"requests_per_second": 5} (null: no limit).
    for name, method in (
        ("import-behaviour", backend.set_import_behaviour),
        ("faults", backend.inject_faults),
        ("fault-rates", backend.set_fault_rates),
        ("upsert-limits", backend.set_upsert_limits),
    ):
        app.post(ADMIN_PREFIX + name)(admin_route(method))

    @app.get(ADMIN_PREFIX + "upsert-limits")
    async def admin_upsert_limits() -> JSONResponse:
        return JSONResponse(backend.upsert_limits())

    @app.get(ADMIN_PREFIX + "stats")
    async def admin_stats(request: Request) -> JSONResponse:
        # {"upserts": {index: {namespace: counters}}}, or one index's with ?index=NAME (404 if unknown).
        index = request.query_params.get("index")
        if index is not None:
            return JSONResponse({"upserts": {index: backend.upsert_stats(index)}})
        return JSONResponse({"upserts": state.upserts.all_stats()})

    @app.delete(ADMIN_PREFIX + "fault-rates")
    async def admin_clear_fault_rates() -> JSONResponse:
        backend.clear_fault_rates()
        return JSONResponse({"ok": True})

    @app.post(ADMIN_PREFIX + "reset")
    async def admin_reset() -> JSONResponse:
        await run_in_threadpool(backend.reset)
        return JSONResponse({"ok": True})

    return app
