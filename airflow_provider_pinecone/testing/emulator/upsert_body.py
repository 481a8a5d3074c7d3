"""Reading an ``UpsertRequest`` body fast: the emulator's hot path.

An upsert of 2 MB carries up to ~250 records of 768 dimensions: ~190,000 numbers. A general JSON
parser turns each into a Python float and the validator then checks each one's type: ~20 ms of
CPU per request, which made the emulator, not the client, the bottleneck of every load into it.

Here simdjson parses the body once, and each record's ``values`` array is copied out as one buffer
of doubles (``Array.as_buffer``), which succeeds only when every element is a JSON number: the
type check is done in C, with no Python object per number. The rest of a record (id, sparse
values, metadata) is small and converted to Python objects, and the record then goes through the
same validation as any other (:func:`~.vectors.parse_vector`).

Whatever simdjson cannot read this way (invalid JSON, a number beyond a double's range, a string
or ``null`` among the values, a body that is not an object) is read again by the standard path
(:func:`~.gate.parse_json_object` and :func:`~.vectors.parse_upsert`), so the error a client gets
is the same, word for word, whichever path found it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import simdjson

from airflow_provider_pinecone.testing.emulator.gate import parse_json_object
from airflow_provider_pinecone.testing.emulator.state import IndexConfig
from airflow_provider_pinecone.testing.emulator.store import VectorRecord
from airflow_provider_pinecone.testing.emulator.vectors import (
    CheckedFloats,
    parse_namespace,
    parse_upsert,
    parse_vectors,
)

UPSERT_HINT = "an UpsertRequest"


class _NotFast(Exception):
    """The body needs the standard path (which will accept it or name what is wrong)."""


def read_upsert(raw: bytes, index: IndexConfig, admit: Callable[[str], None]) -> tuple[str, list[VectorRecord]]:
    """The namespace and the validated records of an upsert body for ``index``.

    :param admit: called with the namespace once it is known and before the records are validated
        (the rate limit: a refused request costs no validation); it raises to refuse.
    """
    try:
        document = simdjson.Parser().parse(raw)
    except (ValueError, TypeError, RuntimeError):  # RuntimeError: e.g. BIGINT_ERROR for integers over 64 bits
        document = None
    if not isinstance(document, simdjson.Object):
        return _standard(raw, index, admit)
    namespace = parse_namespace(_python(document.get("namespace")))
    admit(namespace)
    try:
        vectors = _vectors(document.get("vectors"))
        # as_buffer flattens nested arrays ([[1], 2] reads as [1, 2]), which a valid body never
        # has: every "[" of the body must open an array seen here, or the standard path decides.
        if raw.count(b"[") != 1 + sum(map(_arrays_in, vectors)):
            raise _NotFast
    except _NotFast:
        body = parse_json_object(raw, hint=UPSERT_HINT)
        return parse_upsert(body, index)
    return namespace, parse_vectors(vectors, index)


def _standard(raw: bytes, index: IndexConfig, admit: Callable[[str], None]) -> tuple[str, list[VectorRecord]]:
    body = parse_json_object(raw, hint=UPSERT_HINT)
    admit(parse_namespace(body.get("namespace")))
    return parse_upsert(body, index)


def _vectors(raw: Any) -> list[Any]:
    """The request's vectors as Python objects, each dense ``values`` as :class:`CheckedFloats`."""
    if not isinstance(raw, simdjson.Array):
        raise _NotFast
    vectors: list[Any] = []
    for item in raw:
        if not isinstance(item, simdjson.Object):
            raise _NotFast
        vector: dict[str, Any] = {}
        for key in item.keys():  # noqa: SIM118 (a simdjson Object iterates keys only through keys())
            try:
                value = item[key]
            except KeyError:  # a key it cannot look up again (escapes such as "\u0000"): the standard path
                raise _NotFast from None
            if key == "values" and isinstance(value, simdjson.Array):
                vector[key] = _numbers(value)
            else:
                vector[key] = _python(value)
        vectors.append(vector)
    return vectors


def _numbers(array: Any) -> CheckedFloats:
    try:
        buffer = array.as_buffer(of_type="d")
    except (TypeError, ValueError):  # an element that is not a number: the standard path names it
        raise _NotFast from None
    values = np.frombuffer(buffer, dtype=np.float64)
    if not np.isfinite(values).all():  # JSON has no NaN or infinity; kept as a guard
        raise _NotFast
    return CheckedFloats(values)


def _arrays_in(value: Any) -> int:
    """How many JSON arrays ``value`` (a parsed vector, or part of one) holds."""
    if isinstance(value, CheckedFloats):  # numbers only
        return 1
    if isinstance(value, list):
        return 1 + sum(map(_arrays_in, value))
    if isinstance(value, dict):
        return sum(map(_arrays_in, value.values()))
    return 0


def _python(value: Any) -> Any:
    """A simdjson element as plain Python objects (scalars are already Python objects)."""
    if isinstance(value, simdjson.Object):
        return value.as_dict()
    if isinstance(value, simdjson.Array):
        return value.as_list()
    return value
