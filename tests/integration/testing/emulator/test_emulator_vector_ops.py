"""The emulator's record maintenance over HTTP: delete, update, list ids, fetch by metadata, namespaces.

Driven with plain HTTP (exact wire shapes and error bodies) and with Pinecone's own SDK 10.2.0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pinecone import Pinecone
from pinecone.errors import NotFoundError

from airflow_provider_pinecone.testing.datasets import dense_table
from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from tests.integration.buckets import new_bucket
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

VERSIONS = ("2025-10", "2026-07")


def headers(version: str = "2026-07") -> dict[str, str]:
    return {"Api-Key": "k", "X-Pinecone-Api-Version": version}


class Plane:
    """HTTP calls to one index's data plane in one API version."""

    def __init__(self, url: str, http: httpx.Client, version: str = "2026-07") -> None:
        self.url, self.http, self.version = url, http, version

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.http.post(self.url + path, json=body, headers=headers(self.version))

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(self.url + path, params=params, headers=headers(self.version))

    def delete(self, path: str) -> httpx.Response:
        return self.http.delete(self.url + path, headers=headers(self.version))

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.post(path, body) if method == "POST" else getattr(self, method.lower())(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def refused(self, path: str, body: Any, status: int = 400) -> str:
        response = self.post(path, body)
        assert response.status_code == status, response.text
        error = response.json()
        assert set(error) == {"code", "message", "details"}  # rpcStatus
        return error["message"]

    def ids(self, namespace: str = "ns") -> list[str]:
        return [v["id"] for v in self.ok("GET", "/vectors/list", namespace=namespace)["vectors"]]

    def fetch(self, *ids: str, namespace: str = "ns") -> dict[str, Any]:
        params = [("ids", i) for i in ids] + [("namespace", namespace)]
        response = self.http.get(self.url + "/vectors/fetch", params=params, headers=headers(self.version))
        return response.json()["vectors"]


def record(i: int, **metadata: Any) -> dict[str, Any]:
    return {"id": f"rec-{i:02d}", "values": [float(i), 1.0, 0.0], "metadata": {"n": i, "even": i % 2 == 0, **metadata}}


@pytest.fixture
def make_plane(
    pinecone_emulator: PineconeEmulator, make_pinecone_index: Callable[..., str]
) -> Iterator[Callable[..., Plane]]:
    with httpx.Client() as http:  # one keep-alive connection per data plane for the whole test

        def make(version: str = "2026-07", **index: Any) -> Plane:
            index.setdefault("dimension", 3)
            return Plane(f"http://{pinecone_emulator.index_host(make_pinecone_index(**index))}", http, version)

        yield make


@pytest.fixture(params=VERSIONS)
def plane(request: pytest.FixtureRequest, make_plane: Callable[..., Plane]) -> Plane:
    """A dense dotproduct index holding rec-00..rec-09 in namespace ``ns``."""
    made = make_plane(request.param, metric="dotproduct")
    assert made.ok("POST", "/vectors/upsert", {"vectors": [record(i) for i in range(10)], "namespace": "ns"}) == {
        "upsertedCount": 10
    }
    return made


# ------------------------------------------------------------------------------------- delete
def test_delete_by_ids_filter_and_all_keeps_the_namespace(plane: Plane) -> None:
    assert plane.ok("POST", "/vectors/delete", {"ids": ["rec-00", "rec-01", "missing"], "namespace": "ns"}) == {}
    assert plane.ids() == [f"rec-{i:02d}" for i in range(2, 10)]

    plane.ok("POST", "/vectors/delete", {"filter": {"n": {"$gte": 7}}, "namespace": "ns"})
    assert plane.ids() == [f"rec-{i:02d}" for i in range(2, 7)]

    plane.ok("POST", "/vectors/delete", {"deleteAll": True, "namespace": "ns"})
    assert plane.ids() == []
    # deleteAll empties the namespace but leaves it (only DELETE /namespaces/{ns} removes it).
    assert plane.ok("GET", "/namespaces/ns")["name"] == "ns"
    stats = plane.ok("POST", "/describe_index_stats", {})
    assert stats["namespaces"] == {"ns": {"vectorCount": 0}} and stats["totalVectorCount"] == 0


def test_delete_in_a_missing_namespace_is_404_like_pinecone(plane: Plane) -> None:
    for body in ({"ids": ["rec-00"]}, {"deleteAll": True}, {"filter": {"n": 1}}):
        message = plane.refused("/vectors/delete", {**body, "namespace": "nowhere"}, status=404)
        assert "Namespace not found" in message and "nowhere" in message
    assert len(plane.ids()) == 10  # nothing else was touched


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"namespace": "ns"}, "exactly one of ids, filter or deleteAll"),
        ({"deleteAll": False, "namespace": "ns"}, "exactly one of ids, filter or deleteAll"),
        ({"ids": ["rec-00"], "deleteAll": True, "namespace": "ns"}, "got ids and deleteAll"),
        ({"ids": ["rec-00"], "filter": {"n": 0}, "namespace": "ns"}, "got ids and filter"),
        ({"ids": [], "namespace": "ns"}, "1 to 1000 ids, got 0 ids"),
        ({"ids": [f"i{i}" for i in range(1001)], "namespace": "ns"}, "got 1001 ids"),
        ({"ids": [None], "namespace": "ns"}, "ids[0] must be a string of 1 to 512"),
        ({"ids": ["x" * 513], "namespace": "ns"}, "ids[0] must be a string of 1 to 512"),
        ({"filter": {}, "namespace": "ns"}, "filter must be a non-empty object"),
        ({"filter": {"n": {"$near": 1}}, "namespace": "ns"}, "Unsupported filter operator '$near'"),
        ({"deleteAll": "yes", "namespace": "ns"}, "deleteAll must be true or false"),
    ],
)
def test_invalid_deletes_name_the_mistake_and_delete_nothing(plane: Plane, body: dict, expected: str) -> None:
    assert expected in plane.refused("/vectors/delete", body)
    assert len(plane.ids()) == 10


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"n": {"$in": 5}}, "n.$in takes an array of at most 10000 strings, numbers or booleans, got int"),
        ({"n": {"$nin": [{"a": 1}]}}, "n.$nin takes an array"),
        ({"n": {"$gt": "5"}}, "n.$gt takes a number, got str"),
        ({"n": {"$eq": {"a": 1}}}, "n.$eq takes a string, number or boolean, got dict"),
        ({"n": {"$exists": "yes"}}, "n.$exists takes true or false"),
        ({"n": [1, 2]}, "n.$eq takes a string, number or boolean, got list"),
        ({"$and": [{"n": {"$lte": None}}]}, "n.$lte takes a number, got NoneType"),
    ],
)
def test_filters_with_operands_their_operator_cannot_take_are_400s(plane: Plane, filter_: dict, expected: str) -> None:
    # Refused while parsing, on every operation that filters, before any record is compared.
    assert expected in plane.refused("/vectors/delete", {"filter": filter_, "namespace": "ns"})
    assert expected in plane.refused("/query", {"filter": filter_, "namespace": "ns", "topK": 1, "id": "rec-01"})
    body = {"filter": filter_, "namespace": "ns", "setMetadata": {"a": 1}}
    assert expected in plane.refused("/vectors/update", body)
    assert len(plane.ids()) == 10


# ------------------------------------------------------------------------------------- update
def test_update_by_id_replaces_values_and_merges_metadata(plane: Plane) -> None:
    body = {"id": "rec-03", "values": [9.0, 9.0, 9.0], "setMetadata": {"n": 30, "new": "yes"}, "namespace": "ns"}
    assert plane.ok("POST", "/vectors/update", body) == {}
    updated = plane.fetch("rec-03")["rec-03"]
    assert updated["values"] == [9.0, 9.0, 9.0]
    assert updated["metadata"] == {"n": 30, "even": False, "new": "yes"}

    sparse = {"id": "rec-03", "sparseValues": {"indices": [4, 7], "values": [0.5, 0.25]}, "namespace": "ns"}
    plane.ok("POST", "/vectors/update", sparse)
    updated = plane.fetch("rec-03")["rec-03"]
    assert updated["sparseValues"] == {"indices": [4, 7], "values": [0.5, 0.25]} and updated["values"] == [9.0] * 3

    # An unknown id changes nothing and creates nothing.
    assert plane.ok("POST", "/vectors/update", {"id": "ghost", "setMetadata": {"a": 1}, "namespace": "ns"}) == {}
    assert plane.fetch("ghost") == {}


def test_update_by_filter_counts_and_merges_metadata(plane: Plane) -> None:
    dry = {"filter": {"even": True}, "setMetadata": {"tag": "x"}, "dryRun": True, "namespace": "ns"}
    assert plane.ok("POST", "/vectors/update", dry) == {"matchedRecords": 5}
    assert "tag" not in plane.fetch("rec-00")["rec-00"]["metadata"]

    wet = {"filter": {"even": True}, "setMetadata": {"tag": "x"}, "namespace": "ns"}
    assert plane.ok("POST", "/vectors/update", wet) == {"matchedRecords": 5}
    tagged = plane.ok("POST", "/vectors/fetch_by_metadata", {"filter": {"tag": "x"}, "namespace": "ns"})["vectors"]
    assert sorted(tagged) == ["rec-00", "rec-02", "rec-04", "rec-06", "rec-08"]
    assert tagged["rec-04"]["metadata"] == {"n": 4, "even": True, "tag": "x"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"setMetadata": {"a": 1}}, "exactly one of id"),
        ({"id": "rec-00", "filter": {"n": 0}, "setMetadata": {"a": 1}}, "exactly one of id"),
        ({"id": "rec-00"}, "at least one of values, sparseValues or setMetadata"),
        ({"filter": {"n": 0}, "values": [1.0, 2.0, 3.0]}, "update values by id instead"),
        ({"filter": {"n": 0}}, "needs setMetadata"),
        ({"id": "rec-00", "values": [1.0, 2.0]}, "Vector dimension 2 does not match the dimension of the index 3"),
        ({"id": "rec-00", "values": [1.0, "2", 3.0]}, "values must be an array of finite numbers"),
        ({"id": "rec-00", "setMetadata": {"$bad": 1}}, "may not begin with '$'"),
        ({"id": "rec-00", "setMetadata": {"big": "x" * 41_000}}, "exceeds the limit of 40960 bytes"),
        ({"id": "x" * 513, "setMetadata": {"a": 1}}, "id must be a string of 1 to 512"),
        ({"id": "rec-00", "sparseValues": {"indices": [1], "values": []}}, "same length"),
    ],
)
def test_invalid_updates_are_refused_and_change_nothing(plane: Plane, body: dict, expected: str) -> None:
    before = plane.fetch("rec-00")
    assert expected in plane.refused("/vectors/update", {**body, "namespace": "ns"})
    assert plane.fetch("rec-00") == before


def test_update_by_filter_needs_a_version_that_has_it(make_plane: Callable[..., Plane]) -> None:
    old = make_plane("2025-04")  # its UpdateRequest has no filter or dryRun
    old.ok("POST", "/vectors/upsert", {"vectors": [record(1)], "namespace": "ns"})
    body = {"filter": {"n": 1}, "setMetadata": {"a": 1}, "namespace": "ns"}
    assert "needs API version 2025-10 or later" in old.refused("/vectors/update", body)
    assert old.ok("POST", "/vectors/update", {"id": "rec-01", "setMetadata": {"a": 1}, "namespace": "ns"}) == {}


def test_update_refuses_what_the_index_type_refuses_on_upsert(make_plane: Callable[..., Plane]) -> None:
    cosine = make_plane()  # dense cosine: sparse values only go to dotproduct indexes
    cosine.ok("POST", "/vectors/upsert", {"vectors": [record(1)], "namespace": "ns"})
    sparse_update = {"id": "rec-01", "sparseValues": {"indices": [1], "values": [1.0]}, "namespace": "ns"}
    assert "only supported for indexes with the dotproduct metric" in cosine.refused("/vectors/update", sparse_update)

    sparse = make_plane(vector_type="sparse", dimension=None)
    upsert = {"vectors": [{"id": "s", "sparseValues": {"indices": [1], "values": [1.0]}}], "namespace": "ns"}
    sparse.ok("POST", "/vectors/upsert", upsert)
    dense_update = {"id": "s", "values": [1.0, 2.0, 3.0], "namespace": "ns"}
    assert "dense vectors is not supported for sparse indexes" in sparse.refused("/vectors/update", dense_update)


# ---------------------------------------------------------------------------------- list ids
def test_list_ids_sorted_by_code_point_with_prefix_and_pages(plane: Plane) -> None:
    extra = [{"id": name, "values": [1.0, 0.0, 0.0]} for name in ("doc#b", "doc#a", "Doc#c", "doc#ä")]
    plane.ok("POST", "/vectors/upsert", {"vectors": extra, "namespace": "ns"})
    # Bitwise ("C") order: uppercase before lowercase, non-ASCII last.
    assert [i for i in plane.ids() if "#" in i] == ["Doc#c", "doc#a", "doc#b", "doc#ä"]

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params = {"namespace": "ns", "prefix": "rec-", "limit": 3, **({"paginationToken": token} if token else {})}
        page = plane.ok("GET", "/vectors/list", **params)
        assert page["namespace"] == "ns" and page["usage"] == {"readUnits": 1}
        seen += [v["id"] for v in page["vectors"]]
        pages += 1
        token = page.get("pagination", {}).get("next")
        if token is None:
            break
    assert seen == [f"rec-{i:02d}" for i in range(10)] and pages == 4
    assert plane.ok("GET", "/vectors/list", namespace="nowhere")["vectors"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"limit": 0}, "limit must be an integer from 1 to 100"),
        ({"limit": 101}, "limit must be an integer from 1 to 100"),
        ({"prefix": "p" * 513}, "prefix must be at most 512 characters"),
        ({"paginationToken": "%%%"}, "Invalid paginationToken"),
    ],
)
def test_list_ids_refuses_bad_parameters(plane: Plane, params: dict, expected: str) -> None:
    response = plane.get("/vectors/list", namespace="ns", **params)
    assert response.status_code == 400 and expected in response.json()["message"]


# ------------------------------------------------------------------------- fetch by metadata
def test_fetch_by_metadata_filters_and_pages_in_id_order(plane: Plane) -> None:
    body: dict[str, Any] = {"filter": {"n": {"$lt": 5}}, "namespace": "ns", "limit": 2}
    ids: list[str] = []
    while True:
        page = plane.ok("POST", "/vectors/fetch_by_metadata", body)
        assert page["namespace"] == "ns" and page["usage"] == {"readUnits": 1}
        ids += list(page["vectors"])
        if "pagination" not in page:
            break
        body["paginationToken"] = page["pagination"]["next"]
    assert ids == [f"rec-{i:02d}" for i in range(5)]
    one = plane.ok("POST", "/vectors/fetch_by_metadata", {"filter": {"n": 7}, "namespace": "ns"})["vectors"]
    assert one == {"rec-07": {"id": "rec-07", "values": [7.0, 1.0, 0.0], "metadata": {"n": 7, "even": False}}}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, "filter is required"),
        ({"filter": {}}, "filter must be a non-empty object"),
        ({"filter": {"n": 1}, "limit": 0}, "limit must be an integer from 1 to 10000"),
        ({"filter": {"n": 1}, "limit": 10_001}, "limit must be an integer from 1 to 10000"),
        ({"filter": {"n": 1}, "paginationToken": 5}, "paginationToken must be a string"),
    ],
)
def test_fetch_by_metadata_refuses_bad_requests(plane: Plane, body: dict, expected: str) -> None:
    assert expected in plane.refused("/vectors/fetch_by_metadata", {**body, "namespace": "ns"})


# -------------------------------------------------------------------------------- namespaces
def test_create_describe_list_and_delete_a_namespace(plane: Plane) -> None:
    count = "0" if plane.version == "2026-07" else 0
    assert plane.ok("POST", "/namespaces", {"name": "fresh"}) == {"name": "fresh", "record_count": count}
    assert plane.ok("GET", "/namespaces/fresh") == {"name": "fresh", "record_count": count}
    assert [n["name"] for n in plane.ok("GET", "/namespaces")["namespaces"]] == ["fresh", "ns"]
    assert "already exists" in plane.refused("/namespaces", {"name": "fresh"}, status=409)

    schema = {"fields": {"genre": {"filterable": True}}}
    assert plane.ok("POST", "/namespaces", {"name": "typed", "schema": schema})["schema"] == schema

    assert plane.ok("DELETE", "/namespaces/ns") == {}
    assert plane.get("/namespaces/ns").status_code == 404
    assert plane.ids() == []  # the records went with it
    gone = plane.delete("/namespaces/ns")
    assert gone.status_code == 404 and "Namespace not found" in gone.json()["message"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, "name must be a namespace name of 1 to 512 ASCII characters"),
        ({"name": ""}, "name must be a namespace name"),
        ({"name": "ns-é"}, "ASCII"),
        ({"name": "x" * 513}, "1 to 512"),
        ({"name": "__default__"}, "__default__ is reserved"),
        ({"name": "a", "schema": {"fields": {"g": {"filterable": False}}}}, "Only filterable: true is supported"),
        ({"name": "a", "schema": {"fields": {f"f{i}": {"filterable": True} for i in range(51)}}}, "at most 50"),
        ({"name": "a", "schema": {}}, "schema must be an object like"),
    ],
)
def test_create_namespace_refuses_bad_requests(plane: Plane, body: dict, expected: str) -> None:
    assert expected in plane.refused("/namespaces", body)


# ------------------------------------------------------------------------------ Pinecone SDK
@pytest.fixture
def sdk_index(pinecone_emulator: PineconeEmulator, make_plane: Callable[..., Plane]) -> Iterator[Any]:
    plane = make_plane(metric="dotproduct")
    with Pinecone(api_key="k", host=pinecone_emulator.control_plane_url) as pc, pc.Index(host=plane.url) as index:
        yield index


def test_pinecone_sdk_maintains_records(sdk_index: Any) -> None:
    sdk_index.upsert(vectors=[record(i) for i in range(6)], namespace="ns")
    assert [v.id for page in sdk_index.list(prefix="rec-0", limit=4, namespace="ns") for v in page.vectors] == [
        f"rec-{i:02d}" for i in range(6)
    ]
    sdk_index.update(id="rec-01", set_metadata={"colour": "red"}, namespace="ns")
    assert sdk_index.update(filter={"even": True}, set_metadata={"colour": "blue"}, namespace="ns").matched_records == 3
    found = sdk_index.fetch_by_metadata(filter={"colour": "red"}, namespace="ns")
    assert list(found.vectors) == ["rec-01"]

    sdk_index.delete(ids=["rec-00"], namespace="ns")
    sdk_index.delete(filter={"colour": "blue"}, namespace="ns")
    remaining = [v.id for page in sdk_index.list(namespace="ns") for v in page.vectors]
    assert remaining == ["rec-01", "rec-03", "rec-05"]
    with pytest.raises(NotFoundError):
        sdk_index.delete(delete_all=True, namespace="never-written")

    sdk_index.create_namespace(name="empty")
    assert sdk_index.describe_namespace(name="empty").record_count == 0
    sdk_index.delete_namespace(name="ns")
    with pytest.raises(NotFoundError):
        sdk_index.describe_namespace(name="ns")


# ------------------------------------------------------------- delete before importing again
def test_only_deleting_the_namespace_makes_room_for_importing_it_again(
    pinecone_emulator: PineconeEmulator,
    make_plane: Callable[..., Plane],
    s3_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plane = make_plane()
    plane.ok("POST", "/vectors/upsert", {"vectors": [record(1)], "namespace": "ns"})
    pinecone_emulator.set_import_behaviour(indexing_delay=0.0, file_delay=0.0)
    bucket = new_bucket("s3", s3_server)
    bucket.use_sdk_defaults(monkeypatch)
    bucket.put("reload/ns/part-0.parquet", dense_table(4, 3, start=100, seed=1))

    def import_status() -> dict[str, Any]:
        started = plane.ok("POST", "/bulk/imports", {"uri": bucket.uri("reload"), "errorMode": {"onError": "abort"}})
        return wait_until(
            lambda: plane.ok("GET", f"/bulk/imports/{started['id']}"),
            lambda model: model["status"] in ("Completed", "Failed", "Cancelled"),
            timeout=15,
            what="the import to end",
        )

    plane.ok("POST", "/vectors/delete", {"deleteAll": True, "namespace": "ns"})  # empty, but still there
    refused = import_status()
    assert refused["status"] == "Failed" and "already exists" in refused["error"]

    plane.ok("DELETE", "/namespaces/ns")
    assert import_status()["status"] == "Completed"
    assert plane.ids() == [f"rec-{i}" for i in range(100, 104)]
