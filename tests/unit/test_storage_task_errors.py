"""What a storage-reading task (pre-flight, upsert, the planner, the branch) does with each kind of error."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_pinecone.client import PineconeAuthenticationError
from airflow_provider_pinecone.storage import StorageConfigurationError, StorageError, StorageSdkMissing
from airflow_provider_pinecone.task_failures import storage_task_errors

URI = "s3://bucket/imports"


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad uri"),
        StorageSdkMissing("s3", "boto3"),
        StorageConfigurationError("bad key"),
        PineconeAuthenticationError(401, None, "denied", "describe_index_stats"),
    ],  # fmt: skip
)
def test_what_a_retry_cannot_fix_fails_at_once(error):
    with pytest.raises(AirflowFailException) as caught, storage_task_errors("upsert", URI):
        raise error
    assert "upsert" in str(caught.value) or isinstance(caught.value, PineconeAuthenticationError)


def test_unreadable_storage_is_retried_and_named_without_secrets():
    with pytest.raises(AirflowException) as caught, storage_task_errors("upsert", "s3://key:secret@bucket/x"):
        raise StorageError("connection refused")
    assert not isinstance(caught.value, AirflowFailException)
    assert "upsert could not read" in str(caught.value) and "secret" not in str(caught.value)
