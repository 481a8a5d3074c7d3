"""Records in Pinecone's import layout, for tests, benchmarks and demos.

Each builder returns an Arrow table with exactly the columns and types the import guide asks for
(``id`` STRING, ``values`` LIST<FLOAT>, ``sparse_values`` STRUCT<indices: LIST<UINT_32>,
values: LIST<FLOAT>>, ``metadata`` JSON STRING). Values are pseudo-random but deterministic per
``seed``, and no two records share a vector, so a clean import loads every row.
"""

from __future__ import annotations

import io
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq

DENSE_TYPE = pa.list_(pa.float32())
SPARSE_TYPE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(pa.float32()))])
CATEGORIES = ("news", "science", "sports", "travel", "food")


def _ids(n: int, start: int) -> pa.Array:
    return pa.array([f"rec-{start + i}" for i in range(n)], pa.string())


def _metadata(n: int, start: int) -> pa.Array:
    return pa.array(
        [json.dumps({"category": CATEGORIES[(start + i) % len(CATEGORIES)], "position": start + i}) for i in range(n)],
        pa.string(),
    )


def _dense(n: int, dimension: int, rng: random.Random) -> pa.Array:
    return pa.array([[rng.uniform(-1.0, 1.0) for _ in range(dimension)] for _ in range(n)], DENSE_TYPE)


def _sparse(n: int, non_zero: int, rng: random.Random) -> pa.Array:
    rows = []
    for _ in range(n):
        indices = sorted(rng.sample(range(100_000), non_zero))
        rows.append({"indices": indices, "values": [rng.uniform(0.01, 1.0) for _ in indices]})
    return pa.array(rows, SPARSE_TYPE)


def dense_table(n: int, dimension: int, *, start: int = 0, seed: int = 0, metadata: bool = True) -> pa.Table:
    """``n`` dense records ``rec-{start}``... of ``dimension`` floats."""
    rng = random.Random(seed)
    columns = {"id": _ids(n, start), "values": _dense(n, dimension, rng)}
    if metadata:
        columns["metadata"] = _metadata(n, start)
    return pa.table(columns)


def sparse_table(n: int, *, non_zero: int = 8, start: int = 0, seed: int = 0, metadata: bool = True) -> pa.Table:
    """``n`` sparse records with ``non_zero`` entries each."""
    rng = random.Random(seed)
    columns = {"id": _ids(n, start), "sparse_values": _sparse(n, non_zero, rng)}
    if metadata:
        columns["metadata"] = _metadata(n, start)
    return pa.table(columns)


def hybrid_table(n: int, dimension: int, *, non_zero: int = 8, start: int = 0, seed: int = 0) -> pa.Table:
    """``n`` hybrid records: dense values, sparse values and metadata."""
    rng = random.Random(seed)
    return pa.table(
        {
            "id": _ids(n, start),
            "values": _dense(n, dimension, rng),
            "sparse_values": _sparse(n, non_zero, rng),
            "metadata": _metadata(n, start),
        }
    )


def parquet_bytes(table: pa.Table, **write_options: object) -> bytes:
    """``table`` written as one Parquet file, in memory."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **write_options)  # type: ignore[arg-type]
    return buffer.getvalue()
