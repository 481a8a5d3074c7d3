"""What every request goes through before routing: faults, auth, API version.

Both planes share this so they behave identically at the edge; only the error shape
differs, which :func:`~.errors.error_response` decides from the plane.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from airflow_provider_pinecone.testing.emulator.errors import (
    EmulatorError,
    InvalidArgument,
    Plane,
    error_response,
    unauthorized_response,
)
from airflow_provider_pinecone.testing.emulator.state import EmulatorState
from airflow_provider_pinecone.testing.emulator.versions import (
    API_VERSION_HEADER,
    DEFAULT_VERSION,
    UnsupportedVersion,
    resolve_version,
)

ADMIN_PREFIX = "/_emulator/"
API_KEY_HEADER = "Api-Key"


def request_version(request: Request) -> str:
    """The API version resolved by the gate (the default if the gate rejected it)."""
    return getattr(request.state, "api_version", DEFAULT_VERSION)


def _lenient_version(request: Request) -> str:
    # Faults fire before version checking, but still need a version for code names.
    try:
        return resolve_version(request.headers.get(API_VERSION_HEADER))
    except UnsupportedVersion:
        return DEFAULT_VERSION


def _format_retry_after(seconds: float) -> str:
    # Whole seconds as an integer (RFC 9110); fractions are kept so tests can retry fast.
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def install_gate(app: FastAPI, plane: Plane, state: EmulatorState, api_key: str | None) -> None:
    """Add the fault/auth/version middleware and plane-shaped error handlers to ``app``."""

    @app.middleware("http")
    async def gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path.startswith(ADMIN_PREFIX):
            return await call_next(request)

        fault = state.take_fault(request.method, path)
        if fault is not None:
            headers = None
            if fault.retry_after is not None:
                headers = {"Retry-After": _format_retry_after(fault.retry_after)}
            return error_response(
                plane,
                fault.status,
                f"Injected fault: HTTP {fault.status} for {request.method} {path}.",
                _lenient_version(request),
                headers,
            )

        supplied = request.headers.get(API_KEY_HEADER)
        if not supplied or (api_key is not None and supplied != api_key):
            return unauthorized_response()

        try:
            request.state.api_version = resolve_version(request.headers.get(API_VERSION_HEADER))
        except UnsupportedVersion as exc:
            return error_response(plane, exc.status, exc.message, DEFAULT_VERSION)
        return await call_next(request)

    @app.exception_handler(EmulatorError)
    async def on_emulator_error(request: Request, exc: EmulatorError) -> Response:
        return error_response(plane, exc.status, exc.message, request_version(request))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown routes and wrong methods still answer in the plane's error shape.
        message = f"{exc.detail}: {request.method} {request.url.path}"
        return error_response(plane, exc.status_code, message, request_version(request))

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(plane, 400, f"Invalid request: {exc.errors()}", request_version(request))


async def json_body(request: Request, *, required: bool = True) -> object:
    """Parse the JSON body; a missing/garbled body becomes a plane-shaped 400."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise InvalidArgument("The request body must be a JSON object.")
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise InvalidArgument("The request body is not valid JSON.") from None
