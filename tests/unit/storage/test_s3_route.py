"""Which botocore GetObject requests the lean S3 path copies, and how long it waits between attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from airflow_provider_pinecone.storage._http import MAX_BACKOFF_SECONDS, retry_delay
from airflow_provider_pinecone.storage._s3_signed import S3Route, _max_attempts, error_code, learn_route

HOST = "bkt.s3.eu-west-1.amazonaws.com"
KEY = "imports/ns 1/a+b~.parquet"
ENCODED = "imports/ns%201/a%2Bb~.parquet"
SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261130/eu-west-1/s3/aws4_request, "
    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=abc",
    "X-Amz-Date": "20261130T000000Z",
    "X-Amz-Content-SHA256": "e3b0",
    "Range": "bytes=0-9",
}


@pytest.mark.parametrize(
    ("url", "route"),
    [
        (f"https://{HOST}/{ENCODED}", S3Route(f"https://{HOST}", "/", "eu-west-1")),
        (f"http://127.0.0.1:9000/bkt/{ENCODED}", S3Route("http://127.0.0.1:9000", "/bkt/", "eu-west-1")),
    ],
)  # fmt: skip
def test_virtual_hosted_and_path_style_routes_are_learned_with_the_signing_region(url, route):
    assert learn_route(url, SIGNED, KEY) == route


def test_an_unsigned_request_gives_an_unsigned_route():
    assert learn_route(f"https://bkt.s3.amazonaws.com/{ENCODED}", {}, KEY) == S3Route(
        "https://bkt.s3.amazonaws.com", "/", None
    )


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (f"https://bkt.s3.amazonaws.com/{ENCODED}?versionId=1", SIGNED),  # a query string
        ("https://bkt.s3.amazonaws.com/other.parquet", SIGNED),  # not the key asked for
        (f"https://bkt.s3.amazonaws.com/{ENCODED}", {**SIGNED, "x-amz-request-payer": "requester"}),
        (f"https://bkt.s3.amazonaws.com/{ENCODED}", {**SIGNED, "Authorization": "AWS4-ECDSA-P256-SHA256 x"}),
        (f"https://bkt.s3.amazonaws.com/{ENCODED}", {**SIGNED, "Authorization": "AWS AKID:sig"}),
    ],
    ids=["query", "other-key", "extra-amz-header", "sigv4a", "sigv2"],
)
def test_requests_with_features_the_lean_path_does_not_copy_stay_on_botocore(url, headers):
    assert learn_route(url, headers, KEY) is None


def test_retry_after_in_seconds_or_as_a_date_is_waited_capped():
    assert retry_delay(0, "3") == 3.0
    assert retry_delay(0, "0") == 0.0
    assert retry_delay(0, "3600") == MAX_BACKOFF_SECONDS
    in_five = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    assert 3.0 < retry_delay(0, in_five) <= 5.0


@pytest.mark.parametrize("header", [None, "", "soon", "-1"])
def test_without_a_usable_retry_after_the_backoff_is_jittered_exponential(header):
    for attempt in range(8):
        assert 0 <= retry_delay(attempt, header) <= min(2.0**attempt, MAX_BACKOFF_SECONDS)


@pytest.mark.parametrize(
    ("retries", "attempts"),
    [({"mode": "standard"}, 3), ({}, 5), ({"mode": "standard", "total_max_attempts": 7}, 7), ({"max_attempts": 1}, 2)],
)
def test_attempts_follow_the_clients_retry_configuration(retries, attempts):
    assert _max_attempts(retries) == attempts


def test_error_codes_are_read_from_s3_error_bodies():
    assert error_code(b"<?xml?><Error><Code>SlowDown</Code></Error>") == "SlowDown"
    assert error_code(b"not xml") == ""
