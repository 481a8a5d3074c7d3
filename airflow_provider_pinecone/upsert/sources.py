"""Which Parquet files an upsert reads, and into which namespace each goes.

Three forms of source URI are accepted:

* an import directory, one sub-directory per namespace (``__default__`` is the default namespace),
  exactly the layout Pinecone imports from;
* one namespace directory, with ``namespace=``: the Parquet files directly inside it;
* one ``.parquet`` file, into ``namespace=`` or the default namespace.

Namespaces are given as they go on the wire: the default namespace is ``""``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.client.upsert import wire_namespace
from airflow_provider_pinecone.preflight.layout import PARQUET_SUFFIX, classify_listing
from airflow_provider_pinecone.storage import (
    ImportLocation,
    InvalidImportUri,
    ObjectStore,
    StorageOptions,
    StoredObject,
    open_object_store,
    parse_import_uri,
)
from airflow_provider_pinecone.uris import without_secrets

#: The namespace "__default__" stands for, on the wire.
WIRE_DEFAULT_NAMESPACE = wire_namespace(DEFAULT_NAMESPACE)
SOURCE_FORMS = (
    "an import directory (one sub-directory per namespace), a directory of Parquet files with namespace=, "
    "or one .parquet file"
)


class UpsertSourceError(ValueError):
    """The upsert's source cannot be used as given; the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class SourceFile:
    """One Parquet file to upsert: its namespace (``""`` is the default), full URI, key and size."""

    namespace: str
    url: str
    key: str
    size: int

    @property
    def stored_object(self) -> StoredObject:
        """The file as the storage layer names it, for ranged reads."""
        return StoredObject(self.key, self.size)


def is_parquet_uri(uri: str) -> bool:
    """Whether ``uri`` names one Parquet file rather than a directory."""
    return without_secrets(uri.strip()).lower().endswith(PARQUET_SUFFIX)


def parse_source_uri(uri: str) -> ImportLocation:
    """Parse a source URI of any of the three forms; raises :class:`UpsertSourceError` if it is none."""
    try:
        return parse_import_uri(uri)
    except InvalidImportUri as exc:
        raise UpsertSourceError(f"{exc} An upsert reads {SOURCE_FORMS}.") from None


def open_source_store(uri: str, storage: StorageOptions | None = None) -> ObjectStore:
    """The object store that reads the files of ``uri`` (any of the three forms)."""
    return open_object_store(parse_source_uri(uri), storage)


def list_source_files(
    uri: str, *, namespace: str | None = None, storage: StorageOptions | None = None
) -> list[SourceFile]:
    """The Parquet files ``uri`` designates, each with its wire namespace, sorted by key.

    :param uri: An import directory, a namespace directory (with ``namespace``) or a ``.parquet`` file.
    :param namespace: The namespace of a directory of files or of one file; ``None`` for an import
        directory (its sub-directories name the namespaces) or, for one file, the default namespace.
        ``"__default__"`` and ``""`` both mean the default namespace.
    :param storage: How to reach the storage (connections, endpoint); default: the SDKs' own configuration.
    :raises UpsertSourceError: The URI is of no accepted form, or names nothing to upsert.
    """
    if namespace is not None and not isinstance(namespace, str):
        raise UpsertSourceError(f"namespace must be a string or None, got {type(namespace).__name__}.")
    location = parse_source_uri(uri)
    if is_parquet_uri(uri):
        return [_single_file(location, namespace, storage)]
    with open_object_store(location, storage) as store:
        if namespace is None:
            return _import_directory(location, store.list_objects())
        return _namespace_directory(location, wire_namespace(namespace), store.list_objects())


def _source_file(location: ImportLocation, namespace: str, obj: StoredObject) -> SourceFile:
    return SourceFile(namespace=namespace, url=location.url_of(obj.key), key=obj.key, size=obj.size)


def _single_file(location: ImportLocation, namespace: str | None, storage: StorageOptions | None) -> SourceFile:
    key = location.prefix.rstrip("/")
    # Listing with the key itself as the prefix finds the object (and its size) in one request,
    # however many files share its directory.
    exact = dataclasses.replace(location, prefix=key)
    with open_object_store(exact, storage) as store:
        found = next((obj for obj in store.list_objects() if obj.key == key), None)
    url = location.url_of(key)
    if found is None:
        raise UpsertSourceError(
            f"{url} does not exist. Check the file's path, or give its directory to upsert every Parquet file in it."
        )
    return _source_file(location, wire_namespace(namespace or WIRE_DEFAULT_NAMESPACE), found)


def _import_directory(location: ImportLocation, objects: Iterable[StoredObject]) -> list[SourceFile]:
    layout = classify_listing(location, objects)
    # Only the layout matters here: an upsert has no import limits (file and namespace sizes, counts),
    # and an empty namespace folder simply holds nothing to upsert.
    if any(problem.code == "layout.no_namespace" for problem in layout.problems):
        base = len(location.url_of(location.prefix))
        loose = [(p.path or "")[base:] for p in layout.problems if p.code == "layout.no_namespace"]
        raise UpsertSourceError(
            f"{location.uri} holds Parquet files directly inside it ({_some(loose)}), but without namespace= it is "
            "read as an import directory, whose sub-directories name the namespaces. Give namespace= to upsert "
            f"the files of {location.uri} into one namespace, or move them into a folder per namespace "
            f"({DEFAULT_NAMESPACE}/ for the default namespace)."
        )
    files = [_source_file(location, wire_namespace(ns), obj) for ns, obj in layout.parquet_files]
    if not files:
        raise UpsertSourceError(
            f"No Parquet files found under {location.uri}. An import directory holds one folder per namespace: "
            f"{location.folder_url('<namespace>')}<file>.parquet; for the files of one directory give namespace=."
        )
    return files


def _namespace_directory(location: ImportLocation, namespace: str, objects: Iterable[StoredObject]) -> list[SourceFile]:
    files, nested = [], []
    for obj in objects:
        relative = location.relative(obj.key)
        if not relative.lower().endswith(PARQUET_SUFFIX):
            continue
        if "/" in relative:
            nested.append(relative)
        else:
            files.append(_source_file(location, namespace, obj))
    if files:
        return sorted(files, key=lambda f: f.key)
    if nested:
        raise UpsertSourceError(
            f"{location.uri} holds no Parquet files directly inside it, only in sub-directories ({_some(nested)}), "
            "as an import directory does. Leave namespace= unset to upsert each sub-directory into the namespace "
            "it names, or give the URI of one sub-directory."
        )
    raise UpsertSourceError(
        f"No Parquet files found directly under {location.uri}. Give the directory that holds the .parquet files, "
        "or the URI of one file."
    )


def _some(paths: list[str], shown: int = 3) -> str:
    more = f" and {len(paths) - shown:,} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more
