"""Upsert validation and the wire shapes of records (``Vector``, ``ScoredVector``) per API version.

Limits are Pinecone's documented ones: 1,000 vectors and 2 MB per upsert request, ids of 1-512
characters, the index's dimension, 40 KB of metadata per record.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from airflow_provider_pinecone.client.limits import MAX_UPSERT_BYTES, MAX_UPSERT_RECORDS
from airflow_provider_pinecone.preflight import limits
from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_object
from airflow_provider_pinecone.testing.emulator.import_errors import vector_type_reason
from airflow_provider_pinecone.testing.emulator.state import IndexConfig
from airflow_provider_pinecone.testing.emulator.store import SparseVector, VectorRecord, dense_values
from airflow_provider_pinecone.testing.emulator.versions import V2026_07

MAX_UPSERT_VECTORS = MAX_UPSERT_RECORDS
MAX_SPARSE_ENTRIES = 2048
MAX_SPARSE_INDEX = 2**32 - 1
# Element types JSON numbers parse to (``bool`` is a type of its own, so ``true`` is not a number).
_NUMBER_TYPES = frozenset({int, float})
_FLOAT_TYPES = frozenset({float})
_INT_TYPES = frozenset({int})


def check_request_size(size: int) -> None:
    """Refuse upsert bodies over 2 MB."""
    if size > MAX_UPSERT_BYTES:
        raise InvalidArgument(
            f"Request size {size / 1024 / 1024:.1f}MB exceeds the maximum supported size of 2MB: "
            "upsert in smaller batches."
        )


def parse_upsert(body: dict[str, Any], index: IndexConfig) -> tuple[str, list[VectorRecord]]:
    """Validate an ``UpsertRequest`` for ``index``; returns the namespace and the records."""
    return parse_namespace(body.get("namespace")), parse_vectors(body.get("vectors"), index)


def parse_vectors(vectors: Any, index: IndexConfig) -> list[VectorRecord]:
    """Validate an ``UpsertRequest``'s ``vectors`` for ``index``."""
    if not isinstance(vectors, list) or not vectors:
        raise InvalidArgument("vectors is required: a non-empty array of vectors.")
    if len(vectors) > MAX_UPSERT_VECTORS:
        raise InvalidArgument(
            f"Upsert request has {len(vectors)} vectors; the maximum is {MAX_UPSERT_VECTORS} per request."
        )
    return [parse_vector(v, index, f"vectors[{i}]") for i, v in enumerate(vectors)]


def parse_namespace(raw: Any) -> str:
    """A request's ``namespace``: a string, ``""`` (or absent) for the default namespace."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidArgument(f"namespace must be a string, got {type(raw).__name__}.")
    return raw


def dimension_mismatch(length: int, dimension: int | None) -> str:
    """Pinecone's message for a vector of the wrong dimension."""
    return f"Vector dimension {length} does not match the dimension of the index {dimension}"


def parse_dense(raw: Any, index: IndexConfig, where: str) -> list[float] | np.ndarray[Any, Any]:
    """Finite numbers, as many as the index's dimension (a float64 array when the fast reader checked them)."""
    values = _floats(raw, where)
    if index.dimension is not None and len(values) != index.dimension:
        raise InvalidArgument(dimension_mismatch(len(values), index.dimension))
    return values


def parse_vector(raw: Any, index: IndexConfig, where: str = "vector") -> VectorRecord:
    """Validate one ``Vector`` object for ``index``."""
    vector = require_object(raw, where)
    record_id = vector.get("id")
    if not isinstance(record_id, str) or not 1 <= len(record_id) <= limits.MAX_ID_CHARS:
        raise InvalidArgument(f"{where}.id must be a string of 1 to {limits.MAX_ID_CHARS} characters.")
    values = vector.get("values")
    sparse = vector.get("sparseValues")
    if (values is None and "values" in vector) or (sparse is None and "sparseValues" in vector):
        # The spec's fields are not nullable: a null is a client bug, not "absent" (three lookups a vector).
        raise InvalidArgument(f"{where}: values and sparseValues must not be null; omit the one you do not send.")
    if index.vector_type == "sparse":
        if values:
            raise InvalidArgument(vector_type_reason("sparse"))
        if sparse is None:
            raise InvalidArgument(f"{where}: sparse indexes need sparseValues.")
        values = None
    else:
        if not values:
            raise InvalidArgument(f"{where}: dense indexes need values (a non-empty array of numbers).")
        values = parse_dense(values, index, f"{where}.values")
        if sparse is not None and index.metric != "dotproduct":
            raise InvalidArgument("Sparse values are only supported for indexes with the dotproduct metric.")
    return VectorRecord(
        id=record_id,
        values=dense_values(values) if values is not None else None,
        sparse=parse_sparse(sparse, f"{where}.sparseValues") if sparse is not None else None,
        metadata=parse_metadata(vector.get("metadata"), f"{where}.metadata"),
    )


def parse_sparse(raw: Any, where: str) -> SparseVector:
    """Validate a ``SparseValues`` object."""
    sparse = require_object(raw, where)
    indices, values = sparse.get("indices"), sparse.get("values")
    if not isinstance(indices, list) or not isinstance(values, list) or len(indices) != len(values):
        raise InvalidArgument(f"{where} needs indices and values arrays of the same length.")
    if not indices or len(indices) > MAX_SPARSE_ENTRIES:
        raise InvalidArgument(f"{where} must have 1 to {MAX_SPARSE_ENTRIES} entries.")
    if not (set(map(type, indices)) <= _INT_TYPES and min(indices) >= 0 and max(indices) <= MAX_SPARSE_INDEX):
        raise InvalidArgument(f"{where}.indices must be integers from 0 to {MAX_SPARSE_INDEX}.")
    return SparseVector(tuple(indices), tuple(_floats(values, f"{where}.values")))


class CheckedFloats:
    """Finite numbers a parser already checked (see :mod:`.upsert_body`), as a float64 array: taken as they are."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray[Any, Any]) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)


def _floats(raw: Any, where: str) -> list[float] | np.ndarray[Any, Any]:
    if type(raw) is CheckedFloats:
        return raw.array
    # Upserts carry up to ~500,000 numbers per request: no Python work per number. A census of the
    # element types (C-level map/set) and one numpy pass (conversion, finiteness) check them all.
    if isinstance(raw, list):
        kinds = set(map(type, raw))
        if kinds <= _NUMBER_TYPES:
            try:
                array = np.array(raw, dtype=np.float64)
            except OverflowError:  # an integer too large for a float: not finite either
                array = None
            if array is not None and bool(np.isfinite(array).all()):
                return raw if kinds <= _FLOAT_TYPES else array.tolist()
    raise InvalidArgument(f"{where} must be an array of finite numbers.")


def parse_metadata(raw: Any, where: str) -> dict[str, Any] | None:
    """The one metadata rule (value types, no ``$`` names, 40 KB), for upsert, update and records alike."""
    if raw is None:
        return None
    metadata = require_object(raw, where)
    for key, value in metadata.items():
        ok = isinstance(value, (str, int, float)) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        )
        if not ok or key.startswith("$"):
            raise InvalidArgument(
                f"{where}.{key}: Metadata value must be a string, number, boolean or list of strings "
                "(and field names may not begin with '$')."
            )
    size = len(json.dumps(metadata, separators=(",", ":")).encode())
    if size > limits.MAX_METADATA_BYTES:
        raise InvalidArgument(
            f"Metadata size is {size} bytes, which exceeds the limit of {limits.MAX_METADATA_BYTES} bytes per vector"
        )
    return metadata or None


def vector_wire(
    record: VectorRecord, version: str, *, include_values: bool = True, include_metadata: bool = True
) -> dict[str, Any]:
    """A record as the ``Vector`` (fetch) or the base of a ``ScoredVector`` (query) of ``version``."""
    body: dict[str, Any] = {"id": record.id}
    if include_values:
        if record.values is not None:
            body["values"] = record.values.tolist()
        elif version == V2026_07:
            body["values"] = []  # 2026-07: "an empty array whenever the record has no dense data"
        if record.sparse is not None:
            body["sparseValues"] = {"indices": list(record.sparse.indices), "values": list(record.sparse.values)}
    elif version == V2026_07:
        body["values"] = []
    if include_metadata and record.metadata:
        body["metadata"] = record.metadata
    return body
