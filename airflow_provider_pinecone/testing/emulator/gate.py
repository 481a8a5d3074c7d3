"""What every request goes through before routing: faults, auth, API version.

Both planes share this so they behave identically at the edge; only the error shape
differs, which :func:`~.errors.error_response` decides from the plane.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_pinecone.testing.emulator.errors import (
    EmulatorError,
    InvalidArgument,
    MethodNotAllowed,
    NotFound,
    NotImplementedByEmulator,
    Plane,
    UriTooLong,
    error_response,
    require_object,
    unauthorized_response,
)
from airflow_provider_pinecone.testing.emulator.faults import drop_connection
from airflow_provider_pinecone.testing.emulator.http_protocol import MAX_URL_BYTES, url_too_long_message
from airflow_provider_pinecone.testing.emulator.operations import methods_for_path
from airflow_provider_pinecone.testing.emulator.request_schemas import (
    CONFIGURE_INDEX_REQUEST_SPEC,
    CREATE_INDEX_REQUEST_SPEC,
    DATA_BODIES,
    DATA_QUERIES,
    NAMESPACE_IN_PATH,
    Schema,
)
from airflow_provider_pinecone.testing.emulator.state import EmulatorState
from airflow_provider_pinecone.testing.emulator.validation import check_query_params, check_schema
from airflow_provider_pinecone.testing.emulator.versions import (
    API_VERSION_HEADER,
    DEFAULT_VERSION,
    UnsupportedVersion,
    resolve_version,
    traits,
)

ADMIN_PREFIX = "/_emulator/"
API_KEY_HEADER = "Api-Key"


def _fault_response(plane: Plane, request: Request, status: int, retry_after: float | None, what: str) -> Response:
    """An injected error in the plane's shape, with ``Retry-After`` when the fault sets one."""
    headers = {"Retry-After": _format_retry_after(retry_after)} if retry_after is not None else None
    message = f"{what}: HTTP {status} for {request.method} {request.url.path}."
    version = _lenient_version(request)
    return error_response(traits(version).error_shape(plane, request.url.path), status, message, version, headers)


def _error(plane: Plane, request: Request, exc: EmulatorError, version: str | None = None) -> Response:
    """``exc`` as the error response of ``request``'s version and path (``version``: the resolved one)."""
    version = version or request_version(request)
    shape = traits(version).error_shape(plane, request.url.path)
    return error_response(shape, exc.status, exc.message, version, exc.headers())


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


def outside_spec(plane: Plane, request: Request, *, routed: bool) -> EmulatorError | None:
    """The error for a request its API version's spec does not allow, or has but no route serves.

    * 501 if the version has this operation (method and path) and no route serves it
      (``routed=False``): code written against Pinecone must not mistake it for a 404;
    * 405 with ``Allow`` (the spec's methods) if the version has the path with other methods;
    * 404 if the version has no such path (also for operations only other versions have);
    * ``None``: the version has the operation and a route serves it.
    """
    version = request_version(request)
    path, method = request.url.path, request.method
    in_spec = methods_for_path(traits(version).operations(plane), path)
    if method in in_spec or (method == "HEAD" and "GET" in in_spec):
        if routed:
            return None
        return NotImplementedByEmulator(
            f"{method} {path} is an operation of Pinecone's API (version {version}) that the emulator "
            "does not implement: run this against Pinecone, or leave it out of tests against the emulator."
        )
    if in_spec:
        allowed = sorted(in_spec)
        return MethodNotAllowed(
            f"Method {method} is not allowed on {path} (API version {version}); use one of {', '.join(allowed)}.",
            allowed,
        )
    return NotFound(
        f"No such path: {method} {path} is not part of Pinecone's {plane.value}-plane API (version {version})."
    )


class Gate:
    """The ASGI middleware every HTTP request of a plane goes through: URL length, faults, API key, version.

    A plain ASGI middleware rather than ``@app.middleware("http")``: starlette's ``BaseHTTPMiddleware``
    runs the app in a task group and relays every message of the response through a memory stream,
    which cost 16 % of the emulator's CPU on 2 MB upserts. The gate only looks at the request line
    and headers (never the body) and either passes the request on untouched or answers it itself.
    """

    def __init__(self, app: ASGIApp, plane: Plane, state: EmulatorState, api_key: str | None) -> None:
        self.app = app
        self.plane = plane
        self.state = state
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan (websockets are not served)
            await self.app(scope, receive, send)
            return
        response = await self._answer(Request(scope), receive)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    async def _answer(self, request: Request, receive: Receive) -> Response | None:
        """The gate's own answer to ``request``, or ``None`` to pass it on to the routes."""
        plane = self.plane
        path = request.url.path
        # Also checked by the HTTP protocol while parsing; this covers servers without it (h11).
        url_length = len(request.scope.get("raw_path") or b"") + len(request.scope.get("query_string") or b"")
        if url_length > MAX_URL_BYTES:
            return _error(plane, request, UriTooLong(url_too_long_message(url_length)), _lenient_version(request))
        if path.startswith(ADMIN_PREFIX):
            return None

        fault = self.state.take_fault(request.method, path)
        if fault is not None and fault.after_processing:
            # The request takes effect; its answer is lost (the app's messages go nowhere).
            await self.app(request.scope, receive, _discard)
        if fault is not None:
            return _fault_response(plane, request, fault.status, fault.retry_after, "Injected fault")

        decision = self.state.fault_rates.decide(request.method, path)
        if decision.latency:
            await asyncio.sleep(decision.latency)
        if decision.drop and drop_connection(request.scope):
            # uvicorn discards this response: the connection is already closed.
            return Response(status_code=499)
        if decision.status is not None:
            return _fault_response(plane, request, decision.status, decision.retry_after, "Injected fault (rate)")

        if not _key_accepted(request.headers.get(API_KEY_HEADER), self.api_key):
            return unauthorized_response(plane, _lenient_version(request))

        try:
            # In the scope's state, which the route's Request shares: request_version reads it there.
            request.state.api_version = resolve_version(request.headers.get(API_VERSION_HEADER))
        except UnsupportedVersion as exc:
            return _error(plane, request, exc, DEFAULT_VERSION)
        # Middleware errors do not reach the exception handlers: answered here.
        # Only what the request's version has is served (e.g. no POST /namespaces in 2025-04).
        error = outside_spec(plane, request, routed=True)
        if error is not None:
            return _error(plane, request, error)
        if plane is Plane.DATA:
            try:
                _check_data_url(request)
            except EmulatorError as exc:
                return _error(plane, request, exc)
        return None


async def _discard(message: Message) -> None:
    """An ASGI ``send`` that drops every message."""


def install_gate(app: FastAPI, plane: Plane, state: EmulatorState, api_key: str | None) -> None:
    """Add the fault/auth/version middleware and plane-shaped error handlers to ``app``."""
    # Read by the server's HTTP protocol, which answers requests its parser refuses in this shape.
    app.state.plane = plane
    app.add_middleware(Gate, plane=plane, state=state, api_key=api_key)

    @app.exception_handler(EmulatorError)
    async def on_emulator_error(request: Request, exc: EmulatorError) -> Response:
        return _error(plane, request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown routes and wrong methods still answer in the plane's error shape.
        if exc.status_code in (404, 405) and exc.detail in ("Not Found", "Method Not Allowed"):
            error = outside_spec(plane, request, routed=False)
            if error is not None:
                return _error(plane, request, error)
        message = f"{exc.detail}: {request.method} {request.url.path}"
        return _error(plane, request, _HttpError(exc.status_code, message, exc.headers))

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        # ``input`` echoes the offending request value, which may be a secret.
        errors = [{k: v for k, v in error.items() if k != "input"} for error in exc.errors()]
        return _error(plane, request, InvalidArgument(f"Invalid request: {errors}"))

    @app.exception_handler(Exception)
    async def on_unexpected_error(request: Request, exc: Exception) -> Response:
        # An emulator bug: still answer in the plane's shape (uvicorn logs the traceback).
        # Only the exception type is reported; its message could echo request values.
        message = (
            f"Internal emulator error ({type(exc).__name__}) on {request.method} "
            f"{request.url.path}; see the emulator's log for the traceback."
        )
        # Starlette re-raises after this response and uvicorn then drops the connection:
        # say so, or a keep-alive client would reuse it and get a reset.
        return _error(plane, request, _HttpError(500, message, {"Connection": "close"}))


class _HttpError(EmulatorError):
    """Any status with its own headers, for errors raised outside the emulator's logic."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self._headers = dict(headers) if headers else None

    def headers(self) -> dict[str, str] | None:
        """The headers given."""
        return self._headers


def _check_data_url(request: Request) -> None:
    """Query parameters and the namespace in the path, as the spec limits them (before any handler)."""
    path = request.url.path
    schemas = DATA_QUERIES.get((request.method, path))
    if schemas is not None:
        check_query_params(request.query_params, schemas)
    elif path.startswith("/namespaces/") and path.count("/") == 2:
        check_schema(request.path_params.get("namespace") or path.split("/", 2)[2], NAMESPACE_IN_PATH, "namespace")


def _body_schema(request: Request) -> Schema | None:
    key = (request.method, request.url.path)
    if request.app.state.plane is Plane.DATA:
        return DATA_BODIES.get(key)
    if traits(request_version(request)).schema_indexes:  # 2026-07: checked by versions/control_plane
        return None
    if key == ("POST", "/indexes"):
        return CREATE_INDEX_REQUEST_SPEC
    if request.method == "PATCH" and request.url.path.count("/") == 2 and request.url.path.startswith("/indexes/"):
        return CONFIGURE_INDEX_REQUEST_SPEC
    return None


def _key_accepted(supplied: str | None, api_key: str | None) -> bool:
    if not supplied:
        return False
    if api_key is None:
        return True
    # Constant-time comparison; compare_digest needs bytes for non-ASCII text.
    return secrets.compare_digest(supplied.encode("utf-8", "surrogatepass"), api_key.encode("utf-8", "surrogatepass"))


async def json_body(request: Request, *, required: bool = True, hint: str | None = None) -> dict[str, Any]:
    """Parse the JSON object body; a missing, garbled or non-object body is a plane-shaped 400.

    ``hint`` (e.g. ``"a CreateIndexRequest"``) is added to the "must be a JSON object"
    message. With ``required=False`` an empty body is an empty object. A body the spec describes
    (:mod:`.request_schemas`) is required and checked against it: types, nulls, lengths, counts.
    """
    schema = _body_schema(request)
    raw = await request.body()
    if schema is not None and not raw.strip():
        # The spec marks these bodies required; Pinecone's SDKs send {} when no field is set.
        raise InvalidArgument(f"{request.method} {request.url.path} needs a JSON object body: send {{}} for no fields.")
    body = parse_json_object(raw, required=required, hint=hint)
    if schema is not None:
        check_schema(body, schema, "")
    return body


def parse_json_object(raw: bytes, *, required: bool = True, hint: str | None = None) -> dict[str, Any]:
    """A request body as a JSON object (see :func:`json_body`).

    This is the one "must be a JSON object" check for request bodies. orjson parses it (upserts of
    2 MB bodies are the hot path); what orjson refuses but the standard library reads (``1e400``,
    ``NaN``, lone surrogates) is read by the standard library, so the validators name the offending
    value ("must be finite numbers") instead of a bare "not valid JSON".
    """
    if not raw.strip():
        if required:
            require_object(None, "The request body", hint)
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            body = json.loads(raw)
        except ValueError:
            raise InvalidArgument("The request body is not valid JSON.") from None
    return require_object(body, "The request body", hint)
