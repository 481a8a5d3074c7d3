"""Streaming a Parquet file's rows, row group by row group, with bounded memory.

The file is read with ranged requests (:func:`~airflow_provider_pinecone.preflight.remote_file.open_parquet`),
never downloaded whole, and through a buffered stream: pyarrow then fetches a column chunk a
buffer at a time instead of all at once, so a single row group of several gigabytes is read in
slices of at most ``max_rows`` rows without ever being held in memory.

Each slice says which row group it belongs to and whether it is the last of it, so the caller can
checkpoint "row group *i* of file *f* is fully read" and resume from the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from airflow_provider_pinecone.preflight.remote_file import UnreadableParquet, open_parquet
from airflow_provider_pinecone.storage import ObjectStore
from airflow_provider_pinecone.upsert.sources import SourceFile, UpsertSourceError

#: The most rows in one slice.
DEFAULT_MAX_ROWS = 10_000
#: The most decoded bytes in one slice (by the row group's average row size): about 680 rows of
#: 768-dimension vectors. Smaller slices cost no requests (a row group's slices fill the same bodies)
#: and little CPU, and keep the peak lower: 8 MiB slices peaked ~50 MiB higher on a 1 GiB file.
DEFAULT_MAX_SLICE_BYTES = 2 * 1024 * 1024
#: Bytes each ranged request reads while streaming a column chunk. 4 MiB peaked ~20 MiB lower than
#: 8 MiB loading a 1 GiB file (benchmarks/upsert_throughput.py), for twice the requests: on S3 a GET
#: of 4 MiB is still mostly transfer, not latency.
READ_BUFFER_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class RowGroupSlice:
    """Consecutive rows of one row group of one file.

    :param file: The file read.
    :param row_group: The row group's index in the file.
    :param first_row: The file's row number of the slice's first row (for messages).
    :param table: The rows.
    :param last_in_row_group: Whether the row group is fully read once this slice is.
    :param row_groups: How many row groups the file has.
    """

    file: SourceFile
    row_group: int
    first_row: int
    table: pa.Table
    last_in_row_group: bool
    row_groups: int


def iter_row_groups(
    store: ObjectStore,
    file: SourceFile,
    *,
    start_row_group: int = 0,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_slice_bytes: int = DEFAULT_MAX_SLICE_BYTES,
    buffer_size: int = READ_BUFFER_BYTES,
) -> Iterator[RowGroupSlice]:
    """Yield the rows of ``file`` from row group ``start_row_group`` on, in slices of at most ``max_rows``
    rows and about ``max_slice_bytes`` decoded bytes.

    Every row group ends with a slice whose ``last_in_row_group`` is true (an empty table for a row
    group with no rows), so each one can be checkpointed.

    :param store: A store on the file's bucket.
    :param start_row_group: The first row group to read: one past the last checkpointed.
    :param max_rows: The most rows in one slice; with ``max_slice_bytes``, bounds memory whatever the
        row groups' size.
    :param max_slice_bytes: The most decoded bytes in one slice, judged by the row group's average row.
    :param buffer_size: Bytes per ranged read while streaming a column chunk.
    :raises UpsertSourceError: The file is not Parquet, cannot be decoded, or has fewer row groups
        than ``start_row_group`` (it changed since the checkpoint). Storage errors pass through.
    """
    if max_rows < 1 or max_slice_bytes < 1:
        raise ValueError(f"max_rows and max_slice_bytes must be at least 1, got {max_rows} and {max_slice_bytes}")
    try:
        # pre_buffer (pyarrow's default) would fetch whole column chunks at once: a huge row group whole.
        parquet = open_parquet(store, file.stored_object, buffer_size=buffer_size, pre_buffer=False)
    except UnreadableParquet:
        raise UpsertSourceError(
            f"{file.url} is not a Parquet file, or is truncated: its footer cannot be read. Rewrite it as Parquet, "
            "or remove it from the source."
        ) from None
    metadata = parquet.metadata
    groups = metadata.num_row_groups
    if start_row_group > metadata.num_row_groups or start_row_group < 0:
        raise UpsertSourceError(
            f"{file.url} has {metadata.num_row_groups} row groups, so reading cannot resume at row group "
            f"{start_row_group}: the file changed since it was read. Upsert it again from the start."
        )
    first_row = sum(metadata.row_group(i).num_rows for i in range(start_row_group))
    pool = pa.default_memory_pool()
    try:
        for row_group in range(start_row_group, metadata.num_row_groups):
            group = metadata.row_group(row_group)
            remaining = group.num_rows
            if remaining == 0:
                yield RowGroupSlice(file, row_group, first_row, parquet.schema_arrow.empty_table(), True, groups)
                continue
            rows = max(1, min(max_rows, max_slice_bytes * group.num_rows // max(1, group.total_byte_size)))
            for batch in parquet.iter_batches(batch_size=rows, row_groups=[row_group], use_threads=False):
                remaining -= batch.num_rows
                # pyarrow's allocator (mimalloc) keeps freed pages for reuse; returned after each
                # slice, a 1 GiB file in one row group peaked ~16 MiB lower, at no measurable CPU.
                pool.release_unused()
                table = pa.Table.from_batches([batch])
                yield RowGroupSlice(file, row_group, first_row, table, remaining <= 0, groups)
                first_row += batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise UpsertSourceError(
            f"{file.url} cannot be decoded as Parquet near row {first_row:,} ({type(exc).__name__}: {exc}). "
            "Rewrite the file."
        ) from None
