"""Pinecone import URIs: the accepted forms, and parsing them into the cloud, bucket (or container) and prefix.

A neutral module: it imports neither Airflow nor the storage layer, so the client
(:mod:`airflow_provider_pinecone.client`) and the storage layer (:mod:`airflow_provider_pinecone.storage`)
both build on it without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


class InvalidImportUri(ValueError):
    """The URI is not one of the forms Pinecone imports from (a mistake in the task, not a storage failure)."""


Cloud = Literal["aws", "gcp", "azure"]

ACCEPTED_FORMS = (
    "s3://BUCKET/IMPORT_DIR, gs://BUCKET/IMPORT_DIR or https://ACCOUNT.blob.core.windows.net/CONTAINER/IMPORT_DIR"
)
# Bucket and container names are letters, digits, dots, hyphens and underscores; anything else
# (":" or "@" of credentials in particular) makes the URI invalid before any request is made.
_NAME = r"[A-Za-z0-9$][A-Za-z0-9._$-]*"
_BUCKET_URI = re.compile(rf"^(?P<scheme>s3|gs)://(?P<bucket>{_NAME})(?:/(?P<prefix>[^?#]*))?$")
_AZURE_URI = re.compile(
    rf"^https://(?P<account>[a-z0-9]{{3,24}})\.blob\.core\.windows\.net/(?P<bucket>{_NAME})(?:/(?P<prefix>[^?#]*))?$"
)
_CLOUD_OF_SCHEME: dict[str, Cloud] = {"s3": "aws", "gs": "gcp", "https": "azure"}


@dataclass(frozen=True)
class ImportLocation:
    """Where an import reads from: the storage's cloud, the bucket or container, and a prefix.

    ``prefix`` has no leading slash and, unless empty, ends with ``/``: it is the import
    directory, so ``s3://b/imports`` lists ``imports/...`` and never ``imports-old/...``.
    """

    uri: str
    cloud: Cloud
    bucket: str
    prefix: str
    account: str | None = None

    @property
    def storage_name(self) -> str:
        """The storage's product name, for messages."""
        return {"aws": "Amazon S3", "gcp": "Google Cloud Storage", "azure": "Azure Blob Storage"}[self.cloud]

    def url_of(self, key: str) -> str:
        """The full URI of the object ``key`` (a key in the bucket, not relative to the prefix)."""
        if self.cloud == "azure":
            return f"https://{self.account}.blob.core.windows.net/{self.bucket}/{key}"
        scheme = "s3" if self.cloud == "aws" else "gs"
        return f"{scheme}://{self.bucket}/{key}"

    def folder_url(self, name: str) -> str:
        """The URI of folder ``name`` of the import directory (a namespace), ending in ``/``."""
        return self.url_of(f"{self.prefix}{name}/")

    def relative(self, key: str) -> str:
        """``key`` relative to the import directory."""
        return key[len(self.prefix) :] if key.startswith(self.prefix) else key


def without_secrets(uri: str) -> str:
    """``uri`` fit to show in a message or log: no query string (an Azure SAS token) and no user-info."""
    uri = uri.split("?", 1)[0].split("#", 1)[0]
    scheme, sep, rest = uri.partition("://")
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rpartition('@')[2]}{slash}{path}"


def check_no_control_characters(uri: str) -> None:
    """Raise :class:`InvalidImportUri` if ``uri`` has a control character (a line break or tab, say)."""
    control = next((i for i, char in enumerate(uri) if ord(char) < 32 or ord(char) == 127), None)
    if control is not None:
        raise InvalidImportUri(
            f"The import URI has a control character ({uri[control]!r}) at position {control}: a line break or "
            "tab from a template, say. Give the directory on one line, with nothing else in it."
        )


def parse_import_uri(uri: str) -> ImportLocation:
    """Parse ``s3://``, ``gs://`` or Azure ``https://ACCOUNT.blob.core.windows.net/`` URIs.

    Raises :class:`InvalidImportUri` for anything else, listing the accepted forms. A query string
    is refused because on Azure it is a SAS token: a secret that must not reach logs.
    """
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidImportUri(f"The import URI is empty; give the import directory as {ACCEPTED_FORMS}.")
    uri = uri.strip()
    check_no_control_characters(uri)
    safe = without_secrets(uri)
    if safe != uri:
        raise InvalidImportUri(
            f"The import URI {safe!r} carries a query string or credentials (an Azure SAS token, "
            "user:password@), which Pinecone does not use and which would end up in logs. Give the bare "
            "directory, and grant access to a private bucket with a storage integration (integration_id)."
        )
    match = _BUCKET_URI.match(uri) or _AZURE_URI.match(uri)
    if match is None:
        raise InvalidImportUri(f"{without_secrets(uri)!r} is not an import URI Pinecone accepts; use {ACCEPTED_FORMS}.")
    scheme = match.group("scheme") if "scheme" in match.re.groupindex else "https"
    prefix = (match.group("prefix") or "").strip("/")
    return ImportLocation(
        uri=uri,
        cloud=_CLOUD_OF_SCHEME[scheme],
        bucket=match.group("bucket"),
        prefix=f"{prefix}/" if prefix else "",
        account=match.groupdict().get("account"),
    )
