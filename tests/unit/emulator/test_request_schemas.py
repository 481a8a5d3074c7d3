"""The emulator's request-schema check: what it refuses, with which message, and what it lets through."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import QueryParams

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, Plane
from airflow_provider_pinecone.testing.emulator.operations import CONTROL_2025_04, DATA_2026_07, methods_for_path
from airflow_provider_pinecone.testing.emulator.request_schemas import (
    CONFIGURE_INDEX_REQUEST_SPEC,
    CREATE_INDEX_REQUEST_SPEC,
    DATA_QUERIES,
    NO_NULL_MEMBERS,
    QUERY_REQUEST,
)
from airflow_provider_pinecone.testing.emulator.validation import check_query_params, check_schema
from airflow_provider_pinecone.testing.emulator.versions import VERSIONS

SERVERLESS = {"serverless": {"cloud": "aws", "region": "us-east-1"}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"vector": [0.1]}, "Missing required field topK."),
        ({"topK": 1}, "needs one of vector, id, sparseVector"),
        ({"topK": 1, "id": "a", "vector": [0.1]}, "takes id or vector, not both"),
        ({"topK": 1, "id": None, "vector": [0.1]}, "id must be a string, got null; omit it instead."),
        ({"topK": True, "vector": [0.1]}, "topK must be an integer"),
        ({"topK": 10001, "vector": [0.1]}, "topK must be an integer from 1 to 10000, got 10001."),
        ({"topK": 1, "vector": []}, "vector must have at least 1 items, got 0."),
        ({"topK": 1, "id": "é"}, "id must contain only ASCII characters"),
        ({"topK": 1, "sparseVector": {"indices": [-1], "values": [1.0]}}, "sparseVector.indices[0] must be"),
        ({"topK": 1, "vector": [0.1], "includeValues": "yes"}, "includeValues must be true or false"),
    ],
)
def test_query_requests_refused_with_a_message_naming_the_field(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        check_schema(body, QUERY_REQUEST, "")
    assert message in refused.value.message


def test_vector_numbers_are_left_to_the_numpy_check() -> None:
    # The element types of vectors are not walked here (a 768-float vector costs one isinstance).
    check_schema({"topK": 1, "vector": ["not", "numbers"]}, QUERY_REQUEST, "")


def test_create_and_configure_index_bodies() -> None:
    check_schema({"name": "ok", "dimension": 8, "spec": SERVERLESS}, CREATE_INDEX_REQUEST_SPEC, "")
    for body, message in [
        ({"name": "x", "spec": SERVERLESS, "vector_type": {}}, "vector_type must be a string, got dict {}."),
        ({"name": "x", "spec": {"serverless": {"cloud": "aws"}}}, "Missing required field spec.serverless.region."),
        ({"name": "x", "spec": SERVERLESS, "tags": {"a": 1}}, "tags.a must be a string"),
    ]:
        with pytest.raises(InvalidArgument, match=message.replace(".", r"\.").replace("{", r"\{").replace("}", r"\}")):
            check_schema(body, CREATE_INDEX_REQUEST_SPEC, "")
    # read_capacity: OnDemand takes nothing else, Dedicated needs its settings.
    on_demand = {"spec": {"serverless": {"read_capacity": {"mode": "OnDemand", "extra": 1}}}}
    with pytest.raises(InvalidArgument, match="Unknown field spec.serverless.read_capacity.extra"):
        check_schema(on_demand, CONFIGURE_INDEX_REQUEST_SPEC, "")
    dedicated = {"spec": {"serverless": {"read_capacity": {"mode": "Dedicated"}}}}
    with pytest.raises(InvalidArgument, match="Missing required field spec.serverless.read_capacity.dedicated"):
        check_schema(dedicated, CONFIGURE_INDEX_REQUEST_SPEC, "")
    # A member named like the discriminator's value lookup key is no variant.
    check_schema({"": {"mode": "x"}, "tags": {}}, CONFIGURE_INDEX_REQUEST_SPEC, "")


def test_null_members_refused_where_the_handler_reads_null_as_absent() -> None:
    with pytest.raises(InvalidArgument, match="filter must not be null"):
        check_schema({"filter": None, "ids": ["a"]}, NO_NULL_MEMBERS, "")
    check_schema({"ids": ["a"]}, NO_NULL_MEMBERS, "")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("&".join(f"ids=i{i}" for i in range(1001)), "ids must have at most 1000 items, got 1001: split the request."),
        ("ids=" + "a" * 513, "ids[0] must have at most 512 characters"),
        ("ids=", "ids[0] must have at least 1 characters"),
    ],
)
def test_fetch_query_parameters(query: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        check_query_params(QueryParams(query), DATA_QUERIES[("GET", "/vectors/fetch")])


def test_list_namespaces_query_parameters() -> None:
    schemas = DATA_QUERIES[("GET", "/namespaces")]
    check_query_params(QueryParams("limit=100&prefix=" + "p" * 512), schemas)
    with pytest.raises(InvalidArgument, match="prefix must have at most 512 characters, got 513"):
        check_query_params(QueryParams("prefix=" + "p" * 513), schemas)
    with pytest.raises(InvalidArgument, match="limit must be an integer from 1 to 100, got 'ten'"):
        check_query_params(QueryParams("limit=ten"), schemas)


def test_literal_spec_paths_beat_templates() -> None:
    assert methods_for_path(CONTROL_2025_04, "/indexes/create-for-model") == {"POST"}
    assert methods_for_path(CONTROL_2025_04, "/indexes/my-index") == {"GET", "DELETE", "PATCH"}
    assert methods_for_path(DATA_2026_07, "/namespaces/ns/documents/search") == {"POST"}
    assert methods_for_path(DATA_2026_07, "/nowhere") == set()


def test_error_shapes_per_version() -> None:
    # 2026-07 answers errors of its records and documents endpoints as ErrorResponse.
    assert VERSIONS["2026-07"].error_shape(Plane.DATA, "/records/namespaces/ns/search") is Plane.CONTROL
    assert VERSIONS["2026-07"].error_shape(Plane.DATA, "/vectors/upsert") is Plane.DATA
    assert VERSIONS["2025-10"].error_shape(Plane.DATA, "/records/namespaces/ns/search") is Plane.DATA
