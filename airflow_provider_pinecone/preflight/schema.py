"""Rules over a Parquet file's schema: the columns each index type takes, and their types.

The tables are the import guide's ("Prepare your data"):

========  ====================  ===============================
type      required              optional
========  ====================  ===============================
dense     ``id``, ``values``    ``metadata``
sparse    ``id``,               ``metadata``
          ``sparse_values``
hybrid    ``id``, ``values``    ``sparse_values``, ``metadata``
========  ====================  ===============================

Types: ``id`` STRING; ``values`` LIST<FLOAT> (float32); ``sparse_values``
STRUCT<indices: LIST<UINT_32>, values: LIST<FLOAT>>; ``metadata`` STRING holding JSON.
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa

from airflow_provider_pinecone.preflight.problems import Problem, error

IndexType = Literal["dense", "sparse", "hybrid"]
INDEX_TYPES: tuple[IndexType, ...] = ("dense", "sparse", "hybrid")

REQUIRED_COLUMNS: dict[IndexType, tuple[str, ...]] = {
    "dense": ("id", "values"),
    "sparse": ("id", "sparse_values"),
    "hybrid": ("id", "values"),
}
OPTIONAL_COLUMNS: dict[IndexType, tuple[str, ...]] = {
    "dense": ("metadata",),
    "sparse": ("metadata",),
    "hybrid": ("sparse_values", "metadata"),
}
EXPECTED_TYPE_NAMES = {
    "id": "STRING",
    "values": "LIST<FLOAT>",
    "sparse_values": "STRUCT<indices: LIST<UINT_32>, values: LIST<FLOAT>>",
    "metadata": "STRING",
}
_SCALAR_NAMES = {
    pa.string(): "STRING",
    pa.large_string(): "STRING",
    pa.binary(): "BINARY",
    pa.large_binary(): "BINARY",
    pa.float16(): "HALF_FLOAT",
    pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.int8(): "INT_8",
    pa.int16(): "INT_16",
    pa.int32(): "INT_32",
    pa.int64(): "INT_64",
    pa.uint8(): "UINT_8",
    pa.uint16(): "UINT_16",
    pa.uint32(): "UINT_32",
    pa.uint64(): "UINT_64",
}


def type_name(arrow_type: pa.DataType) -> str:
    """A Parquet-style name for ``arrow_type``, as Pinecone's error messages spell types."""
    if arrow_type in _SCALAR_NAMES:
        return _SCALAR_NAMES[arrow_type]
    if _is_list(arrow_type):
        return f"LIST<{type_name(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):
        inner = ", ".join(f"{f.name}: {type_name(f.type)}" for f in arrow_type)
        return f"STRUCT<{inner}>"
    return str(arrow_type).upper()


def _is_list(arrow_type: pa.DataType) -> bool:
    return pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_fixed_size_list(arrow_type)


def _is_list_of(arrow_type: pa.DataType, value_type: pa.DataType) -> bool:
    return _is_list(arrow_type) and arrow_type.value_type == value_type


def _has_expected_type(column: str, arrow_type: pa.DataType) -> bool:
    if column in ("id", "metadata"):
        return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    if column == "values":
        return _is_list_of(arrow_type, pa.float32())
    if column == "sparse_values":
        if not pa.types.is_struct(arrow_type) or arrow_type.num_fields != 2:
            return False
        fields = {f.name: f.type for f in arrow_type}
        return (
            "indices" in fields
            and "values" in fields
            and _is_list_of(fields["indices"], pa.uint32())
            and _is_list_of(fields["values"], pa.float32())
        )
    return False


def well_typed_columns(schema: pa.Schema) -> list[str]:
    """The known columns present with the expected type: those whose records can be checked."""
    return [c for c in EXPECTED_TYPE_NAMES if c in schema.names and _has_expected_type(c, schema.field(c).type)]


def infer_index_type(column_names: list[str]) -> IndexType | None:
    """The index type a file's columns are written for, or ``None`` when it has no vector column."""
    names = set(column_names)
    if "values" in names:
        return "hybrid" if "sparse_values" in names else "dense"
    if "sparse_values" in names:
        return "sparse"
    return None


def fixed_dimension(schema: pa.Schema) -> int | None:
    """The dense dimension fixed by the schema itself (a fixed-size list), if it is."""
    if "values" in schema.names and pa.types.is_fixed_size_list(schema.field("values").type):
        return schema.field("values").type.list_size
    return None


def schema_problems(schema: pa.Schema, index_type: IndexType, path: str) -> list[Problem]:
    """Missing, unsupported and mistyped columns of one file, for an import into ``index_type``."""
    problems = []
    names = schema.names
    for column in REQUIRED_COLUMNS[index_type]:
        if column not in names:
            problems.append(
                error(
                    "parquet.missing_column",
                    f'Missing required column "{column}" in {path}: a {index_type} index takes the columns '
                    f"{_column_list(index_type)}.",
                    path,
                )
            )
    allowed = REQUIRED_COLUMNS[index_type] + OPTIONAL_COLUMNS[index_type]
    for column in names:
        if column not in allowed:
            problems.append(
                error(
                    "parquet.unsupported_column",
                    f'Unsupported column "{column}" in {path}: a {index_type} index takes only the columns '
                    f"{_column_list(index_type)}; drop the others before writing the file.",
                    path,
                )
            )
            continue
        given = schema.field(column).type
        if not _has_expected_type(column, given):
            problems.append(error("parquet.wrong_type", _wrong_type_message(column, given, path), path))
    return problems


def pinecone_type_error(column: str, given: pa.DataType) -> str:
    """Pinecone's own sentence for a mistyped column (the import guide's "Type errors")."""
    if column == "metadata":
        return (
            "The expected data type for metadata is a JSON encoded string in UTF-8 format, "
            f'but got "{type_name(given)}"'
        )
    return (
        f'The expected data type for column "{column}" is "{EXPECTED_TYPE_NAMES[column]}", but got "{type_name(given)}"'
    )


def _wrong_type_message(column: str, given: pa.DataType, path: str) -> str:
    if column == "metadata":
        return (
            f"{pinecone_type_error(column, given)} in {path}: write metadata as a JSON string column "
            "(json.dumps each record's metadata)."
        )
    hint = {
        "values": " Cast it with pa.list_(pa.float32()): 64-bit floats are not accepted.",
        "sparse_values": " Use pa.struct([('indices', pa.list_(pa.uint32())), ('values', pa.list_(pa.float32()))]).",
        "id": " Write ids as strings.",
    }[column]
    return f"{pinecone_type_error(column, given)} in {path}.{hint}"


def _column_list(index_type: IndexType) -> str:
    required = ", ".join(REQUIRED_COLUMNS[index_type])
    optional = ", ".join(OPTIONAL_COLUMNS[index_type])
    return f"{required} (required) and {optional} (optional)"
