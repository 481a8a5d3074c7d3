"""Spec conformance: every response the emulator gives validates against Pinecone's OpenAPI spec.

The specs are vendored in ``tests/specs/pinecone-api`` (see ``SOURCE.txt`` there): the control
plane (``/indexes...``) is checked against ``db_control_<version>``, each index's data plane
against ``db_data_<version>``, for every API version the emulator speaks (2025-04, 2025-10, 2026-04,
2026-07: ``versions.SUPPORTED_VERSIONS``), in
success and error cases. Validation is done by openapi-core, through the small httpx adapter
below, and is stricter than the bare spec in two ways (a "closed world", since the emulator
should send nothing Pinecone does not document):

* an object schema that lists ``properties`` rejects other properties
  (``additionalProperties: false`` unless the spec says otherwise);
* ``x-enum`` (Pinecone's open enums) is enforced like ``enum``.

A failure says which of the two it is: "violates the spec" (fails openapi-core on the spec as
published) or "valid per the spec, but outside its closed world" (an undocumented property or
enum value).

Each request the tests send is validated too (closed world as well), unless a test deliberately
sends an invalid one to provoke an error, so a conformant-looking response cannot come from a
request the real API would not have accepted.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from airflow_provider_pinecone.testing.datasets import dense_table
from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.errors import Plane
from airflow_provider_pinecone.testing.emulator.versions import DEFAULT_VERSION, SUPPORTED_VERSIONS, traits
from tests.integration.buckets import Bucket, new_bucket
from tests.paths import SPEC_DIR
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

VERSIONS = SUPPORTED_VERSIONS
CONTROL = "db_control"
DATA = "db_data"
# The control plane's server in the specs. Requests are presented to the validator as if sent
# there (the path is kept), so openapi-core matches its server and path templates. The data
# planes' server is the template "https://{index_host}", which the emulator's "127.0.0.1:PORT"
# fills like any index host.
CONTROL_SERVER = "https://api.pinecone.io"
DIMENSION = 8
TERMINAL = ("Completed", "Failed", "Cancelled")


# --------------------------------------------------------------------------- httpx adapter
class HttpxOpenAPIRequest:
    """An ``httpx.Request`` as an :class:`openapi_core.protocols.Request`.

    ``host_url`` is where the request is presented as sent (the spec's server for the control
    plane); the path, query, headers and body are the request's own.
    """

    def __init__(self, request: httpx.Request, host_url: str) -> None:
        self.host_url = host_url
        self.path = request.url.path
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("Content-Type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(request.url.query.decode(), keep_blank_values=True)),
            header=Headers(list(request.headers.multi_items())),
            cookie=ImmutableMultiDict(),
        )


class HttpxOpenAPIResponse:
    """An ``httpx.Response`` as an :class:`openapi_core.protocols.Response`."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data: bytes = response.content
        self.content_type = response.headers.get("Content-Type", "")
        self.headers = Headers(list(response.headers.multi_items()))


# ------------------------------------------------------------------------------- the specs
def _is_uint64(value: Any) -> bool:
    # 2026-07 serialises some 64-bit counts as decimal strings ("type: string, format: uint64").
    if isinstance(value, str):
        return value.isascii() and value.isdigit() and int(value) < 2**64
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64


def _closed_world(node: Any, *, in_multi_allof: bool = False) -> Any:
    """The spec with ``x-enum`` enforced and undeclared properties rejected (see module doc)."""
    if isinstance(node, list):
        return [_closed_world(item, in_multi_allof=in_multi_allof) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("example", "examples"):
            out[key] = value
        elif key == "allOf" and isinstance(value, list) and len(value) > 1:
            # Each member of a real allOf sees the other members' properties: leave them open.
            out[key] = [_closed_world(item, in_multi_allof=True) for item in value]
        else:
            out[key] = _closed_world(value)
    if "x-enum" in out and "enum" not in out:
        out["enum"] = list(out["x-enum"]) + ([None] if out.get("nullable") else [])
    if "properties" in out and "additionalProperties" not in out and not in_multi_allof:
        out["additionalProperties"] = False
    return out


def _errata(node: Any) -> Any:
    """The spec with its known errata fixed (tests/specs/EXCEPTIONS.md): defaults written as strings."""
    if isinstance(node, list):
        return [_errata(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _errata(value) for key, value in node.items()}
    # 2025-04 declares e.g. `default: '100'` on an integer and `default: 'false'` on a boolean:
    # openapi-core applies the default and then refuses its own request.
    default, kind = out.get("default"), out.get("type")
    if isinstance(default, str) and kind in ("integer", "number", "boolean"):
        out["default"] = {"true": True, "false": False}[default] if kind == "boolean" else yaml.safe_load(default)
    return out


@functools.cache
def spec(api: str, version: str, strict: bool = True) -> OpenAPI:
    """The validator for ``api`` (``db_control``/``db_data``) at ``version``, closed world or not."""
    document = _errata(yaml.safe_load((SPEC_DIR / f"{api}_{version}.oas.yaml").read_text(encoding="utf-8")))
    if strict:
        document = _closed_world(document)
    config = Config(extra_format_validators={"uint64": _is_uint64})
    return OpenAPI.from_dict(document, config=config)  # type: ignore[arg-type]


def _short(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _describe_error(exc: BaseException) -> str:
    """openapi-core's error with the JSON-schema errors it wraps, one per line."""
    lines = [f"{type(exc).__name__}: {_short(str(exc))}"]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for error in getattr(current, "schema_errors", ()) or ():
            path = "/".join(str(p) for p in error.absolute_path) or "<root>"
            lines.append(f"  at {path}: {_short(error.message)}")
        if current is not exc:
            lines.append(f"  caused by {type(current).__name__}: {_short(str(current))}")
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def check_response(api: str, versions: Iterable[str], request: HttpxOpenAPIRequest, response: httpx.Response) -> None:
    """Fail unless ``response`` validates against ``api``'s spec of every one of ``versions``."""
    problems = []
    for version in versions:
        try:
            spec(api, version).validate_response(request, HttpxOpenAPIResponse(response))
            continue
        except Exception as exc:  # openapi-core raises a family of unrelated exception types
            strict_error = _describe_error(exc)
        try:
            spec(api, version, strict=False).validate_response(request, HttpxOpenAPIResponse(response))
            verdict = "is valid per the spec, but outside its closed world (see the module doc)"
        except Exception as exc:
            verdict, strict_error = "VIOLATES the spec", _describe_error(exc)
        problems.append(f"{api}_{version}: {verdict}:\n{strict_error}")
    if problems:
        pytest.fail(
            f"{request.method.upper()} {request.path} -> {response.status_code} "
            f"{response.headers.get('Content-Type')!r} {response.text[:600]!r}\n" + "\n".join(problems),
            pytrace=False,
        )


# ----------------------------------------------------------------------- talking to planes
@dataclass
class Planes:
    """Sends requests to the emulator and validates every exchange against the specs."""

    emulator: PineconeEmulator
    client: httpx.Client
    index: str | None = None

    def control(self, method: str, path: str, version: str, expect: int | None, **kwargs: Any) -> httpx.Response:
        """A control-plane call; see :meth:`call`."""
        return self.call(CONTROL, self.emulator.control_plane_url, method, path, version, expect, **kwargs)

    def data(
        self, method: str, path: str, version: str, expect: int | None, *, index: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A call to the data plane of ``index`` (default: the test index); see :meth:`call`."""
        host = self.emulator.index_host(index or self.index or "")
        return self.call(DATA, f"http://{host}", method, path, version, expect, **kwargs)

    def call(
        self,
        api: str,
        base_url: str,
        method: str,
        path: str,
        version: str,
        expect: int | None,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Any = None,
        api_key: str | None = "test-key",
        check_request: bool = True,
        validate_as: Iterable[str] | None = None,
    ) -> httpx.Response:
        """Send the request; validate request (optional) and response; check the status.

        ``version`` goes into ``X-Pinecone-Api-Version`` and picks the spec; ``validate_as``
        overrides the spec versions (e.g. for an unknown version). ``api_key=None`` sends none;
        ``expect=None`` accepts any status the spec allows.
        """
        headers = {"X-Pinecone-Api-Version": version}
        if api_key is not None:
            headers["Api-Key"] = api_key
        response = self.client.request(
            method, base_url + path, json=json, content=content, params=params, headers=headers
        )
        host_url = CONTROL_SERVER if api == CONTROL else f"https://{response.request.url.netloc.decode()}"
        oa_request = HttpxOpenAPIRequest(response.request, host_url)
        versions = tuple(validate_as) if validate_as is not None else (version,)  # (): no spec has the answer
        if check_request:
            for spec_version in versions:
                try:
                    spec(api, spec_version).validate_request(oa_request)
                except Exception as exc:
                    pytest.fail(
                        f"test bug: the request {method} {path} is invalid for {api}_{spec_version}:\n"
                        + _describe_error(exc),
                        pytrace=False,
                    )
        check_response(api, versions, oa_request, response)
        if expect is not None and response.status_code != expect:
            hint = (
                " (the emulator has no such route)"
                if response.status_code in (404, 405)
                and ("Not Found:" in response.text or "Method Not Allowed" in response.text)
                else ""
            )
            pytest.fail(
                f"{method} {path} (API {version}): expected HTTP {expect}, got "
                f"{response.status_code}{hint}: {response.text[:400]}",
                pytrace=False,
            )
        return response

    def wait_import(
        self, version: str, import_id: str, until: Callable[[dict[str, Any]], bool], timeout: float = 15.0
    ) -> dict[str, Any]:
        """Poll describe_import (each answer validated) until ``until(model)``; bounded."""
        return wait_until(
            lambda: self.data("GET", f"/bulk/imports/{import_id}", version, 200).json(),
            until,
            timeout=timeout,
            interval=0.05,
            what=f"import {import_id} (API {version})",
        )


@pytest.fixture
def planes(pinecone_emulator: PineconeEmulator, pinecone_index: str) -> Iterable[Planes]:
    with httpx.Client(timeout=10.0) as client:
        yield Planes(pinecone_emulator, client, pinecone_index)


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def bucket(s3_server: Any, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A fresh bucket on the local S3 server, with the emulator's SDK defaults pointed at it."""
    created = new_bucket("s3", s3_server)
    created.use_sdk_defaults(monkeypatch)
    return created


def put_namespace(bucket: Bucket, prefix: str, namespace: str, rows: int = 20, start: int = 0) -> str:
    """Write one Parquet file of ``rows`` dense records for ``namespace``; returns the import URI."""
    bucket.put(f"{prefix}/{namespace}/part-0.parquet", dense_table(rows, DIMENSION, start=start, seed=start))
    return bucket.uri(prefix)


def _values(seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(DIMENSION)]


def vectors(n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` distinct dense vectors with metadata, as an UpsertRequest's ``vectors``."""
    return [
        {
            "id": f"v-{i}",
            "values": _values(i),
            "metadata": {"position": i, "group": "even" if i % 2 == 0 else "odd"},
        }
        for i in range(start, start + n)
    ]


# -------------------------------------------------------------------- the validator itself
def test_the_validator_rejects_what_it_should(planes: Planes) -> None:
    """Guards against a validator that passes everything (e.g. a server or path mismatch)."""
    response = planes.control("GET", f"/indexes/{planes.index}", "2026-07", 200)
    request = HttpxOpenAPIRequest(response.request, CONTROL_SERVER)

    def altered(change: Callable[[dict[str, Any]], None]) -> httpx.Response:
        body = copy.deepcopy(response.json())
        change(body)
        return httpx.Response(200, json=body, request=response.request)

    cases = {
        "missing required field": lambda b: b.pop("deployment"),
        "undeclared property (closed world)": lambda b: b.update(dimension=8),
        "value outside x-enum (closed world)": lambda b: b.update(deletion_protection="maybe"),
        "wrong type": lambda b: b.update(tags=["not", "an", "object"]),
    }
    slipped_through = []
    for name, change in cases.items():
        try:
            check_response(CONTROL, ["2026-07"], request, altered(change))
        except pytest.fail.Exception:
            continue
        slipped_through.append(name)
    # A 2025-10 IndexModel is not a 2026-07 one.
    old = planes.control("GET", f"/indexes/{planes.index}", "2025-10", 200)
    try:
        check_response(CONTROL, ["2026-07"], request, httpx.Response(200, json=old.json(), request=response.request))
    except pytest.fail.Exception:
        pass
    else:
        slipped_through.append("2025-10 IndexModel accepted as 2026-07")
    assert slipped_through == [], "the validator accepted invalid responses"


# --------------------------------------------------------------------------- control plane
def test_list_indexes(planes: Planes, version: str) -> None:
    body = planes.control("GET", "/indexes", version, 200).json()
    assert [i["name"] for i in body["indexes"]] == [planes.index]
    planes.emulator.delete_index(planes.index)
    assert planes.control("GET", "/indexes", version, 200).json() == {"indexes": []}


def _create_body(version: str, name: str, *, sparse: bool = False, **extra: Any) -> dict[str, Any]:
    if not traits(version).schema_indexes:
        body: dict[str, Any] = {"name": name, "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}
        body.update(
            {"vector_type": "sparse", "metric": "dotproduct"}
            if sparse
            else {"dimension": DIMENSION, "metric": "euclidean"}
        )
    else:
        fields = (
            {"_sparse_values": {"type": "sparse_vector"}}
            if sparse
            else {"_values": {"type": "dense_vector", "dimension": DIMENSION, "metric": "euclidean"}}
        )
        body = {
            "name": name,
            "schema": {"fields": fields},
            "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
        }
    body.update(extra)
    return body


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_create_describe_delete_index(planes: Planes, version: str, sparse: bool) -> None:
    name = "made-here"
    created = planes.control(
        "POST",
        "/indexes",
        version,
        201,
        json=_create_body(version, name, sparse=sparse, tags={"team": "data"}, deletion_protection="enabled"),
    )
    assert created.json()["name"] == name
    described = planes.control("GET", f"/indexes/{name}", version, 200).json()
    assert described["host"] == planes.emulator.index_host(name)
    assert {i["name"] for i in planes.control("GET", "/indexes", version, 200).json()["indexes"]} == {
        planes.index,
        name,
    }
    # Deletion protection: 403; the index's own data plane answers while it exists.
    planes.control("DELETE", f"/indexes/{name}", version, 403)
    planes.data("POST", "/describe_index_stats", version, 200, index=name, json={})
    planes.emulator.delete_index(name)
    planes.control("GET", f"/indexes/{name}", version, 404)
    planes.control("DELETE", f"/indexes/{planes.index}", version, 202)
    planes.control("DELETE", f"/indexes/{planes.index}", version, 404)


def test_create_index_errors(planes: Planes, version: str) -> None:
    planes.control("POST", "/indexes", version, 409, json=_create_body(version, planes.index))
    # Invalid bodies (deliberately outside the spec, so the request is not validated).
    planes.control("POST", "/indexes", version, 400, content=b"{not json", check_request=False)
    planes.control("POST", "/indexes", version, 400, json={"name": "no-spec"}, check_request=False)
    planes.control("POST", "/indexes", version, 400, json=_create_body(version, "Bad_Name"), check_request=False)


# ------------------------------------------------------------------------ errors at the edge
EDGE_OPERATIONS = [
    (CONTROL, "GET", "/indexes"),
    (CONTROL, "GET", "/indexes/test-index"),
    (CONTROL, "POST", "/indexes"),
    (DATA, "GET", "/bulk/imports"),
    (DATA, "POST", "/describe_index_stats"),
    (DATA, "GET", "/namespaces"),
    (DATA, "POST", "/query"),
]


def _edge_call(
    planes: Planes, plane: str, method: str, path: str, version: str, expect: int, **kwargs: Any
) -> httpx.Response:
    call = planes.control if plane == CONTROL else planes.data
    if method == "POST":
        kwargs["json"] = {}
    return call(method, path, version, expect, check_request=False, **kwargs)


@pytest.mark.parametrize("version_401", SUPPORTED_VERSIONS)
def test_unauthenticated(planes: Planes, version_401: str) -> None:
    for plane, method, path in EDGE_OPERATIONS:
        _edge_call(planes, plane, method, path, version_401, 401, api_key=None)


def test_unknown_api_version(planes: Planes) -> None:
    """An unknown version gets a 400 that is a valid error of the operation in either version."""
    for plane, method, path in EDGE_OPERATIONS:
        if (plane, method) == (CONTROL, "GET"):
            continue  # see test_unknown_api_version_on_control_plane_reads
        response = _edge_call(planes, plane, method, path, "1999-01", 400, validate_as=VERSIONS)
        assert "1999-01" in response.text


@pytest.mark.xfail(strict=True, reason="spec gap: list_indexes/describe_index declare no 400 in either version")
@pytest.mark.parametrize("path", ["/indexes", "/indexes/test-index"])
def test_unknown_api_version_on_control_plane_reads(planes: Planes, path: str) -> None:
    _edge_call(planes, CONTROL, "GET", path, "1999-01", 400, validate_as=VERSIONS)


def test_injected_faults(planes: Planes, version: str) -> None:
    for status in (429, 500, 503):
        planes.emulator.inject_faults(r"^/bulk/imports$", status, count=1, retry_after=1 if status == 429 else None)
        response = planes.data("GET", "/bulk/imports", version, status)
        assert (response.headers.get("Retry-After") == "1") == (status == 429)
    # Only 500 is declared on list_indexes in both specs; 429/503 are not (see the report).
    planes.emulator.inject_faults(r"^/indexes$", 500, count=1)
    planes.control("GET", "/indexes", version, 500)


# ---------------------------------------------------------------------------------- imports
def test_import_lifecycle(planes: Planes, version: str, bucket: Bucket) -> None:
    uri = put_namespace(bucket, "imports", "ns-a", rows=30)
    started = planes.data(
        "POST", "/bulk/imports", version, 200, json={"uri": uri, "errorMode": {"onError": "continue"}}
    ).json()
    final = planes.wait_import(version, started["id"], lambda m: m["status"] in TERMINAL)
    assert final["status"] == "Completed", final
    listed = planes.data("GET", "/bulk/imports", version, 200).json()
    assert [m["id"] for m in listed["data"]] == [started["id"]]
    # Cancelling a finished import changes nothing and still answers the spec's shape.
    planes.data("DELETE", f"/bulk/imports/{started['id']}", version, 200)


def test_import_reports_records_from_storage(planes: Planes, version: str, bucket: Bucket) -> None:
    uri = put_namespace(bucket, "imports", "ns-a", rows=30)
    started = planes.data("POST", "/bulk/imports", version, 200, json={"uri": uri}).json()
    final = planes.wait_import(version, started["id"], lambda m: m["status"] in TERMINAL)
    assert (final["status"], final["recordsImported"]) == ("Completed", 30), final


def test_failed_import(planes: Planes, version: str, bucket: Bucket) -> None:
    """A documented failure (no Parquet files under the URI) has the spec's Failed shape."""
    bucket.put("empty/ns-a/readme.txt", b"not parquet")
    started = planes.data("POST", "/bulk/imports", version, 200, json={"uri": bucket.uri("empty")}).json()
    final = planes.wait_import(version, started["id"], lambda m: m["status"] in TERMINAL)
    assert final["status"] == "Failed" and final.get("error"), final


def test_cancel_running_import(planes: Planes, version: str, bucket: Bucket) -> None:
    planes.emulator.set_import_behaviour(indexing_delay=30)
    uri = put_namespace(bucket, "imports", "ns-a")
    started = planes.data("POST", "/bulk/imports", version, 200, json={"uri": uri}).json()
    assert planes.data("GET", f"/bulk/imports/{started['id']}", version, 200).json()["status"] not in TERMINAL
    assert planes.data("DELETE", f"/bulk/imports/{started['id']}", version, 200).json() == {}
    planes.wait_import(version, started["id"], lambda m: m["status"] == "Cancelled", timeout=5)


def test_list_imports_pages(planes: Planes, version: str, bucket: Bucket) -> None:
    planes.emulator.set_import_behaviour(indexing_delay=30)  # keep them all listed as running
    ids = [
        planes.data(
            "POST",
            "/bulk/imports",
            version,
            200,
            json={"uri": put_namespace(bucket, f"run-{i}", f"ns-{i}", rows=5, start=100 * i)},
        ).json()["id"]
        for i in range(5)
    ]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    pages = 0
    while True:
        page = planes.data("GET", "/bulk/imports", version, 200, params=params).json()
        pages += 1
        seen += [m["id"] for m in page["data"]]
        token = (page.get("pagination") or {}).get("next")
        if not token:
            break
        assert pages < 10, "pagination does not end"
        params["paginationToken"] = token
    assert (seen, pages) == (ids, 3)
    for import_id in ids:
        planes.data("DELETE", f"/bulk/imports/{import_id}", version, 200)


def test_import_errors(planes: Planes, version: str) -> None:
    planes.data("GET", "/bulk/imports/999999", version, 404)
    planes.data("DELETE", "/bulk/imports/999999", version, 404)
    planes.data("POST", "/bulk/imports", version, 400, json={}, check_request=False)
    planes.data("POST", "/bulk/imports", version, 400, json={"uri": 42}, check_request=False)
    planes.data("POST", "/bulk/imports", version, 400, content=b"[1, 2", check_request=False)
    planes.data("POST", "/bulk/imports", version, 400, json={"uri": "ftp://bucket/dir"})
    planes.data(
        "POST",
        "/bulk/imports",
        version,
        400,
        json={"uri": "s3://bucket/dir", "errorMode": {"onError": "explode"}},
        check_request=False,
    )
    planes.data("GET", "/bulk/imports", version, 400, params={"limit": 0}, check_request=False)
    planes.data("GET", "/bulk/imports", version, 400, params={"paginationToken": "garbage!"})


# ------------------------------------------------------------------ stats, vectors, namespaces
def test_describe_index_stats_empty(planes: Planes, version: str) -> None:
    stats = planes.data("POST", "/describe_index_stats", version, 200, json={}).json()
    assert (stats["dimension"], stats["totalVectorCount"], stats["namespaces"]) == (DIMENSION, 0, {})


def test_upsert_then_stats_and_namespaces(planes: Planes, version: str) -> None:
    upserted = planes.data(
        "POST", "/vectors/upsert", version, 200, json={"vectors": vectors(10), "namespace": "alpha"}
    ).json()
    assert upserted == {"upsertedCount": 10}
    planes.data("POST", "/vectors/upsert", version, 200, json={"vectors": vectors(3, start=50)})  # __default__
    stats = planes.data("POST", "/describe_index_stats", version, 200, json={}).json()
    assert stats["totalVectorCount"] == 13
    assert {name: ns["vectorCount"] for name, ns in stats["namespaces"].items()} == {"alpha": 10, "__default__": 3}

    listed = planes.data("GET", "/namespaces", version, 200).json()
    assert {ns["name"] for ns in listed["namespaces"]} == {"alpha", "__default__"}
    first = planes.data("GET", "/namespaces", version, 200, params={"limit": 1}).json()
    assert len(first["namespaces"]) == 1 and first["pagination"]["next"]
    rest = planes.data(
        "GET", "/namespaces", version, 200, params={"limit": 1, "paginationToken": first["pagination"]["next"]}
    ).json()
    assert {ns["name"] for ns in first["namespaces"] + rest["namespaces"]} == {"alpha", "__default__"}

    described = planes.data("GET", "/namespaces/alpha", version, 200).json()
    assert described["name"] == "alpha" and int(described["record_count"]) == 10
    planes.data("GET", "/namespaces/missing", version, 404)


def test_fetch(planes: Planes, version: str) -> None:
    planes.data("POST", "/vectors/upsert", version, 200, json={"vectors": vectors(5), "namespace": "alpha"})
    fetched = planes.data(
        "GET",
        "/vectors/fetch",
        version,
        200,
        params=[("ids", "v-1"), ("ids", "v-3"), ("ids", "absent"), ("namespace", "alpha")],
    ).json()
    assert set(fetched["vectors"]) == {"v-1", "v-3"} and fetched["namespace"] == "alpha"
    assert fetched["vectors"]["v-3"]["metadata"] == {"position": 3, "group": "odd"}
    planes.data("GET", "/vectors/fetch", version, 200, params=[("ids", "v-1"), ("namespace", "nowhere")])
    planes.data("GET", "/vectors/fetch", version, 400, params={"namespace": "alpha"}, check_request=False)


def test_query(planes: Planes, version: str) -> None:
    data = vectors(20)
    planes.data("POST", "/vectors/upsert", version, 200, json={"vectors": data, "namespace": "alpha"})
    by_vector = planes.data(
        "POST",
        "/query",
        version,
        200,
        json={
            "namespace": "alpha",
            "topK": 3,
            "vector": data[7]["values"],
            "includeMetadata": True,
            "includeValues": True,
        },
    ).json()
    assert by_vector["matches"][0]["id"] == "v-7" and len(by_vector["matches"]) == 3
    by_id = planes.data("POST", "/query", version, 200, json={"namespace": "alpha", "topK": 2, "id": "v-4"}).json()
    assert by_id["matches"][0]["id"] == "v-4"
    planes.data("POST", "/query", version, 200, json={"namespace": "empty", "topK": 2, "vector": data[0]["values"]})


def test_vector_errors(planes: Planes, version: str) -> None:
    planes.data(
        "POST", "/vectors/upsert", version, 400, json={"vectors": [{"id": "short", "values": [0.1, 0.2]}]}
    )  # wrong dimension
    # Over 1,000 vectors: 2026-07 declares maxItems, so that request is invalid by its spec.
    planes.data("POST", "/vectors/upsert", version, 400, json={"vectors": vectors(1001)}, check_request=False)
    planes.data("POST", "/vectors/upsert", version, 400, json={"vectors": "nope"}, check_request=False)
    planes.data("POST", "/query", version, 400, json={"vector": [0.1] * DIMENSION}, check_request=False)  # no topK
    planes.data("POST", "/query", version, 400, json={"topK": 1, "vector": [0.1, 0.2]})  # wrong dimension


def test_upsert_size_limits(planes: Planes, version: str) -> None:
    """Both request limits are 400s in the data plane's shape: 1,000 vectors, and 2 MiB of body."""
    # Over 1,000 vectors: 2026-07 declares maxItems, so that request is invalid by its spec.
    too_many = planes.data(
        "POST", "/vectors/upsert", version, 400, json={"vectors": vectors(1001)}, check_request=False
    )
    assert "the maximum is 1000 per request" in too_many.json()["message"]
    # A valid request (80 vectors with 30 KB of metadata each, within every per-record limit) of 2.3 MiB.
    big = [dict(v, metadata={"text": "y" * 30_000}) for v in vectors(80)]
    too_big = planes.data("POST", "/vectors/upsert", version, 400, json={"vectors": big, "namespace": "big"})
    assert "exceeds the maximum supported size of 2MB" in too_big.json()["message"]
    assert planes.emulator.namespace_counts(planes.index or "") == {}


def test_upsert_rate_limited(planes: Planes, version: str) -> None:
    """Over the per-namespace rate, upsert answers a 429 rpcStatus with Retry-After, and writes nothing."""
    planes.emulator.set_upsert_limits(requests_per_second=1)
    statuses = []
    for start in range(0, 100, 2):  # until the first 429: two requests usually share a one-second window
        response = planes.data(
            "POST", "/vectors/upsert", version, None, json={"vectors": vectors(2, start=start), "namespace": "ns"}
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}, statuses
    body = response.json()
    assert (body["code"], response.headers["Retry-After"]) == (8, "1")  # RESOURCE_EXHAUSTED
    assert "namespace 'ns': at most 1 request per second" in body["message"]
    assert planes.emulator.namespace_counts(planes.index or "") == {"ns": 2 * (len(statuses) - 1)}


def test_stats_and_namespaces_after_import(planes: Planes, version: str, bucket: Bucket) -> None:
    uri = put_namespace(bucket, "imports", "ns-a", rows=12)
    put_namespace(bucket, "imports", "ns-b", rows=7, start=1000)
    started = planes.data("POST", "/bulk/imports", version, 200, json={"uri": uri}).json()
    planes.wait_import(version, started["id"], lambda m: m["status"] in TERMINAL)
    stats = planes.data("POST", "/describe_index_stats", version, 200, json={}).json()
    assert {k: v["vectorCount"] for k, v in stats["namespaces"].items()} == {"ns-a": 12, "ns-b": 7}
    listed = planes.data("GET", "/namespaces", version, 200).json()
    assert {ns["name"]: int(ns["record_count"]) for ns in listed["namespaces"]} == {"ns-a": 12, "ns-b": 7}


# -------------------------------------------------------- versions, protocol and strictness
def _spec_operations(api: str, version: str) -> frozenset[tuple[str, str]]:
    document = yaml.safe_load((SPEC_DIR / f"{api}_{version}.oas.yaml").read_text(encoding="utf-8"))
    methods = ("get", "post", "put", "patch", "delete")
    return frozenset((m.upper(), path) for path, item in document["paths"].items() for m in item if m in methods)


@pytest.mark.parametrize("plane", [Plane.CONTROL, Plane.DATA], ids=lambda p: p.value)
def test_version_table_lists_every_spec_operation(version: str, plane: Plane) -> None:
    """operations.py (what the emulator answers 501/405/404 by) is each vendored spec's operations."""
    api = CONTROL if plane is Plane.CONTROL else DATA
    assert traits(version).operations(plane) == _spec_operations(api, version)


def test_every_spec_operation_is_served_or_answers_501(planes: Planes, version: str) -> None:
    """No operation of a version's spec answers 404: a handler, or 501 in the API's error shape."""
    unimplemented = []
    for plane in (Plane.CONTROL, Plane.DATA):
        api = CONTROL if plane is Plane.CONTROL else DATA
        for method, template in sorted(traits(version).operations(plane)):
            path = template.replace("{", "probe-").replace("}", "")
            call = planes.control if plane is Plane.CONTROL else planes.data
            # A probe: not a valid request of each operation, and 501 is in no spec (checked below).
            body = b"{}" if method != "GET" else None
            response = call(method, path, version, None, check_request=False, validate_as=(), content=body)
            assert response.status_code != 404 or "probe" in response.text, (method, path, response.text)
            assert response.status_code not in (405, 500), (method, path, response.text)
            if response.status_code == 501:
                unimplemented.append(f"{method} {template}")
                error = response.json()
                if api == DATA and traits(version).error_shape(plane, path) is not Plane.CONTROL:
                    assert error["code"] == 12 and "does not implement" in error["message"]
                else:
                    assert error["status"] == 501 and "does not implement" in error["error"]["message"]
    # Collections and backups are not emulated in any version (README's differences list).
    assert "GET /collections" in unimplemented and "GET /backups" in unimplemented


def test_wrong_method_is_405_with_allow(planes: Planes, version: str) -> None:
    control = planes.control("PUT", "/indexes", version, 405, check_request=False, validate_as=())
    assert control.headers["Allow"] == "GET, POST"
    code = "UNKNOWN" if version == "2026-07" else "UNIMPLEMENTED"  # 2026-07's codes have no UNIMPLEMENTED
    assert control.json()["error"]["code"] == code and control.json()["status"] == 405
    data = planes.data("TRACE", "/query", version, 405, check_request=False, validate_as=())
    assert data.headers["Allow"] == "POST" and data.json()["code"] == 12
    # A literal path beats a template: /indexes/create-for-model is not an index name.
    assert planes.control("GET", "/indexes/create-for-model", version, 405, validate_as=()).headers["Allow"] == "POST"


def test_operations_follow_the_request_version(planes: Planes) -> None:
    """2025-04 has no create-namespace: 405 there, served in the versions that have it."""
    refused = planes.data(
        "POST", "/namespaces", "2025-04", 405, check_request=False, validate_as=(), json={"name": "n"}
    )
    assert refused.headers["Allow"] == "GET"
    planes.data("POST", "/namespaces", "2025-10", 200, json={"name": "n"})
    for version, status in (("2026-07", 501), ("2025-10", 404)):  # documents exist since 2026-07
        path = "/namespaces/x/documents/search"
        planes.data("POST", path, version, status, check_request=False, validate_as=(), json={})


def test_unknown_path_is_404_json(planes: Planes, version: str) -> None:
    assert planes.control("GET", "/nowhere", version, 404, validate_as=()).json()["error"]["code"] == "NOT_FOUND"
    assert planes.data("GET", "/nowhere", version, 404, validate_as=()).json()["code"] == 5


def test_missing_version_header_answers_in_the_default_version(planes: Planes) -> None:
    headers = {"Api-Key": "test-key"}
    model = planes.client.get(f"{planes.emulator.control_plane_url}/indexes/{planes.index}", headers=headers).json()
    assert DEFAULT_VERSION == "2025-10" and "spec" in model and "deployment" not in model
    host = planes.emulator.index_host(planes.index or "")
    planes.emulator.upsert(planes.index or "", "ns", [{"id": "a", "values": [0.5] * DIMENSION}])
    listed = planes.client.get(f"http://{host}/namespaces", headers=headers).json()
    assert listed["namespaces"] == [{"name": "ns", "record_count": 1}]  # an integer until 2026-07


def test_unknown_version_lists_the_supported_ones(planes: Planes) -> None:
    response = _edge_call(planes, DATA, "GET", "/bulk/imports", "2026-10", 400, validate_as=VERSIONS)
    assert all(v in response.json()["message"] for v in ("2025-04", "2025-10", "2026-04", "2026-07"))


@pytest.mark.parametrize("plane", [Plane.CONTROL, Plane.DATA], ids=lambda p: p.value)
def test_too_long_url_and_garbled_requests_are_json(planes: Planes, plane: Plane) -> None:
    url = (
        planes.emulator.control_plane_url
        if plane is Plane.CONTROL
        else f"http://{planes.emulator.index_host(planes.index or '')}"
    )
    host, port = url.removeprefix("http://").split(":")
    for target, status in ((b"/indexes?x=" + b"a" * 70_000, 414), (b"/indexes?x=" + b"a" * 40_000, 414)):
        answer = _raw_http(host, int(port), b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nApi-Key: k\r\n\r\n")
        assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:100]
        _assert_json_error(plane, answer, status)
    garbled = _raw_http(host, int(port), b"NOT HTTP AT ALL\r\n\r\n")
    assert garbled.startswith(b"HTTP/1.1 400 "), garbled[:100]
    _assert_json_error(plane, garbled, 400)


def _raw_http(host: str, port: int, request: bytes) -> bytes:
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):  # the server closes the connection after these errors
            chunks.append(chunk)
    return b"".join(chunks)


def _assert_json_error(plane: Plane, answer: bytes, status: int) -> None:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    error = json.loads(body)
    if plane is Plane.CONTROL:
        assert error["status"] == status and error["error"]["message"]
    else:
        assert error["code"] == 3 and error["message"] and error["details"] == []


def test_strict_validation_of_implemented_operations(planes: Planes, version: str, make_pinecone_index: Any) -> None:
    """The leniencies issue 12 found are 400s now, each in the operation's error shape."""
    ids = [("ids", f"id-{i}") for i in range(1001)]
    assert (
        "at most 1000 items" in planes.data("GET", "/vectors/fetch", version, 400, params=ids, check_request=False).text
    )
    planes.data("GET", "/namespaces", version, 400, params={"prefix": "p" * 513}, check_request=False)
    planes.data("POST", "/describe_index_stats", version, 400, check_request=False)  # no body
    query = {"topK": 1, "id": None, "vector": [0.1] * DIMENSION}
    assert "got null" in planes.data("POST", "/query", version, 400, json=query, check_request=False).text
    nulls = {"vectors": [{"id": "a", "values": [0.1] * DIMENSION, "sparseValues": None}]}
    planes.data("POST", "/vectors/upsert", version, 400, json=nulls, check_request=False)
    huge = {
        "vectors": [
            {"id": "a", "values": [0.1] * DIMENSION, "sparseValues": {"indices": [-(2**63) - 1], "values": [1]}}
        ]
    }
    planes.data("POST", "/vectors/upsert", version, 400, json=huge, check_request=False)  # found by schemathesis
    nul_key = {"vectors": [{"id": "a", "values": [0.1], "a\u0000b": 1}]}  # so was a key simdjson cannot look up
    planes.data("POST", "/vectors/upsert", version, 400, json=nul_key, check_request=False)
    if not traits(version).schema_indexes:
        body = _create_body(version, "typed", vector_type={})
        planes.control("POST", "/indexes", version, 400, json=body, check_request=False)
    assert planes.emulator.namespace_counts(planes.index or "") == {}


def test_sparse_against_dense_is_refused_the_same_way_everywhere(planes: Planes, version: str) -> None:
    """A cosine (dense) index refuses sparse values on query exactly as on upsert."""
    sparse = {"indices": [1, 5], "values": [0.5, 0.5]}
    upsert = {"vectors": [{"id": "s", "values": [0.1] * DIMENSION, "sparseValues": sparse}]}
    refused_upsert = planes.data("POST", "/vectors/upsert", version, 400, json=upsert).json()
    refused_query = planes.data("POST", "/query", version, 400, json={"topK": 1, "sparseVector": sparse}).json()
    assert refused_query == refused_upsert
