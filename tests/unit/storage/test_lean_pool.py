"""The lean pool's connections: one per reading thread, gone with the thread, all closed by close()."""

from __future__ import annotations

import gc
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from airflow_provider_pinecone.storage._http import LeanPool
from airflow_provider_pinecone.storage.base import RequestCounter


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(206)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


def test_each_thread_keeps_one_connection_which_ends_with_it_and_close_closes_the_rest():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    serving = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    serving.start()
    origin = f"http://127.0.0.1:{server.server_port}"
    pool, counter = LeanPool(), RequestCounter()
    try:

        def read_twice() -> None:
            for _ in range(2):
                assert pool.get(origin, "/k", dict, counter).body == b"ok"

        threads = [threading.Thread(target=read_twice) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        gc.collect()
        assert counter.requests == 6 and len(pool._open) == 0  # the ended threads' connections are gone
        read_twice()
        (kept,) = pool._open  # this thread's, reused for both reads
        assert kept.sock is not None
        pool.close()
        assert kept.sock is None and len(pool._open) == 0
    finally:
        server.shutdown()
        server.server_close()
