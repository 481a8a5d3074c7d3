"""Arrow tables of records to upsert fragments, and records given as Python objects to Arrow tables.

Encoding is the upsert's main CPU cost, so the list columns are never turned into Python lists:
the dense ``values`` become one 2-D numpy view of the Arrow buffer (when every row has the same
dimension, as an index requires) whose rows orjson serializes natively, sparse vectors become
slices of flat numpy views, and metadata, already JSON, is embedded as the text it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from airflow_provider_pinecone.client.upsert import dump_vector, encode_record
from airflow_provider_pinecone.preflight.records import list_lengths, numpy_view
from airflow_provider_pinecone.preflight.schema import EXPECTED_TYPE_NAMES
from airflow_provider_pinecone.upsert.sources import UpsertSourceError

DENSE_TYPE = pa.list_(pa.float32())
SPARSE_TYPE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(pa.float32()))])
#: The Arrow type of each column of the import layout.
COLUMN_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "values": DENSE_TYPE,
    "sparse_values": SPARSE_TYPE,
    "metadata": pa.string(),
}
#: Keys a record given as a mapping may have; ``sparseValues`` is the wire's name for ``sparse_values``.
RECORD_KEYS = ("id", "values", "sparse_values", "sparseValues", "metadata")

# What each field of a record given as a mapping may be, for messages.
_EXPECTED = {
    "id": "a string",
    "values": "a list of numbers",
    "sparse_values": 'a dict {"indices": [non-negative integers], "values": [numbers]}',
    "metadata": "a dict, or a JSON object as a string",
}

RowGetter = Callable[[int], Any]


def encode_table(table: pa.Table) -> list[bytes]:
    """One upsert fragment (``Vector`` JSON) per row of ``table``, a table of checked records.

    Columns are those of the import layout: ``id``, and any of ``values``, ``sparse_values`` and
    ``metadata`` (JSON text, embedded verbatim). A null or empty sparse vector is left out.
    """
    return list(iter_encoded(table))


def iter_encoded(table: pa.Table) -> Iterator[bytes]:
    """:func:`encode_table`'s fragments one at a time, so a caller that batches them as they come
    never holds a whole table's JSON (about 8.5 KB a row at 768 dimensions)."""
    if table.num_rows == 0:
        return iter(())
    names = table.column_names
    ids = table.column("id").to_pylist()
    matrix = _dense_matrix(table.column("values")) if "values" in names else None
    metadata_column = table.column("metadata") if "metadata" in names else None
    if (
        matrix is not None
        and _fast_path_layout(table)
        and (metadata_column is None or _all_json_objects(metadata_column))
    ):
        return _encode_dense(ids, matrix, metadata_column.to_pylist() if metadata_column is not None else None)
    values: RowGetter | None = None
    if matrix is not None:  # every row has one dimension: rows of a 2-D view, each contiguous
        values = matrix.__getitem__
    elif "values" in names:
        values = _ragged_rows(table.column("values"))
    sparse = _sparse_rows(table.column("sparse_values")) if "sparse_values" in names else None
    metadata = table.column("metadata").to_pylist() if "metadata" in names else None
    return (
        encode_record(
            record_id,
            values(row) if values is not None else None,
            sparse(row) if sparse is not None else None,
            metadata[row] if metadata is not None else None,
        )
        for row, record_id in enumerate(ids)
    )


def _fast_path_layout(table: pa.Table) -> bool:
    """No sparse part, string ids none of them null, and metadata (if any) as text: with uniform dense
    values, the layout :func:`_encode_dense` takes. Anything else (including what the record checks
    refuse) goes record by record, through :func:`encode_record`'s guards."""
    schema = table.schema
    if "sparse_values" in schema.names or table.column("id").null_count:
        return False
    text = (pa.string(), pa.large_string())
    return schema.field("id").type in text and ("metadata" not in schema.names or schema.field("metadata").type in text)


def _encode_dense(ids: list[str], matrix: np.ndarray[Any, Any], metadata: list[str] | None) -> Iterator[bytes]:
    """Dense records, one per row of ``matrix``, without :func:`encode_record`'s per-record checks.

    The hot path of a large load (a 768-dimension vector is ~8.5 KB of JSON, so every microsecond
    per record counts): the caller has shown every row to have an id and values and every metadata
    text to be an object, so each record is one ``orjson.dumps`` of a dict, metadata embedded verbatim.
    """
    verbatim = orjson.Fragment
    texts = metadata if metadata is not None else [None] * len(ids)
    for record_id, values, text in zip(ids, matrix, texts, strict=True):
        if text is None:
            yield dump_vector({"id": record_id, "values": values})
        else:
            yield dump_vector({"id": record_id, "values": values, "metadata": verbatim(text)})


def _all_json_objects(metadata: pa.ChunkedArray) -> bool:
    """Whether every non-null metadata text starts as a JSON object (``{`` after any whitespace).

    The same guard :func:`encode_record` applies to each text, done for the whole column at once.
    """

    def all_true(starts: pa.ChunkedArray) -> bool:
        return bool(pc.all(starts, skip_nulls=True).as_py() is not False)

    # Trimming copies the column's text, so only when some text does not start with "{" at once.
    return all_true(pc.starts_with(metadata, "{")) or all_true(pc.starts_with(pc.utf8_ltrim_whitespace(metadata), "{"))


def _dense_matrix(column: pa.ChunkedArray | pa.Array) -> np.ndarray[Any, Any] | None:
    """The dense vectors as one 2-D numpy view (a row per record), or ``None`` when a row is null
    or the rows differ in dimension (then records are encoded one by one)."""
    array = _combined(column)
    if array.null_count or len(array) == 0:
        return None
    lengths = list_lengths(array)
    width = int(lengths.max())
    if not width or int(lengths.min()) != width:
        return None
    return _flat_numpy(array).reshape(len(array), width)


def _combined(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if not isinstance(column, pa.ChunkedArray):
        return column
    # combine_chunks copies even a single chunk; a slice from a file is one chunk.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _flat_numpy(array: pa.Array) -> np.ndarray[Any, Any]:
    """The non-null items of a list array as one flat numpy array, a view of Arrow's buffer when possible."""
    # pc.list_flatten skips null lists and honours the array's offset. Null items become NaN
    # (checked tables have none; never a silent 0).
    return numpy_view(pc.list_flatten(array))


def _row_offsets(array: pa.Array) -> np.ndarray[Any, Any]:
    """Where each row starts and ends in :func:`_flat_numpy`'s array (null rows are empty)."""
    lengths = list_lengths(array)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _ragged_rows(column: pa.ChunkedArray | pa.Array) -> RowGetter:
    """Row ``i``'s dense vector as a 1-D numpy array (``None`` for a null row), when rows differ in
    dimension or some are null (uniform rows are :func:`_dense_matrix`'s)."""
    array = _combined(column)
    flat = _flat_numpy(array)
    null = array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None
    offsets = _row_offsets(array)

    def row(i: int) -> Any:
        if null is not None and null[i]:
            return None
        return flat[offsets[i] : offsets[i + 1]]

    return row


def _sparse_rows(column: pa.ChunkedArray | pa.Array) -> RowGetter:
    """Row ``i``'s sparse vector as ``{"indices": ..., "values": ...}`` of numpy slices, or ``None``."""
    array = _combined(column)
    # flatten() applies the struct's own nulls and offset to its children; field() would not.
    children = dict(zip((f.name for f in array.type), array.flatten(), strict=True))
    indices, values = children["indices"], children["values"]
    flat_indices, flat_values = _flat_numpy(indices), _flat_numpy(values)
    index_offsets, value_offsets = _row_offsets(indices), _row_offsets(values)

    def row(i: int) -> dict[str, Any] | None:
        start, end = index_offsets[i], index_offsets[i + 1]
        if start == end:  # a null struct, null indices or no entries: no sparse part
            return None
        return {"indices": flat_indices[start:end], "values": flat_values[value_offsets[i] : value_offsets[i + 1]]}

    return row


def records_to_table(records: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Records given as mappings, as an Arrow table in the import layout, for the same checks as a file.

    Each record has an ``id`` and any of ``values`` (a sequence of numbers), ``sparse_values`` (or
    ``sparseValues``: ``{"indices": [...], "values": [...]}``) and ``metadata`` (a dict, or a JSON
    object as text). A column is present when at least one record has it. Values are not judged
    here (a NaN or a wrong dimension is the checks' business), only their types.

    :raises UpsertSourceError: A record is not a mapping, has an unknown key, or a field of the wrong type.
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
        raise UpsertSourceError(f"records must be a list of dicts, got {type(records).__name__}.")
    rows = [_record_fields(position, record) for position, record in enumerate(records)]
    columns: dict[str, pa.Array] = {"id": _column(rows, "id")}
    for name in ("values", "sparse_values", "metadata"):
        if any(row.get(name) is not None for row in rows):
            columns[name] = _column(rows, name)
    return pa.table(columns)


def _record_fields(position: int, record: Any) -> dict[str, Any]:
    """One record's fields under the layout's column names, metadata as JSON text."""
    if not isinstance(record, Mapping):
        raise UpsertSourceError(
            f"records[{position}] is not a dict but {type(record).__name__} {_shown(record)}; a record is a dict "
            "with the keys id, values, sparse_values and metadata."
        )
    unknown = sorted(str(key) for key in record if key not in RECORD_KEYS)
    if unknown:
        raise UpsertSourceError(
            f"records[{position}] has the unknown key(s) {', '.join(map(repr, unknown))}; a record takes only "
            f"{', '.join(RECORD_KEYS[:3])} (or sparseValues) and metadata."
        )
    if "sparse_values" in record and "sparseValues" in record:
        raise UpsertSourceError(f"records[{position}] has both sparse_values and sparseValues; give one.")
    fields = {name: record.get(name) for name in ("id", "values", "metadata")}
    fields["sparse_values"] = record.get("sparse_values", record.get("sparseValues"))
    values = fields["values"]
    if isinstance(values, (list, tuple)) and any(type(item) is bool for item in values):
        # Arrow would take True as 1.0; a boolean vector is a mistake, not a vector.
        raise _wrong_type(position, "values", values, _EXPECTED["values"])
    if fields["id"] is not None and not isinstance(fields["id"], str):
        raise _wrong_type(position, "id", fields["id"], _EXPECTED["id"])
    metadata = fields["metadata"]
    if isinstance(metadata, Mapping):
        try:
            fields["metadata"] = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise UpsertSourceError(
                f"records[{position}] has metadata that cannot be written as JSON ({exc}); metadata values "
                "must be strings, numbers, booleans or lists of strings."
            ) from None
    elif metadata is not None and not isinstance(metadata, str):
        raise _wrong_type(position, "metadata", metadata, _EXPECTED["metadata"])
    sparse = fields["sparse_values"]
    if sparse is not None and (not isinstance(sparse, Mapping) or set(sparse) != {"indices", "values"}):
        raise _wrong_type(position, "sparse_values", sparse, _EXPECTED["sparse_values"])
    return fields


def _column(rows: list[dict[str, Any]], name: str) -> pa.Array:
    """Column ``name`` of ``rows``; on a type error, names the first record that has it."""
    arrow_type = COLUMN_TYPES[name]
    items = [row[name] for row in rows]
    try:
        return pa.array(items, arrow_type)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        pass
    for position, item in enumerate(items):  # only on failure: find the record to blame
        try:
            pa.array([item], arrow_type)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            raise _wrong_type(position, name, item, _EXPECTED[name]) from None
    raise UpsertSourceError(
        f"The {name} of the records cannot be written as {EXPECTED_TYPE_NAMES[name]}: each must be {_EXPECTED[name]}."
    )


def _wrong_type(position: int, name: str, value: Any, expected: str) -> UpsertSourceError:
    return UpsertSourceError(
        f"records[{position}]: {name} must be {expected}, got {type(value).__name__} {_shown(value)}."
    )


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."
