"""Error types raised by the emulator's logic and the wire shapes they become.

Pinecone's two planes report errors differently, and the emulator must match both:

* control plane (``api.pinecone.io``): ``ErrorResponse``
  ``{"error": {"code": "NOT_FOUND", "message": "..."}, "status": 404}``
* data plane (the index host): ``rpcStatus``
  ``{"code": 5, "message": "...", "details": []}`` where ``code`` is a gRPC status code.

Authentication failures are rejected before they reach either service and carry a
plain-text body (see the 2026-07 ``rpcStatus`` / ``UnauthorizedMessage`` schemas).
The domain logic (state, validation) raises :class:`EmulatorError` subclasses and never
builds responses itself, so each plane decides the shape in one place.
"""

from __future__ import annotations

import enum
import math
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response


class Plane(enum.Enum):
    """Which Pinecone API surface a request was sent to; decides the error shape."""

    CONTROL = "control"
    DATA = "data"


class EmulatorError(Exception):
    """A request the emulator refuses, with the HTTP status to report it with."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str] | None:
        """Response headers the error adds (none by default)."""
        return None


class InvalidArgument(EmulatorError, ValueError):
    """The request was understood but carries invalid values (HTTP 400).

    Also a :class:`ValueError`, so the Python API (``set_import_behaviour``,
    ``inject_faults``) raises what Python callers expect for a bad argument.
    """

    status = 400


class NotFound(EmulatorError):
    """The addressed index or import does not exist (HTTP 404)."""

    status = 404


class AlreadyExists(EmulatorError):
    """An index with that name already exists (HTTP 409)."""

    status = 409


class Forbidden(EmulatorError):
    """The operation is not allowed in the resource's current state (HTTP 403)."""

    status = 403


class TooManyRequests(EmulatorError):
    """A rate limit refused the request (HTTP 429); the client may retry after ``retry_after`` seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        """``Retry-After`` in whole seconds, as Pinecone's servers send it."""
        return {"Retry-After": str(self.retry_after)}


class MethodNotAllowed(EmulatorError):
    """The path exists but not with this method (HTTP 405); ``Allow`` lists the methods it has."""

    status = 405

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        """``Allow``, as RFC 9110 requires on a 405."""
        return {"Allow": ", ".join(self.allowed)}


class UriTooLong(EmulatorError):
    """The request's URL (path and query) is longer than the emulator reads (HTTP 414)."""

    status = 414


class NotImplementedByEmulator(EmulatorError):
    """An operation of the request's API version that the emulator does not implement (HTTP 501)."""

    status = 501


# Control-plane ``ErrorResponse.error.code`` per HTTP status. 500 maps to UNKNOWN because
# that is what the spec's own "Internal server error" examples use. A wrong method is
# UNIMPLEMENTED, as gRPC-gateway (whose ``rpcStatus`` the data plane answers in) reports it.
_CONTROL_CODES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "PAYMENT_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    413: "PAYLOAD_TOO_LARGE",
    422: "UNPROCESSABLE_ENTITY",
    429: "RESOURCE_EXHAUSTED",
    500: "UNKNOWN",
    501: "UNIMPLEMENTED",
    503: "SERVICE_UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# gRPC status codes for the data plane's ``rpcStatus.code``.
_GRPC_CODES: dict[int, int] = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND
    405: 12,  # UNIMPLEMENTED (gRPC-gateway's code for a wrong method)
    409: 6,  # ALREADY_EXISTS
    412: 9,  # FAILED_PRECONDITION
    413: 3,  # INVALID_ARGUMENT
    414: 3,  # INVALID_ARGUMENT
    422: 3,  # INVALID_ARGUMENT
    429: 8,  # RESOURCE_EXHAUSTED
    499: 1,  # CANCELLED
    500: 13,  # INTERNAL
    501: 12,  # UNIMPLEMENTED
    503: 14,  # UNAVAILABLE
    504: 4,  # DEADLINE_EXCEEDED
}
_GRPC_UNKNOWN = 2

UNAUTHORIZED_BODY = "Unauthorized"
"""Plain-text 401 body; the spec's ``UnauthorizedMessage`` says exactly this."""


def _format_bound(bound: float) -> str:
    return str(bound) if isinstance(bound, int) else f"{bound:g}"


def _short_repr(value: Any, limit: int = 60) -> str:
    try:
        text = repr(value)
    except ValueError:  # ints beyond sys.get_int_max_str_digits()
        text = f"<{type(value).__name__} too large to display>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_finite(value: float) -> bool:
    # Huge JSON integers are finite but overflow as soon as they meet a float, so they
    # count as non-finite: every number the emulator accepts must be usable as a float.
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def require_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> Any:
    """Return ``value`` if it is a finite number in range, else raise :class:`InvalidArgument`.

    The one place numeric arguments are checked (HTTP bodies, query parameters, the Python
    API and the CLI), so they all reject the same things: ``bool`` (``True`` is an ``int``
    in Python but not a number in JSON), non-finite floats (``1e400`` parses as ``inf``),
    integers too large for a float, and, with ``integer=True``, anything that is not an
    ``int``.
    """
    allowed = (int,) if integer else (int, float)
    if not (
        isinstance(value, bool)
        or not isinstance(value, allowed)
        or not is_finite(value)
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        return value
    expected = "an integer" if integer else "a number"
    if minimum is not None and maximum is not None:
        low, high = _format_bound(minimum), _format_bound(maximum)
        expected += f" from {low} to {high}" if integer else f" between {low} and {high}"
    elif minimum is not None:
        expected += f" >= {_format_bound(minimum)}"
    elif maximum is not None:
        expected += f" <= {_format_bound(maximum)}"
    raise InvalidArgument(f"{name} must be {expected}, got {_short_repr(value)}.")


def require_object(value: Any, what: str, hint: str | None = None) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object (a ``dict``), else raise :class:`InvalidArgument`.

    ``hint`` is added in parentheses, e.g. ``"The request body must be a JSON object
    (a CreateIndexRequest)."``
    """
    if not isinstance(value, dict):
        suffix = f" ({hint})" if hint else ""
        raise InvalidArgument(f"{what} must be a JSON object{suffix}.")
    return value


def control_error_code(status: int, api_version: str) -> str:
    """The control-plane ``error.code`` string for an HTTP status in ``api_version``."""
    code = _CONTROL_CODES.get(status, "UNKNOWN" if status >= 500 else "INVALID_ARGUMENT")
    # Some codes exist only in some versions' ``ErrorResponse``: the version table says which.
    return _version(api_version).control_code_fallbacks.get(code, code)


def grpc_code(status: int) -> int:
    """The gRPC status code the data plane reports for an HTTP status."""
    return _GRPC_CODES.get(status, _GRPC_UNKNOWN)


def _version(api_version: str) -> Any:
    # Imported here: versions.py builds on this module's error types, so it cannot be imported
    # at the top; by the time an error is answered both are loaded and this is a dict lookup.
    from airflow_provider_pinecone.testing.emulator.versions import traits

    return traits(api_version)


def error_body(plane: Plane, status: int, message: str, api_version: str) -> dict[str, object]:
    """The spec-shaped JSON error body of ``plane`` (``ErrorResponse`` or ``rpcStatus``)."""
    if plane is Plane.CONTROL:
        return {"error": {"code": control_error_code(status, api_version), "message": message}, "status": status}
    return {"code": grpc_code(status), "message": message, "details": []}


def error_response(
    plane: Plane,
    status: int,
    message: str,
    api_version: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build the spec-shaped JSON error response of ``plane``."""
    return JSONResponse(error_body(plane, status, message, api_version), status_code=status, headers=headers)


def unauthorized_response(plane: Plane, api_version: str) -> Response:
    """A 401 in the shape ``api_version``'s spec declares; it never echoes the key it got.

    2026-07 documents the authentication layer's plain-text ``Unauthorized``; the older versions
    declare a JSON body (``ErrorResponse`` on the control plane, ``rpcStatus`` on the data plane).
    """
    if not _version(api_version).plain_text_unauthorized:
        return error_response(plane, 401, "Invalid API key: set the Api-Key header to a valid key.", api_version)
    return PlainTextResponse(UNAUTHORIZED_BODY, status_code=401)
