"""moto's S3 server serves a ranged GET by reading the range, not the object (testing.moto_ranges).

The server is the one ``MotoS3Server`` runs in its subprocess (``object_stores._s3_server``, which
installs the patch), run here in a thread so that this process can see moto's backend, the patch's
counter and the memory a request allocates. Responses are compared over HTTP with unpatched moto's.
"""

from __future__ import annotations

import http.client
import os
import threading
import tracemalloc
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from airflow_provider_pinecone.testing import moto_ranges, object_stores

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

MiB = 1 << 20
# moto does not check signatures, but serves a private object only to a request that has one.
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
)
# Headers that differ between two identical requests.
PER_REQUEST_HEADERS = {"date", "x-amz-request-id", "x-amzn-requestid", "x-amz-id-2", "server"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class LocalS3:
    """HTTP requests to the S3 server running in this process."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body: bytes | None = None, range_: str | None = None) -> Reply:
        connection = http.client.HTTPConnection(object_stores.HOST, self.port, timeout=30)
        try:
            headers = {"Authorization": AUTHORIZATION}
            if range_ is not None:
                headers["Range"] = range_
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {k.lower(): v for k, v in response.getheaders() if k.lower() not in PER_REQUEST_HEADERS}
            return Reply(response.status, kept, data)
        finally:
            connection.close()

    def get(self, path: str, range_: str | None = None) -> Reply:
        return self.request("GET", path, range_=range_)


@pytest.fixture
def local_s3() -> Iterator[LocalS3]:
    was_installed = moto_ranges.installed()
    server = object_stores._s3_server(object_stores.HOST, 0, 0, False)
    thread = threading.Thread(target=server.serve_forever, name="moto-s3", daemon=True)
    thread.start()
    try:
        yield LocalS3(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        if not was_installed:
            moto_ranges.uninstall()


class Bucket:
    """A new bucket on the server; its objects and itself are deleted at the end of the test."""

    def __init__(self, s3: LocalS3) -> None:
        self.s3 = s3
        self.name = f"ranges-{uuid.uuid4().hex[:12]}"
        self.paths: list[str] = []
        assert s3.request("PUT", f"/{self.name}").status == 200

    def put(self, key: str, data: bytes) -> str:
        """Write object ``key``; return its path."""
        path = f"/{self.name}/{key}"
        assert self.s3.request("PUT", path, body=data).status == 200
        self.paths.append(path)
        return path

    def delete(self) -> None:
        for path in self.paths:
            self.s3.request("DELETE", path)
        self.s3.request("DELETE", f"/{self.name}")


@pytest.fixture
def bucket(local_s3: LocalS3) -> Iterator[Bucket]:
    created = Bucket(local_s3)
    yield created
    created.delete()


def test_the_server_installs_the_patch(local_s3: LocalS3) -> None:
    assert moto_ranges.installed()


# An object over moto's in-memory buffer (~5 MiB: larger ones live in a temporary file).
SIZE = 12 * MiB + 12345
# (Range header, the (first, last) byte it serves as 206, or None when moto answers otherwise).
RANGES = [
    ("bytes=0-0", (0, 0)),
    ("bytes=0-1048575", (0, MiB - 1)),
    ("bytes=5000000-5999999", (5_000_000, 5_999_999)),
    ("bytes=7000000-", (7_000_000, SIZE - 1)),
    ("bytes=-1", (SIZE - 1, SIZE - 1)),
    ("bytes=-3000000", (SIZE - 3_000_000, SIZE - 1)),
    (f"bytes={SIZE - 10}-{SIZE * 2}", (SIZE - 10, SIZE - 1)),  # past the end: cut to the end
    (f"bytes=-{SIZE * 2}", (0, SIZE - 1)),  # suffix longer than the object: all of it, as 206
    ("bytes=0-", (0, SIZE - 1)),
    ("bytes=100-50", None),  # served whole (200)
    ("bytes=0-10,20-30", None),  # several ranges: served whole (200)
    ("bytes=abc", None),  # unparsable: served whole (200)
    (f"bytes={SIZE}-", None),  # starts past the end: 416
    ("bytes=-0", None),  # empty suffix: 416
    (None, None),  # no range: the object (200)
]


@pytest.mark.parametrize("size", [SIZE, 300_000], ids=["file-backed", "in-memory"])
def test_ranged_gets_answer_as_unpatched_moto_does(local_s3: LocalS3, bucket: Bucket, size: int) -> None:
    data = os.urandom(size)
    path = bucket.put("object.bin", data)
    ranges = [(r, expected) for r, expected in RANGES if size == SIZE or expected is None]
    if size != SIZE:
        ranges += [("bytes=1000-2999", (1000, 2999)), ("bytes=-500", (size - 500, size - 1))]

    before = moto_ranges.ranged_reads()
    patched = {r: local_s3.get(path, r) for r, _ in ranges}
    assert moto_ranges.ranged_reads() - before == sum(expected is not None for _, expected in ranges)
    moto_ranges.uninstall()
    unpatched = {r: local_s3.get(path, r) for r, _ in ranges}

    for range_, expected in ranges:
        assert patched[range_] == unpatched[range_], range_
        reply = patched[range_]
        if expected is not None:
            first, last = expected
            assert reply.status == 206, range_
            assert reply.headers["content-range"] == f"bytes {first}-{last}/{size}"
            assert reply.headers["content-length"] == str(last - first + 1)
            assert reply.body == data[first : last + 1]
        elif reply.status == 200:
            assert reply.body == data
            assert reply.headers["content-length"] == str(size)
            assert "content-range" not in reply.headers
        else:
            assert reply.status == 416, range_


def test_concurrent_ranged_gets_of_one_object_each_get_their_bytes(local_s3: LocalS3, bucket: Bucket) -> None:
    data = os.urandom(8 * MiB)
    path = bucket.put("object.bin", data)
    starts = [i * 250_000 for i in range(32)]

    def read(start: int) -> bytes:
        reply = local_s3.get(path, f"bytes={start}-{start + 99_999}")
        assert reply.status == 206
        return reply.body

    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(read, starts))
    assert bodies == [data[start : start + 100_000] for start in starts]


def test_a_small_range_of_a_large_object_reads_only_the_range(local_s3: LocalS3, bucket: Bucket) -> None:
    """The memory a 1 KiB ranged GET allocates is nowhere near the object's 64 MiB (unpatched: all of it).

    The bound is loose: the request, whatever the object's size, may allocate about 10 MiB elsewhere.
    """
    path = bucket.put("large.bin", os.urandom(64 * MiB))
    local_s3.get(path, "bytes=0-0")  # first-request allocations out of the way
    tracemalloc.start()
    try:
        reply = local_s3.get(path, f"bytes={32 * MiB}-{32 * MiB + 1023}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reply.status == 206 and len(reply.body) == 1024
    assert peak < 32 * MiB, f"a 1 KiB ranged GET allocated {peak / MiB:.1f} MiB at its peak"


def test_a_moto_without_the_patched_attributes_is_left_unpatched_with_a_warning(
    local_s3: LocalS3, bucket: Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.s3.models import FakeKey
    from moto.s3.responses import S3Response

    moto_ranges.uninstall()
    value, key_response = FakeKey.__dict__["value"], S3Response.__dict__["key_response"]
    monkeypatch.delattr(S3Response, "get_object")
    with pytest.warns(RuntimeWarning, match="left unpatched"):
        assert moto_ranges.install() is False
    assert not moto_ranges.installed()
    assert FakeKey.__dict__["value"] is value and S3Response.__dict__["key_response"] is key_response
    monkeypatch.undo()

    data = os.urandom(6 * MiB)
    path = bucket.put("object.bin", data)
    before = moto_ranges.ranged_reads()
    reply = local_s3.get(path, "bytes=-1000")
    assert (reply.status, reply.body) == (206, data[-1000:])
    assert moto_ranges.ranged_reads() == before  # moto's own path served it
