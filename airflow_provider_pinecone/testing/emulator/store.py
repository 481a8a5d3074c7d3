"""The emulator's vector store: per index, per namespace, records by id.

Imports (background threads), upserts (data-plane requests) and queries all go through one
:class:`VectorStore`, which has its own lock. It is a leaf lock: nothing is called while it is
held, so it can be taken while holding the state's or an import's lock.

A namespace exists while it holds records (as on serverless Pinecone). The default namespace
is stored and reported as ``__default__``; ``""`` is accepted as its alias everywhere.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE


def namespace_key(namespace: str | None) -> str:
    """The stored name of ``namespace``: ``""`` and ``None`` mean the default namespace."""
    return namespace or DEFAULT_NAMESPACE


@dataclasses.dataclass(frozen=True)
class SparseVector:
    """Sparse values: parallel lists of indices and values."""

    indices: tuple[int, ...]
    values: tuple[float, ...]


def dense_values(values: Iterable[float] | np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A dense vector as records keep it: a read-only float64 array.

    Eight bytes a number and no Python object per number: an upsert of 250 records of 768
    dimensions made ~190,000 floats and as many tuple slots, which cost the emulator more CPU than
    parsing the request (and four times the memory). float64 keeps what a client sent exactly.
    """
    if isinstance(values, np.ndarray) and values.dtype == np.float64 and not values.flags.writeable:
        return values
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class VectorRecord:
    """One stored record. ``values`` (see :func:`dense_values`) is ``None`` for records without dense data."""

    id: str
    values: np.ndarray[Any, Any] | None = None
    sparse: SparseVector | None = None
    metadata: dict[str, Any] | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VectorRecord):
            return NotImplemented
        if (self.values is None) != (other.values is None):
            return False
        same_values = self.values is None or bool(np.array_equal(self.values, other.values))
        return same_values and (self.id, self.sparse, self.metadata) == (other.id, other.sparse, other.metadata)

    __hash__ = None  # type: ignore[assignment]  (metadata is a dict: records never were hashable)

    @classmethod
    def create(
        cls,
        id: str,
        values: Iterable[float] | None = None,
        sparse_values: dict[str, Iterable[Any]] | SparseVector | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> VectorRecord:
        """Build a record from plain Python values (lists, ``{"indices": ..., "values": ...}``)."""
        sparse = sparse_values
        if isinstance(sparse, dict):
            sparse = SparseVector(tuple(int(i) for i in sparse["indices"]), tuple(float(v) for v in sparse["values"]))
        return cls(
            id=id,
            values=dense_values(values) if values is not None else None,
            sparse=sparse,
            metadata=dict(metadata) if metadata else None,
        )


class VectorStore:
    """Thread-safe records of every index: ``index -> namespace -> id -> VectorRecord``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, dict[str, VectorRecord]]] = {}

    def upsert(self, index: str, namespace: str | None, records: Iterable[VectorRecord]) -> int:
        """Insert or replace ``records`` in one namespace; returns how many were written."""
        records = list(records)
        if not records:
            return 0
        with self._lock:
            space = self._data.setdefault(index, {}).setdefault(namespace_key(namespace), {})
            for record in records:
                space[record.id] = record
        return len(records)

    def fetch(self, index: str, namespace: str | None, ids: Iterable[str]) -> list[VectorRecord]:
        """The records among ``ids`` that exist, in the order asked (unknown ids are left out)."""
        with self._lock:
            space = self._data.get(index, {}).get(namespace_key(namespace), {})
            return [space[i] for i in ids if i in space]

    def records(self, index: str, namespace: str | None) -> list[VectorRecord]:
        """A snapshot of every record of one namespace (empty if it does not exist)."""
        with self._lock:
            return list(self._data.get(index, {}).get(namespace_key(namespace), {}).values())

    def namespace_counts(self, index: str) -> dict[str, int]:
        """Record count per existing namespace of ``index`` (namespaces hold at least one record)."""
        with self._lock:
            return {name: len(space) for name, space in self._data.get(index, {}).items() if space}

    def count(self, index: str, namespace: str | None) -> int:
        """Records in one namespace (0 if it does not exist)."""
        with self._lock:
            return len(self._data.get(index, {}).get(namespace_key(namespace), {}))

    def drop_index(self, index: str) -> None:
        """Forget every record of ``index``."""
        with self._lock:
            self._data.pop(index, None)

    def clear(self) -> None:
        """Forget every record of every index."""
        with self._lock:
            self._data.clear()

    # The methods below serve the data plane's delete, update, list and namespace operations.
    # They read and write the same ``index -> namespace -> id -> record`` maps as upsert; a
    # namespace created empty (or emptied by a delete) is an empty map that stays until deleted.

    def namespaces(self, index: str) -> dict[str, int]:
        """Record count per namespace of ``index``, including empty namespaces that exist."""
        with self._lock:
            return {name: len(space) for name, space in self._data.get(index, {}).items()}

    def has_namespace(self, index: str, namespace: str | None) -> bool:
        """Whether ``namespace`` exists in ``index`` (created, or written to and not deleted)."""
        with self._lock:
            return namespace_key(namespace) in self._data.get(index, {})

    def create_namespace(self, index: str, namespace: str) -> bool:
        """Create an empty namespace; ``False`` (and no change) if it exists already."""
        with self._lock:
            spaces = self._data.setdefault(index, {})
            if namespace_key(namespace) in spaces:
                return False
            spaces[namespace_key(namespace)] = {}
            return True

    def delete_namespace(self, index: str, namespace: str | None) -> bool:
        """Drop a namespace and its records; ``False`` if it did not exist."""
        with self._lock:
            return self._data.get(index, {}).pop(namespace_key(namespace), None) is not None

    def delete(
        self,
        index: str,
        namespace: str | None,
        ids: Iterable[str] | None = None,
        where: Callable[[VectorRecord], bool] | None = None,
    ) -> int | None:
        """Delete the records among ``ids``, or those ``where`` accepts, or (neither given) all of them.

        The namespace itself stays. Returns how many records went, or ``None`` if the namespace does
        not exist.
        """
        with self._lock:
            space = self._data.get(index, {}).get(namespace_key(namespace))
            if space is None:
                return None
            if ids is not None:
                doomed = [i for i in dict.fromkeys(ids) if i in space]
            elif where is not None:
                doomed = [i for i, record in space.items() if where(record)]
            else:
                doomed = list(space)
            for record_id in doomed:
                del space[record_id]
            return len(doomed)

    def update(
        self,
        index: str,
        namespace: str | None,
        change: Callable[[VectorRecord], VectorRecord],
        *,
        record_id: str | None = None,
        where: Callable[[VectorRecord], bool] | None = None,
        dry_run: bool = False,
    ) -> int:
        """Replace the record ``record_id`` (or every record ``where`` accepts) by ``change(record)``.

        ``change`` runs under the lock, so a concurrent upsert is never lost half-way; it must not
        call back into the store. Returns how many records matched (and, unless ``dry_run``, changed).
        """
        with self._lock:
            space = self._data.get(index, {}).get(namespace_key(namespace), {})
            if record_id is not None:
                matched = [space[record_id]] if record_id in space else []
            else:
                matched = [record for record in space.values() if where is None or where(record)]
            if not dry_run:
                # Build every new record first: a change that raises leaves the namespace untouched.
                for record in [change(record) for record in matched]:
                    space[record.id] = record
            return len(matched)

    def sorted_ids(self, index: str, namespace: str | None, prefix: str = "", after: str | None = None) -> list[str]:
        """The ids of one namespace starting with ``prefix`` and sorting after ``after``, in code-point order."""
        with self._lock:
            ids = list(self._data.get(index, {}).get(namespace_key(namespace), {}))
        return sorted(i for i in ids if i.startswith(prefix) and (after is None or i > after))
