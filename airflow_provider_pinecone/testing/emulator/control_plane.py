"""The control plane (``api.pinecone.io``): index CRUD, plus the emulator's admin routes.

Creating or deleting an index starts or stops a data-plane server, which only the
emulator process can do, so the app delegates those to a :class:`ControlBackend`.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider_pinecone.testing.emulator.errors import (
    Forbidden,
    InvalidArgument,
    Plane,
)
from airflow_provider_pinecone.testing.emulator.gate import (
    ADMIN_PREFIX,
    install_gate,
    json_body,
    request_version,
)
from airflow_provider_pinecone.testing.emulator.state import EmulatorState, IndexConfig, IndexRecord
from airflow_provider_pinecone.testing.emulator.versions import (
    index_list,
    index_model,
    parse_create_index,
)


class ControlBackend(Protocol):
    """What the control-plane app needs from the process hosting it."""

    @property
    def state(self) -> EmulatorState:
        """The shared emulator state."""
        ...

    def create_index_from_config(self, config: IndexConfig) -> IndexRecord:
        """Register the index and start its data plane; returns the record with its host."""
        ...

    def delete_index(self, name: str) -> None:
        """Forget the index and stop its data plane."""
        ...

    def set_import_behaviour(self, **settings: Any) -> None:
        """Change how imports started from now on behave."""
        ...

    def inject_faults(
        self,
        path_regex: str,
        status: int,
        count: int,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        """Make the next ``count`` matching requests fail with ``status``."""
        ...

    def reset(self) -> None:
        """Drop all indexes, imports and faults."""
        ...


def _admin_call(func: Any, body: object) -> Any:
    # Admin settings arrive as JSON; bad keys/values are the caller's mistake (400).
    if not isinstance(body, dict):
        raise InvalidArgument("The request body must be a JSON object.")
    try:
        return func(**body)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(str(exc)) from None


def create_control_plane_app(backend: ControlBackend, api_key: str | None) -> FastAPI:
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
        config = parse_create_index(await json_body(request), version)
        # Starting a uvicorn server blocks until it listens: keep the event loop free.
        record = await run_in_threadpool(backend.create_index_from_config, config)
        return index_model(record, version)

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
                "Deletion protection is enabled for this index. Disable deletion protection "
                "before retrying."
            )
        await run_in_threadpool(backend.delete_index, index_name)
        return Response(status_code=202)

    # Admin routes: no API key (the gate skips ADMIN_PREFIX), JSON in, JSON out.
    @app.post(ADMIN_PREFIX + "import-behaviour")
    async def admin_import_behaviour(request: Request) -> JSONResponse:
        body = await json_body(request)
        await run_in_threadpool(_admin_call, backend.set_import_behaviour, body)
        return JSONResponse({"ok": True})

    @app.post(ADMIN_PREFIX + "faults")
    async def admin_faults(request: Request) -> JSONResponse:
        body = await json_body(request)
        await run_in_threadpool(_admin_call, backend.inject_faults, body)
        return JSONResponse({"ok": True})

    @app.post(ADMIN_PREFIX + "reset")
    async def admin_reset() -> JSONResponse:
        await run_in_threadpool(backend.reset)
        return JSONResponse({"ok": True})

    return app
