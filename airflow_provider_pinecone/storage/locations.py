"""Import URIs, as the storage layer sees them: re-exported from :mod:`airflow_provider_pinecone.uris`.

The parsing lives in that neutral module so the client can use it without importing ``storage/``.
"""

from __future__ import annotations

from airflow_provider_pinecone.uris import (
    ACCEPTED_FORMS,
    Cloud,
    ImportLocation,
    InvalidImportUri,
    check_no_control_characters,
    parse_import_uri,
    without_secrets,
)

__all__ = [
    "ACCEPTED_FORMS",
    "Cloud",
    "ImportLocation",
    "InvalidImportUri",
    "check_no_control_characters",
    "parse_import_uri",
    "without_secrets",
]
