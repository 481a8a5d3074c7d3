"""One exception family for everything that can go wrong talking to Pinecone.

Every error names the operation that failed. API errors also carry the HTTP status, Pinecone's
error code and its message, parsed from whichever of the API's error shapes the response used:

* data plane (``rpcStatus``): ``{"code": 3, "message": "...", "details": []}``
* control plane: ``{"error": {"code": "NOT_FOUND", "message": "..."}, "status": 404}``
* the authentication and rate-limiting layer: a plain-text body (``401``, some ``400/403/429``)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# gRPC status numbers used by the data plane's rpcStatus, by name, for readable messages.
_GRPC_CODE_NAMES = {
    0: "OK",
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}

# Long bodies (an HTML error page from a proxy, say) are cut so logs stay readable.
_MAX_MESSAGE_CHARS = 500


class PineconeError(Exception):
    """Base class of every error raised by this package's Pinecone client."""


class PineconeConfigurationError(PineconeError, ValueError):
    """The client or connection is set up wrongly (missing API key, refused ``http://`` host, ...)."""


class PineconeValidationError(PineconeError, ValueError):
    """A request argument was rejected before anything was sent; the message says what is accepted."""


class PineconeConnectionError(PineconeError):
    """Pinecone could not be reached (connection refused, DNS, TLS, timeout), after all retries."""

    def __init__(
        self, operation: str, url: str, reason: str, request_sent: bool = True, host_source: str | None = None
    ) -> None:
        self.operation = operation
        self.url = url
        self.reason = reason
        #: False when the connection was never made, so Pinecone cannot have acted on the request.
        self.request_sent = request_sent
        where = f" (read from {host_source})" if host_source else ""
        super().__init__(
            f"Pinecone {operation} could not reach {url}: {reason}. "
            f"Check the host{where} and that it is reachable from this machine."
        )


class PineconeApiError(PineconeError):
    """Pinecone answered with an error status.

    :param status_code: the HTTP status.
    :param code: Pinecone's error code (``NOT_FOUND``, ``INVALID_ARGUMENT``, ...), or ``None``
        when the body carried none (plain-text answers).
    :param message: Pinecone's message, verbatim.
    :param operation: what this client was doing (``start_import``, ``describe_index``, ...).
    :param retry_after: seconds from a ``Retry-After`` header, when the server sent one.
    :param source: where the setting the error is about was read from (for an authentication
        error, the API key), in the words of whoever configured the client; the hint names it.
    """

    def __init__(
        self,
        status_code: int,
        code: str | None,
        message: str,
        operation: str,
        retry_after: float | None = None,
        source: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.operation = operation
        self.retry_after = retry_after
        self.source = source
        super().__init__(self._describe())

    def _describe(self) -> str:
        code = f" {self.code}" if self.code else ""
        text = f"Pinecone {self.operation} failed with HTTP {self.status_code}{code}: {self.message}"
        hint = self.hint()
        return f"{text}. {hint}" if hint else text

    def hint(self) -> str:
        """What the user can do about it, when there is something to say."""
        return ""


class PineconeAuthenticationError(PineconeApiError):
    """The API key was missing, wrong or lacks permission (HTTP 401/403)."""

    def hint(self) -> str:
        where = f" (read from {self.source})" if self.source else ""
        return f"Check the API key{where}: it must be a key of the project that owns the index"


class PineconeNotFoundError(PineconeApiError):
    """The index, import or other resource does not exist (HTTP 404)."""


class PineconeRateLimitError(PineconeApiError):
    """Too many requests (HTTP 429), after all retries."""

    def hint(self) -> str:
        return "Pinecone is rate-limiting this project; retry later or lower the request rate"


class PineconeServerError(PineconeApiError):
    """Pinecone failed on its side (HTTP 5xx), after all retries."""


class ErrorResponse(Protocol):
    """What an error is built from: an ``httpx.Response`` or an :class:`AnsweredError`."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    @property
    def reason_phrase(self) -> str: ...


@dataclass(frozen=True)
class AnsweredError:
    """An error answer read off another HTTP library (the async transport's aiohttp), decoded."""

    status_code: int
    headers: Mapping[str, str]  # case-insensitive lookups, as both libraries' header maps are
    text: str
    reason_phrase: str


def _parse_retry_after(response: ErrorResponse) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        # The HTTP-date form is allowed by RFC 9110 but Pinecone sends seconds; ignore the rest.
        return None


def _code_and_message(response: ErrorResponse) -> tuple[str | None, str]:
    """Pick Pinecone's code and message out of any of the API's error shapes."""
    text = response.text.strip()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and "message" in error:  # control plane
            return (str(error["code"]) if error.get("code") is not None else None), str(error["message"])
        if "message" in body:  # data plane rpcStatus
            raw_code = body.get("code")
            code = _GRPC_CODE_NAMES.get(raw_code, str(raw_code)) if raw_code is not None else None
            return code, str(body["message"])
        if isinstance(error, str):
            return None, error
    message = text[:_MAX_MESSAGE_CHARS] or response.reason_phrase or "no message"
    return None, message


def error_from_response(
    response: ErrorResponse, operation: str, *, api_key_source: str | None = None
) -> PineconeApiError:
    """Build the right :class:`PineconeApiError` subclass for an error response.

    :param api_key_source: where the API key was read from; an authentication error names it.
    """
    code, message = _code_and_message(response)
    status = response.status_code
    if status in (401, 403):
        cls: type[PineconeApiError] = PineconeAuthenticationError
    elif status == 404:
        cls = PineconeNotFoundError
    elif status == 429:
        cls = PineconeRateLimitError
    elif status >= 500:
        cls = PineconeServerError
    else:
        cls = PineconeApiError
    source = api_key_source if cls is PineconeAuthenticationError else None
    return cls(status, code, message, operation, retry_after=_parse_retry_after(response), source=source)
