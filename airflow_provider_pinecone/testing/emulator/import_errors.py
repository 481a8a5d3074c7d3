"""The ``error`` texts of failed imports, as the import guide's Troubleshooting section documents them.

Every failure Pinecone attributes to the user starts with ``User error:``. The rules deciding
*whether* an import fails are pre-flight's (``airflow_provider_pinecone.preflight``); this
module only words the outcome the way Pinecone does, so DAGs matching on Pinecone's messages
see the same text against the emulator.
"""

from __future__ import annotations

import pyarrow as pa

from airflow_provider_pinecone.client.models import DEFAULT_NAMESPACE
from airflow_provider_pinecone.preflight.schema import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    IndexType,
    pinecone_type_error,
    well_typed_columns,
)
from airflow_provider_pinecone.preflight.validate import UNREADABLE_FOOTER

USER_ERROR = "User error: "
_DIRECTORY_DOCS = "https://docs.pinecone.io/guides/data/understanding-imports#directory-structure"


class ImportFailure(Exception):
    """Stops an import: ``message`` is the import's ``error`` field, ``User error: ...``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def user_error(text: str) -> ImportFailure:
    """An :class:`ImportFailure` with the ``User error:`` prefix."""
    return ImportFailure(USER_ERROR + text)


def namespace_exists(namespace: str) -> ImportFailure:
    """The import writes a namespace the index already has."""
    return user_error(
        f'The namespace "{namespace}" already exists. Imports are only allowed into nonexistent namespaces.'
    )


def default_namespace_not_empty() -> ImportFailure:
    """The import writes the default namespace while it holds records (wording not documented)."""
    return user_error(
        f'The default namespace ("{DEFAULT_NAMESPACE}") is not empty. Imports into the default namespace are '
        "only allowed when it is empty."
    )


def no_namespace(relative_path: str) -> ImportFailure:
    """A Parquet file directly under the import directory."""
    return user_error(
        f'"{relative_path}": No namespace detected. Each file should be nested under a subdirectory of the URI '
        "prefix. This indicates which namespace it should be imported into."
    )


def no_parquet_files(uri: str) -> ImportFailure:
    """Nothing to import under the URI, or a namespace folder without Parquet files."""
    return user_error(f'No Parquet files found under "{uri}". Files must be stored with the specified bucket prefix.')


def uri_is_file(path: str) -> ImportFailure:
    """The URI names a Parquet file rather than the import directory."""
    return user_error(
        f'"{path}": It looks like you specified a complete path to a parquet file as the URI prefix to import '
        "from. Note that the URI prefix should give an ancestor directory with subdirectories to specify each "
        f"namespace to import into. See {_DIRECTORY_DOCS}."
    )


def unreadable_footer() -> ImportFailure:
    """A file whose Parquet footer cannot be parsed."""
    return user_error(UNREADABLE_FOOTER)


def all_rows_skipped(namespace: str) -> ImportFailure:
    """``continue`` mode skipped every row of a namespace."""
    return user_error(f"No vectors added, all rows were skipped for namespace: {namespace}")


def record_error(file: str, row: int, reason: str) -> ImportFailure:
    """``abort`` mode stopped at an invalid record."""
    return user_error(f'error reading record (file "{file}", row {row}): {reason}')


def schema_error(schema: pa.Schema, index_type: IndexType) -> ImportFailure | None:
    """The documented error for a file whose columns an ``index_type`` index does not take."""
    names = schema.names
    for column in REQUIRED_COLUMNS[index_type]:
        if column not in names:
            return user_error(f'Missing required column "{column}"')
    allowed = REQUIRED_COLUMNS[index_type] + OPTIONAL_COLUMNS[index_type]
    for column in names:
        if column not in allowed:
            return user_error(f'Unsupported column "{column}"')
    well_typed = well_typed_columns(schema)
    for column in names:
        if column in well_typed:
            continue
        return user_error(pinecone_type_error(column, schema.field(column).type))
    return None


def vector_type_reason(index_type: IndexType) -> str:
    """Why a row written for the other vector type is invalid for an ``index_type`` index."""
    if index_type == "sparse":
        return "Upserting dense vectors is not supported for sparse indexes"
    return "Upserting sparse vectors is not supported for dense indexes"
