"""A read-only, seekable file over an object in storage, for pyarrow to parse Parquet from.

It starts with the object's tail already fetched (one request, which holds the footer of almost
every Parquet file), serves pyarrow's reads from it, and makes one ranged request for any read
the tail does not cover: the rest of an unusually large footer, or column chunks when rows are
sampled.

When only the footer is wanted (pre-flight without a row sample), :func:`read_footer` reads a
smaller tail (16 KiB) and parses it in memory, with no Python file object between pyarrow and the
bytes; a footer larger than that tail costs exactly one more request, for the part it lacks.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from airflow_provider_pinecone.storage import DEFAULT_TAIL_BYTES, ObjectStore, StoredObject

#: The first read of :func:`read_footer`: the footers of typical import files (a few columns, a
#: few row groups) take 1 to 10 KiB; larger ones cost one more request.
FOOTER_TAIL_BYTES = 16 * 1024
_MAGIC = b"PAR1"
# The footer's length (4 bytes, little-endian) and the magic end every Parquet file.
_TRAILER = 8


class UnreadableParquet(Exception):
    """pyarrow could not parse the file's footer: it is not Parquet, or it is truncated."""


def read_footer(store: ObjectStore, obj: StoredObject, tail_bytes: int = FOOTER_TAIL_BYTES) -> pq.FileMetaData:
    """``obj``'s footer (schema, row count), in one ranged request when it fits in ``tail_bytes``.

    Raises :class:`UnreadableParquet` when the file is too short, lacks the magic, declares a footer
    longer than itself, or the footer does not parse; storage errors pass through.
    """
    tail = store.read_tail(obj, tail_bytes)
    if len(tail) < _TRAILER + len(_MAGIC) or not tail.endswith(_MAGIC):
        raise UnreadableParquet(obj.key)
    # The footer, its trailer and the leading magic: pyarrow checks the file is at least this long.
    needed = int.from_bytes(tail[-_TRAILER:-4], "little") + _TRAILER + len(_MAGIC)
    if needed > obj.size:
        raise UnreadableParquet(obj.key)
    if needed > len(tail):
        tail = store.read_range(obj.key, obj.size - needed, obj.size - len(tail)) + tail
    try:
        return pq.read_metadata(pa.BufferReader(tail))
    except (pa.ArrowException, OSError, ValueError):
        raise UnreadableParquet(obj.key) from None


def open_parquet(store: ObjectStore, obj: StoredObject, **options: Any) -> pq.ParquetFile:
    """``obj`` as a ``ParquetFile``, its footer read with one ranged request in the common case.

    Raises :class:`UnreadableParquet` when the footer cannot be parsed; storage errors pass through.
    ``options`` go to ``pq.ParquetFile`` (e.g. a ``buffer_size`` for reading a few rows).
    """
    try:
        return pq.ParquetFile(RemoteFile(store, obj, store.read_tail(obj, DEFAULT_TAIL_BYTES)), **options)
    except (pa.ArrowException, OSError, ValueError):
        raise UnreadableParquet(obj.key) from None


class RemoteFile(io.RawIOBase):
    """``obj`` as a file, backed by ``tail`` (its last bytes) and ranged reads on ``store``."""

    def __init__(self, store: ObjectStore, obj: StoredObject, tail: bytes) -> None:
        super().__init__()
        self._store = store
        self._obj = obj
        self._tail = tail
        self._tail_start = obj.size - len(tail)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._obj.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        start = self._position
        end = min(self._obj.size, start + len(buffer))
        if end <= start:
            return 0
        if start >= self._tail_start:
            data = self._tail[start - self._tail_start : end - self._tail_start]
        else:
            # Fetch up to the cached tail in one request, and take the rest from the tail.
            fetched = self._store.read_range(self._obj.key, start, min(end, self._tail_start))
            data = fetched + self._tail[: max(0, end - self._tail_start)]
        n = len(data)
        memoryview(buffer)[:n] = data
        self._position = start + n
        return n
