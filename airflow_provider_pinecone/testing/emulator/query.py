"""Exact top-k search over one namespace, and a minimal metadata filter.

Scores follow Pinecone: ``cosine`` similarity, ``dotproduct`` (dense plus sparse part), and for
``euclidean`` the squared distance, where lower is better. The filter supports ``$eq``, ``$ne``,
``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$in``, ``$nin``, ``$exists``, ``$and``, ``$or`` and the
``{"field": value}`` shorthand for ``$eq``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument
from airflow_provider_pinecone.testing.emulator.store import SparseVector, VectorRecord


# zip(strict=False) throughout: a record without dense values, or a query without them, scores
# over the empty overlap (0), as it always has; lengths are checked against the dimension in vectors.py.
def _dot(a: tuple[float, ...], b: tuple[float, ...] | list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=False))


def _sparse_dot(a: SparseVector | None, b: SparseVector | None) -> float:
    if a is None or b is None:
        return 0.0
    weights = dict(zip(a.indices, a.values, strict=False))
    return math.fsum(weights.get(i, 0.0) * v for i, v in zip(b.indices, b.values, strict=False))


def score(metric: str, query: list[float] | None, sparse: SparseVector | None, record: VectorRecord) -> float:
    """The score of ``record`` for the query under ``metric``."""
    dense = record.values.tolist() if record.values is not None else ()
    if metric == "euclidean":
        return math.fsum((x - y) ** 2 for x, y in zip(dense, query or (), strict=False))
    if metric == "cosine":
        norms = math.sqrt(_dot(dense, dense)) * math.sqrt(_dot(tuple(query or ()), query or ()))
        return _dot(dense, query or ()) / norms if norms else 0.0
    return _dot(dense, query or ()) + _sparse_dot(sparse, record.sparse)


def top_k(
    records: list[VectorRecord],
    metric: str,
    query: list[float] | None,
    sparse: SparseVector | None,
    k: int,
    filter_: dict[str, Any] | None = None,
) -> list[tuple[float, VectorRecord]]:
    """The ``k`` best ``(score, record)`` pairs, best first (ties broken by id)."""
    matches = match_filter(filter_) if filter_ else (lambda _metadata: True)
    scored = [(score(metric, query, sparse, r), r) for r in records if matches(r.metadata or {})]
    if metric == "euclidean":
        return heapq.nsmallest(k, scored, key=lambda pair: (pair[0], pair[1].id))
    return heapq.nsmallest(k, scored, key=lambda pair: (-pair[0], pair[1].id))


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda v, x: v == x,
    "$ne": lambda v, x: v != x,
    "$gt": lambda v, x: isinstance(v, (int, float)) and v > x,
    "$gte": lambda v, x: isinstance(v, (int, float)) and v >= x,
    "$lt": lambda v, x: isinstance(v, (int, float)) and v < x,
    "$lte": lambda v, x: isinstance(v, (int, float)) and v <= x,
    "$in": lambda v, x: (v in x) if not isinstance(v, list) else any(i in x for i in v),
    "$nin": lambda v, x: (v not in x) if not isinstance(v, list) else not any(i in x for i in v),
}


_SCALARS = (str, int, float, bool)
MAX_IN_VALUES = 10_000


def _check_operand(key: str, op: str, operand: Any) -> None:
    """Refuse an operand the operator cannot take (as Pinecone does), before any record is compared."""
    if op in ("$gt", "$gte", "$lt", "$lte"):
        ok = isinstance(operand, (int, float)) and not isinstance(operand, bool)
        expected = "a number"
    elif op in ("$in", "$nin"):
        ok = (
            isinstance(operand, list)
            and len(operand) <= MAX_IN_VALUES
            and all(isinstance(item, _SCALARS) for item in operand)
        )
        expected = f"an array of at most {MAX_IN_VALUES} strings, numbers or booleans"
    elif op == "$exists":
        ok, expected = isinstance(operand, bool), "true or false"
    else:  # $eq, $ne
        ok, expected = isinstance(operand, _SCALARS), "a string, number or boolean"
    if not ok:
        raise InvalidArgument(f"filter: {key}.{op} takes {expected}, got {type(operand).__name__}.")


def match_filter(filter_: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A predicate over metadata for a Pinecone filter expression; raises on unknown operators and bad operands."""
    if not isinstance(filter_, dict):
        raise InvalidArgument("filter must be a JSON object.")
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for key, condition in filter_.items():
        if key in ("$and", "$or"):
            if not isinstance(condition, list):
                raise InvalidArgument(f"{key} takes an array of filters.")
            parts = [match_filter(part) for part in condition]
            combine = all if key == "$and" else any
            tests.append(lambda m, parts=parts, combine=combine: combine(p(m) for p in parts))
        elif isinstance(condition, dict):
            for op, operand in condition.items():
                if op == "$exists" or op in _COMPARISONS:
                    _check_operand(key, op, operand)
                if op == "$exists":
                    tests.append(lambda m, key=key, operand=operand: (key in m) == bool(operand))
                elif op in _COMPARISONS:
                    # A missing field matches $ne/$nin and nothing else.
                    absent = op in ("$ne", "$nin")
                    tests.append(
                        lambda m, key=key, operand=operand, compare=_COMPARISONS[op], absent=absent: (
                            compare(m[key], operand) if key in m else absent
                        )
                    )
                else:
                    raise InvalidArgument(f"Unsupported filter operator {op!r}.")
        else:
            _check_operand(key, "$eq", condition)
            tests.append(
                lambda m, key=key, value=condition: (
                    _COMPARISONS["$eq"](m.get(key), value) or (isinstance(m.get(key), list) and value in m[key])
                )
            )
    return lambda metadata: all(test(metadata) for test in tests)
