"""Deleting a namespace through PineconeHook and DeleteNamespaceOperator, against the emulator."""

from __future__ import annotations

import asyncio

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_pinecone.client import PineconeNotFoundError, PineconeServerError
from airflow_provider_pinecone.client.retry import RetryPolicy
from airflow_provider_pinecone.hooks.pinecone import PineconeHook
from airflow_provider_pinecone.operators.namespaces import DeleteNamespaceOperator
from airflow_provider_pinecone.testing.emulator import PineconeEmulator

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def _seed(emulator: PineconeEmulator, index: str, namespace: str, count: int = 3) -> None:
    records = [{"id": f"{namespace}-{i}", "values": [float(i)] * 8} for i in range(count)]
    emulator.upsert(index, namespace, records)


def test_hook_deletes_a_namespace_and_reports_a_missing_one(pinecone_conn: PineconeEmulator, pinecone_index: str):
    _seed(pinecone_conn, pinecone_index, "reload")
    _seed(pinecone_conn, pinecone_index, "keep")
    _seed(pinecone_conn, pinecone_index, "")
    hook = PineconeHook()

    assert hook.delete_namespace("reload") is True
    assert pinecone_conn.namespace_counts(pinecone_index) == {"keep": 3, "__default__": 3}
    assert hook.delete_namespace("reload") is False  # nothing left to delete
    with pytest.raises(PineconeNotFoundError, match="Namespace not found"):
        hook.delete_namespace("reload", missing_ok=False)

    assert asyncio.run(hook.adelete_namespace("")) is True  # "" is the default namespace
    assert pinecone_conn.namespace_counts(pinecone_index) == {"keep": 3}


def test_hook_retries_a_transient_failure(pinecone_conn: PineconeEmulator, pinecone_index: str):
    _seed(pinecone_conn, pinecone_index, "reload")
    pinecone_conn.inject_faults(r"^/namespaces/reload$", 503, count=1, method="DELETE")
    quick = RetryPolicy(max_attempts=3, max_elapsed=10.0, initial_backoff=0.01, max_backoff=0.02)
    assert PineconeHook(retry=quick).delete_namespace("reload") is True
    assert pinecone_conn.namespace_counts(pinecone_index) == {}

    pinecone_conn.inject_faults(r"^/namespaces/", 503, count=5, method="DELETE")
    with pytest.raises(PineconeServerError):
        PineconeHook(retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, max_backoff=0.02)).delete_namespace("x")


def test_operator_deletes_then_succeeds_on_a_missing_namespace(pinecone_conn: PineconeEmulator, pinecone_index: str):
    _seed(pinecone_conn, pinecone_index, "reload")
    operator = DeleteNamespaceOperator(task_id="delete_namespace", namespace="reload")
    assert operator.execute({}) == {"namespace": "reload", "deleted": True}
    assert pinecone_conn.namespace_counts(pinecone_index) == {}
    assert operator.execute({}) == {"namespace": "reload", "deleted": False}


def test_operator_fails_without_retries_on_mistakes(pinecone_conn: PineconeEmulator, pinecone_index: str):
    strict = DeleteNamespaceOperator(task_id="strict", namespace="absent", missing_ok=False)
    with pytest.raises(AirflowFailException, match="Namespace not found"):
        strict.execute({})
    bad_name = DeleteNamespaceOperator(task_id="bad", namespace="x" * 513)
    with pytest.raises(AirflowFailException, match="1 to 512 ASCII characters"):
        bad_name.execute({})


def test_operator_templates_the_namespace_and_index():
    operator = DeleteNamespaceOperator(task_id="t", namespace="{{ name }}-v2", index_name="{{ index }}")
    operator.render_template_fields({"name": "products", "index": "catalog"})
    assert (operator.namespace, operator.index_name) == ("products-v2", "catalog")
