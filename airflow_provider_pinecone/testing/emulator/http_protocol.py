"""uvicorn's HTTP protocols with the emulator's JSON errors for requests that never reach the app.

uvicorn answers a request its parser refuses (a garbled request line, a URL or headers beyond the
parser's limits) with a plain-text ``400 Invalid HTTP request received.``; Pinecone's clients
expect every error in the API's JSON shape. These subclasses answer in the plane's error shape
instead, and refuse a URL longer than :data:`MAX_URL_BYTES` with 414 as soon as the parser has
read that much of it (before the parser's own, larger, limit).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson

from airflow_provider_pinecone.testing.emulator.errors import Plane, error_body
from airflow_provider_pinecone.testing.emulator.versions import DEFAULT_VERSION

MAX_URL_BYTES = 32 * 1024
"""Longest path and query string the emulator reads; longer ones get 414 (e.g. 1,000 ids of 30 characters fit)."""


def url_too_long_message(length: int | None = None) -> str:
    """The message of a 414: what the limit is and how to stay under it."""
    got = f"{length} bytes" if length is not None else f"over {MAX_URL_BYTES} bytes"
    return (
        f"The request URL is too long ({got}; the maximum is {MAX_URL_BYTES} bytes of path and query): "
        "send fewer ids or shorter values per request."
    )


def _raw_error(protocol: Any, plane: Plane, status: int, message: str) -> None:
    """Write a JSON error straight to the transport and close the connection (the parser state is lost)."""
    # The headers are not parsed yet, so the version header is unknown: answer in the default one.
    body = orjson.dumps(error_body(plane, status, message, DEFAULT_VERSION))
    phrase = HTTPStatus(status).phrase
    lines = [f"HTTP/1.1 {status} {phrase}".encode("ascii")]
    lines += [name + b": " + value for name, value in protocol.server_state.default_headers]
    lines += [
        b"content-type: application/json",
        b"content-length: " + str(len(body)).encode("ascii"),
        b"connection: close",
    ]
    protocol.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    protocol.transport.close()


def protocol_class(plane: Plane) -> type[Any]:
    """The uvicorn HTTP protocol class for a server of ``plane`` (httptools if installed, else h11)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools is an optional uvicorn dependency
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class JsonErrorsH11(H11Protocol):
            """h11 with JSON parser errors (its own limit on request line and headers applies)."""

            def send_400_response(self, msg: str) -> None:
                _raw_error(
                    self, plane, 400, f"The request is not valid HTTP/1.1 ({msg}): check its request line and headers."
                )

        return JsonErrorsH11

    class JsonErrorsHttpTools(HttpToolsProtocol):
        """httptools with JSON parser errors and a 414 for URLs over :data:`MAX_URL_BYTES`."""

        _url_too_long = False

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._url_too_long = False

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            if len(self.url) > MAX_URL_BYTES:
                # The parser turns this into an HttpParserError, which ends in send_400_response.
                self._url_too_long = True
                raise ValueError("URL too long")

        def send_400_response(self, msg: str) -> None:
            if self._url_too_long:
                _raw_error(self, plane, 414, url_too_long_message())
            else:
                _raw_error(self, plane, 400, "The request is not valid HTTP/1.1: check its request line and headers.")

    return JsonErrorsHttpTools
