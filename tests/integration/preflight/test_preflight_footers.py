"""Pre-flight's footer reads (issue 13): a 16 KiB tail, one more request only for a larger footer,
bad footers reported per file, and reads started while the listing is still being fetched.

Requests and bytes are counted by moto itself; the overlap is seen in the order a proxy in front of
moto received the requests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from airflow_provider_pinecone.client.models import IndexModel
from airflow_provider_pinecone.preflight import validate_import_source
from airflow_provider_pinecone.preflight.remote_file import FOOTER_TAIL_BYTES
from airflow_provider_pinecone.storage import open_object_store
from airflow_provider_pinecone.storage.s3 import S3ObjectStore
from airflow_provider_pinecone.testing.datasets import dense_table, parquet_bytes
from airflow_provider_pinecone.testing.object_stores import MotoS3Server
from tests.integration.buckets import Bucket, new_bucket
from tests.integration.storage.fault_proxy import FaultProxy

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

KIB = 1024


def dense_file(footer_kib: int = 0, rows: int = 5, start: int = 0) -> bytes:
    """A valid dense file (ids from ``start``); with ``footer_kib``, schema metadata makes its footer
    about that large."""
    table = dense_table(rows, 4, start=start, seed=start)
    if footer_kib:
        table = table.replace_schema_metadata({"padding": "x" * (footer_kib * KIB)})
    return parquet_bytes(table)


def footer_length(data: bytes) -> int:
    return int.from_bytes(data[-8:-4], "little")


@pytest.fixture
def bucket(s3_server: MotoS3Server, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    made = new_bucket("s3", s3_server)
    made.use_sdk_defaults(monkeypatch)
    return made


@pytest.mark.parametrize(("footer_kib", "per_file"), [(0, 1), (40, 2), (1024, 2)], ids=["small", "40KiB", "1MiB"])
def test_a_footer_costs_one_request_or_two_when_larger_than_the_tail(bucket, s3_server, footer_kib, per_file):
    files = {f"imports/ns/{i}.parquet": dense_file(footer_kib) for i in range(3)}
    bucket.put_all(files)
    size = len(files["imports/ns/0.parquet"])
    needed = footer_length(files["imports/ns/0.parquet"]) + 12  # footer, its length, both magics
    s3_server.reset_counts()
    report = validate_import_source(bucket.uri())
    assert report.ok and report.total_files == 3 and report.namespaces["ns"].rows == 15
    assert FOOTER_TAIL_BYTES == 16 * KIB  # a footer of 40 KiB takes two requests, as one of 1 MiB
    assert s3_server.request_counts() == {"GET": 1 + 3 * per_file}  # the listing, then the footers
    assert report.requests == 1 + 3 * per_file
    read = min(size, max(needed, FOOTER_TAIL_BYTES))
    assert report.bytes_read == 3 * read


@pytest.mark.parametrize(
    "broken",
    [
        b"not parquet at all, just text" * 10,
        b"PAR1",  # shorter than a footer's trailer
        dense_file()[:-3],  # truncated: no closing magic
        b"PAR1" + b"\0" * 20 + (10**6).to_bytes(4, "little") + b"PAR1",  # declares a footer longer than the file
        b"PAR1" + b"\xff" * 40 + (40).to_bytes(4, "little") + b"PAR1",  # the footer is not Thrift
    ],
    ids=["text", "tiny", "truncated", "footer-longer-than-file", "garbage-footer"],
)
def test_bad_footers_are_reported_per_file_in_one_request(bucket, s3_server, broken):
    bucket.put_all({"imports/ns/0.parquet": dense_file(), "imports/ns/1.parquet": broken})
    s3_server.reset_counts()
    report = validate_import_source(bucket.uri())
    (problem,) = report.errors
    assert problem.code == "parquet.unreadable_footer"
    assert problem.path == bucket.uri("imports/ns/1.parquet") and "valid parquet" in problem.message
    assert s3_server.request_counts() == {"GET": 1 + 2}


def test_the_footer_schema_keeps_fixed_size_lists_and_row_counts(bucket):
    values = pa.FixedSizeListArray.from_arrays(pa.array([0.5] * 28, pa.float32()), 4)
    bucket.put_all({"imports/ns/0.parquet": pa.table({"id": [str(i) for i in range(7)], "values": values})})
    index = IndexModel(name="idx", host="h", cloud="aws", dimension=8, metric="cosine", ready=True)
    report = validate_import_source(bucket.uri(), index=index)
    # The fixed dimension (4) comes from the Arrow schema stored in the footer, read from the tail alone.
    assert [p.code for p in report.errors] == ["index.dimension_mismatch"]
    assert report.namespaces["ns"].rows == 7


@pytest.fixture
def proxied(bucket: Bucket, s3_server: MotoS3Server) -> Iterator[tuple[Bucket, FaultProxy]]:
    with FaultProxy(s3_server.endpoint_url) as proxy:
        yield bucket, proxy


def test_footers_are_read_while_the_listing_is_still_being_fetched(proxied):
    bucket, proxy = proxied
    bucket.put_all({f"imports/ns-{i % 2}/{i:02d}.parquet": dense_file() for i in range(12)})
    with open_object_store(bucket.uri(), endpoint_url=proxy.url) as opened:
        store = S3ObjectStore(opened.location, opened.client, page_size=3)  # type: ignore[attr-defined]
        report = validate_import_source(bucket.uri(), store=store)
    assert report.ok and report.total_files == 12
    order = ["list" if "list-type=2" in seen.path else "read" for seen in proxy.seen]
    assert order.count("list") == 4 and order.count("read") == 12
    last_listing = len(order) - 1 - order[::-1].index("list")
    assert order.index("read") < last_listing  # reads began before the last page was asked for
    assert [p for p in report.errors + report.warnings] == []


def test_with_a_row_sample_the_listing_still_comes_first(proxied):
    bucket, proxy = proxied
    bucket.put_all({f"imports/ns/{i:02d}.parquet": dense_file(start=5 * i) for i in range(6)})
    with open_object_store(bucket.uri(), endpoint_url=proxy.url) as opened:
        store = S3ObjectStore(opened.location, opened.client, page_size=2)  # type: ignore[attr-defined]
        report = validate_import_source(bucket.uri(), store=store, sample_rows=2)
    assert report.ok and report.sampled_rows == 12
    order = ["list" if "list-type=2" in seen.path else "read" for seen in proxy.seen]
    assert order[:3] == ["list"] * 3 and "list" not in order[3:]
