"""A local HTTP proxy in front of a real object-storage server, answering chosen requests itself.

Every request is recorded (method, path, headers) and forwarded to the server unless a scripted
fault is pending for it: a canned error response (a status, headers such as ``Retry-After``, an
S3 or GCS error body), or a response cut off mid-body. The clients under test talk to the proxy as
they would to the cloud; the server behind it is the real one (moto, Azurite, gcp-storage-emulator).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit


@dataclass
class Fault:
    """What to answer instead of forwarding: ``status`` with ``body``, or (``cut``) a truncated 206,
    or (``then_close``) the server's own answer, after which the connection is closed unannounced
    (as a server drops an idle keep-alive connection)."""

    status: int = 503
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    cut: bool = False
    then_close: bool = False


class LocalHttpServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) serving ``handler``; a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class Seen:
    """One request the proxy received."""

    method: str
    path: str
    headers: dict[str, str]
    answered_by_proxy: bool


class FaultProxy(LocalHttpServer):
    """Forward to ``upstream``; answer the next requests matching a predicate with scripted faults."""

    def __init__(self, upstream: str) -> None:
        self._upstream = urlsplit(upstream).netloc
        self._lock = threading.Lock()
        self._faults: list[tuple[Callable[[str, str], bool], Fault]] = []
        self.seen: list[Seen] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = proxy._take_fault(self.command, self.path)
                with proxy._lock:
                    answered = fault is not None and not fault.then_close
                    proxy.seen.append(Seen(self.command, self.path, dict(self.headers.items()), answered))
                if fault is None or fault.then_close:
                    self._forward(body)
                    self.close_connection = fault is not None
                elif fault.cut:
                    self.send_response(206)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"x" * 10)  # then the connection closes: a truncated body
                    self.close_connection = True
                else:
                    self.send_response(fault.status)
                    for name, value in {**fault.headers, "Content-Length": str(len(fault.body))}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(fault.body)

            def _forward(self, body: bytes) -> None:
                connection = http.client.HTTPConnection(proxy._upstream, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    connection.request(self.command, self.path, body=body or None, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                finally:
                    connection.close()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in {"content-length", "connection", "transfer-encoding", "server", "date"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def fail(self, fault: Fault, *, times: int = 1, when: Callable[[str, str], bool] | None = None) -> None:
        """Answer the next ``times`` requests matching ``when(method, path)`` (default: GETs) with ``fault``."""
        match = when or (lambda method, path: method == "GET")
        with self._lock:
            self._faults.extend((match, fault) for _ in range(times))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, (match, fault) in enumerate(self._faults):
                if match(method, path):
                    del self._faults[i]
                    return fault
        return None

    def requests_to(self, fragment: str) -> list[Seen]:
        """The requests whose path contains ``fragment``."""
        with self._lock:
            return [seen for seen in self.seen if fragment in seen.path]
