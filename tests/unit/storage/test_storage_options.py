"""One StorageOptions carries the storage connections, endpoint and pool size from the task to the store."""

from __future__ import annotations

import pytest

from airflow_provider_pinecone.preflight import validate as validate_module
from airflow_provider_pinecone.storage import DEFAULT_MAX_CONNECTIONS, StorageOptions


class _Opened(Exception):
    """Raised by the stand-in ``open_object_store``: the test only wants its arguments."""


@pytest.fixture
def opened(monkeypatch):
    calls = []

    def open_object_store(location, storage=None, **options):
        calls.append((location, storage, options))
        raise _Opened

    monkeypatch.setattr(validate_module, "open_object_store", open_object_store)
    return calls


def _validate(**kwargs):
    with pytest.raises(_Opened):
        validate_module.validate_import_source("s3://bucket/imports", **kwargs)


def test_validate_passes_the_options_on_as_one_value(opened):
    options = StorageOptions(aws_conn_id="aws", endpoint_url="http://127.0.0.1:9000", max_connections=4)
    _validate(storage=options)
    ((location, storage, extra),) = opened
    assert (location.bucket, storage, extra) == ("bucket", options, {})


def test_without_options_the_pool_is_sized_for_the_workers(opened):
    _validate(max_workers=3)
    assert opened[0][1] == StorageOptions(max_connections=3)


def test_the_old_keywords_still_work_and_override_the_options(opened):
    _validate(storage=StorageOptions(gcp_conn_id="gcp"), aws_conn_id="aws", endpoint_url="http://e")
    assert opened[0][1] == StorageOptions(aws_conn_id="aws", gcp_conn_id="gcp", endpoint_url="http://e")


def test_an_unknown_keyword_is_refused_before_any_request(opened):
    with pytest.raises(TypeError, match="aws_conn"):
        validate_module.validate_import_source("s3://bucket/imports", aws_conn="aws")
    assert opened == []


def test_the_operator_keeps_its_parameters_and_builds_the_options():
    from airflow_provider_pinecone.operators.preflight import ValidateImportSourceOperator

    task = ValidateImportSourceOperator(
        task_id="check", uri="s3://bucket/imports", aws_conn_id="aws", gcp_conn_id="gcp", azure_conn_id="wasb",
        endpoint_url="http://127.0.0.1:9000", max_workers=5,
    )  # fmt: skip
    assert (task.aws_conn_id, task.endpoint_url, task.max_workers) == ("aws", "http://127.0.0.1:9000", 5)
    assert task.storage_options == StorageOptions("aws", "gcp", "wasb", "http://127.0.0.1:9000", 5)


def test_options_name_the_connection_of_each_cloud():
    options = StorageOptions(aws_conn_id="a", gcp_conn_id="g", azure_conn_id="z")
    assert [options.conn_id_for(cloud) for cloud in ("aws", "gcp", "azure")] == ["a", "g", "z"]
    assert StorageOptions().max_connections == DEFAULT_MAX_CONNECTIONS
