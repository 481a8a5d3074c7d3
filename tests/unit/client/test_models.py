from __future__ import annotations

from datetime import UTC

import pytest

from airflow_provider_pinecone.client import TERMINAL_STATUSES, ImportModel, ImportStatus, IndexModel, IndexStats


def test_import_model_parses_camel_case_wire_format():
    imp = ImportModel.from_api(
        {
            "id": "101",
            "uri": "s3://bucket/dir",
            "status": "InProgress",
            "createdAt": "2024-08-19T20:49:00.754Z",
            "percentComplete": 42.2,
            "recordsImported": 1000000,
            "validationResult": {"importSuccesses": 3},  # a 2026-07 field we do not model
        }
    )
    assert imp.id == "101"
    assert imp.status is ImportStatus.IN_PROGRESS
    assert imp.created_at.tzinfo is not None and imp.created_at.astimezone(UTC).hour == 20
    assert imp.percent_complete == 42.2 and imp.records_imported == 1_000_000
    assert imp.finished_at is None and imp.error is None and not imp.is_terminal


def test_import_model_accepts_snake_case_and_missing_optional_fields():
    imp = ImportModel.from_api({"id": 7, "status": "Failed", "error": "User error: boom", "percent_complete": 0})
    assert imp.id == "7" and imp.status is ImportStatus.FAILED and imp.is_terminal
    assert imp.uri is None and imp.records_imported is None
    assert imp.to_dict()["status"] == "Failed" and imp.to_dict()["error"] == "User error: boom"


def test_unknown_status_is_kept_and_not_terminal():
    imp = ImportModel.from_api({"id": "1", "status": "Validating"})
    assert imp.status == "Validating" and not imp.is_terminal


def test_terminal_set():
    assert TERMINAL_STATUSES == {ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.CANCELLED}


def test_to_dict_is_plain_json():
    import json

    imp = ImportModel.from_api({"id": "1", "status": "Completed", "createdAt": "2025-08-21T11:29:47.886797+00:00"})
    assert json.loads(json.dumps(imp.to_dict()))["created_at"].startswith("2025-08-21T11:29:47")


INDEX_2025_10 = {
    "name": "docs",
    "dimension": 1536,
    "metric": "cosine",
    "host": "docs-abc.svc.aped-1.pinecone.io",
    "spec": {"serverless": {"cloud": "gcp", "region": "us-central1", "read_capacity": {"mode": "OnDemand"}}},
    "status": {"ready": True, "state": "Ready"},
    "vector_type": "dense",
    "deletion_protection": "disabled",
}

INDEX_2026_07 = {
    "name": "docs",
    "host": "docs-abc.svc.aped-1.pinecone.io",
    "status": {"ready": False, "state": "Initializing"},
    "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1", "environment": "aped-1"},
    "schema": {
        "fields": {
            "_values": {"type": "dense_vector", "dimension": 768, "metric": "dotproduct"},
            "_sparse_values": {"type": "sparse_vector"},
        }
    },
    "deletion_protection": "disabled",
}


def test_index_model_2025_10_shape():
    index = IndexModel.from_api(INDEX_2025_10)
    assert (index.cloud, index.region, index.dimension, index.metric) == ("gcp", "us-central1", 1536, "cosine")
    assert index.serverless and index.ready and index.vector_type == "dense" and not index.integrated_embedding


def test_index_model_2026_07_shape_dense_reports_both_vector_fields():
    index = IndexModel.from_api(INDEX_2026_07)
    assert (index.cloud, index.region, index.dimension, index.metric) == ("aws", "us-east-1", 768, "dotproduct")
    assert index.vector_type == "dense" and index.serverless and not index.ready and index.state == "Initializing"


def test_index_model_2026_07_sparse_and_integrated():
    sparse = dict(INDEX_2026_07, schema={"fields": {"_sparse_values": {"type": "sparse_vector"}}})
    assert IndexModel.from_api(sparse).vector_type == "sparse"
    semantic = dict(
        INDEX_2026_07,
        schema={"fields": {"text": {"type": "semantic_text", "model": "multilingual-e5-large", "dimension": 1024}}},
    )
    index = IndexModel.from_api(semantic)
    assert index.integrated_embedding and index.embedding_model == "multilingual-e5-large" and index.dimension == 1024
    assert index.vector_type == "dense"
    sparse_model = dict(
        INDEX_2026_07, schema={"fields": {"text": {"type": "semantic_text", "model": "pinecone-sparse-english-v0"}}}
    )
    assert IndexModel.from_api(sparse_model).vector_type == "sparse"


def test_index_model_2025_10_pod_and_integrated():
    pod = dict(INDEX_2025_10, spec={"pod": {"environment": "us-east-1-aws", "pod_type": "p1.x1"}})
    assert not IndexModel.from_api(pod).serverless
    embedded = dict(INDEX_2025_10, embed={"model": "llama-text-embed-v2", "field_map": {"text": "t"}})
    assert IndexModel.from_api(embedded).integrated_embedding


@pytest.mark.parametrize(
    "body",
    [
        {"namespaces": {"a": {"vectorCount": 3}, "b": {"vectorCount": 4}}, "dimension": 8, "totalVectorCount": 7},
        {"namespaces": {"a": {"vectorCount": 3}, "b": {"vectorCount": 4}}, "dimension": 8},
    ],
)
def test_index_stats(body):
    stats = IndexStats.from_api(body)
    assert stats.namespaces == {"a": 3, "b": 4} and stats.total_vector_count == 7 and stats.dimension == 8
