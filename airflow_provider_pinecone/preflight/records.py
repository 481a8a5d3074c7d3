"""Rules over sampled records: ids, vectors and metadata, row by row, and duplicates across files.

Sampling is opt-in and bounded: at most ``sample_rows`` rows from the start of each file. Findings
are aggregated to one problem per code and file ("7 of 100 sampled rows ..., first at row 3"), so
a bad file gives a handful of problems, not thousands.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TypeVar

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from airflow_provider_pinecone.preflight import limits
from airflow_provider_pinecone.preflight.index_rules import dimension_problem
from airflow_provider_pinecone.preflight.problems import Problem, error, warning
from airflow_provider_pinecone.preflight.schema import IndexType


@dataclass
class Finding:
    """How many sampled rows of one file broke one rule, the first such row and what was wrong there."""

    count: int = 0
    first_row: int = -1
    detail: str = ""

    def add(self, row: int, detail: str = "") -> None:
        """Count one more row, remembering it (and what was wrong) if it is the first."""
        if self.count == 0:
            self.first_row, self.detail = row, detail
        self.count += 1


@dataclass
class RecordSample:
    """What sampling one file found; duplicates are judged later, across the files of a namespace."""

    path: str
    namespace: str
    rows: int = 0
    findings: dict[str, Finding] = field(default_factory=dict)
    dimensions: Counter[int] = field(default_factory=Counter)
    first_row_of_dimension: dict[int, int] = field(default_factory=dict)
    id_keys: list[tuple[int, int]] = field(default_factory=list)
    vector_keys: list[tuple[int, int]] = field(default_factory=list)

    def found(self, code: str, row: int, detail: str = "") -> None:
        """Record that ``row`` breaks rule ``code`` (a subclass may keep more, per row)."""
        self.findings.setdefault(code, Finding()).add(row, detail)


SampleT = TypeVar("SampleT", bound=RecordSample)


def read_sample(parquet: pq.ParquetFile, columns: list[str], sample_rows: int) -> pa.Table:
    """The first ``sample_rows`` rows of ``columns``, reading no more pages than that needs."""
    batches, taken = [], 0
    for batch in parquet.iter_batches(batch_size=sample_rows, columns=columns):
        batches.append(batch.slice(0, sample_rows - taken))
        taken += batches[-1].num_rows
        if taken >= sample_rows:
            break
    if not batches:
        return parquet.schema_arrow.empty_table().select(columns)
    return pa.Table.from_batches(batches)


def numpy_view(array: pa.Array) -> np.ndarray[Any, Any]:
    """A numeric Arrow array as numpy: a read-only view of its buffer when it has no nulls.

    Through DLPack, not ``Array.to_numpy``: pyarrow's conversions to numpy (like ``pa.array`` and
    compute functions given a Python scalar) import pandas, about 1 s of CPU and 50 MiB once per
    process, which an upsert task has no other use for. With nulls (a bad record) it converts with
    ``to_numpy``, null floats becoming NaN.
    """
    items: np.ndarray[Any, Any] = array.to_numpy(zero_copy_only=False) if array.null_count else np.from_dlpack(array)
    return items


def list_lengths(array: pa.Array) -> np.ndarray[Any, Any]:
    """Each row's number of items in a list array, 0 for a null row."""
    lengths = pc.list_value_length(array)
    if not lengths.null_count:
        return numpy_view(lengths)
    counts: np.ndarray[Any, Any] = np.nan_to_num(numpy_view(lengths), nan=0.0).astype(np.int64)  # nulls: NaN
    return counts


class _Lists:
    """A list column of one sample: each row's null flag and length, the rows holding a non-finite
    item, and each row's items as bytes (for hashing), with no Python object per item."""

    def __init__(self, column: pa.ChunkedArray | pa.Array) -> None:
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        null = array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None
        self.null: list[bool] = null.tolist() if null is not None else [False] * len(array)
        self.lengths: list[int] = list_lengths(array).tolist()
        self._array = array
        self._flat = pc.list_flatten(array)
        self.non_finite_rows: set[int] = self._non_finite_rows() if pa.types.is_floating(self._flat.type) else set()
        self._data: memoryview | None = None
        self._offsets: list[int] = []
        self._width = 0

    def _non_finite_rows(self) -> set[int]:
        # A null item counts as non-finite: Pinecone cannot store it either (to_numpy makes it NaN).
        # The float64 sum is finite exactly when every item is (float32/16 items cannot overflow it),
        # and costs no copy: most slices are clean, so only a dirty one is looked at item by item.
        items = numpy_view(self._flat)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow only sends it the slow way
            total = items.sum(dtype=np.float64)
        if np.isfinite(total):
            return set()
        parents = numpy_view(pc.list_parent_indices(self._array))
        rows: list[int] = np.unique(parents[~np.isfinite(items)]).tolist()
        return set(rows)

    def row_bytes(self, i: int) -> bytes:
        """Row ``i``'s items as raw bytes (for hashing identical vectors)."""
        if self._data is None:
            flat = self._flat
            if flat.null_count:
                flat = pc.fill_null(flat, float("nan") if pa.types.is_floating(flat.type) else 0)
            self._width = flat.type.bit_width // 8
            self._data = memoryview(flat.buffers()[1])[flat.offset * self._width :] if len(flat) else memoryview(b"")
            self._offsets = list(accumulate(self.lengths, initial=0))
        return bytes(self._data[self._offsets[i] * self._width : self._offsets[i + 1] * self._width])


def sample_records(
    table: pa.Table,
    index_type: IndexType,
    path: str,
    namespace: str,
    *,
    sample_type: type[SampleT] = RecordSample,  # type: ignore[assignment]
    keys: bool = True,
) -> SampleT:
    """Check every row of ``table`` (a sample of one file) against the record rules.

    :param sample_type: The :class:`RecordSample` class to fill; a subclass can keep more of what
        :meth:`RecordSample.found` is told (the emulator keeps each bad row's first finding).
    :param keys: Keep each row's id and vector hash for :class:`RecordChecks`' duplicate rules. An
        upsert, where a repeated id simply overwrites, skips them: hashing every vector costs more
        than all the other rules together.
    """
    sample = sample_type(path=path, namespace=namespace, rows=table.num_rows)
    names = table.column_names
    ids = table.column("id").to_pylist() if "id" in names else None
    dense = _Lists(table.column("values")) if "values" in names else None
    sparse = table.column("sparse_values").combine_chunks() if "sparse_values" in names else None
    sparse_null = sparse.is_null().to_pylist() if sparse is not None else None
    # flatten() applies the struct's own nulls and offset to its children; field() would not.
    children = dict(zip((f.name for f in sparse.type), sparse.flatten(), strict=True)) if sparse is not None else {}
    indices = _Lists(children["indices"]) if sparse is not None else None
    sparse_values = _Lists(children["values"]) if sparse is not None else None
    metadata = table.column("metadata").to_pylist() if "metadata" in names else None

    for row in range(table.num_rows):
        vector_parts: list[bytes] = []
        if ids is not None:
            _check_id(sample, row, ids[row], keys)
        if dense is not None:
            if dense.null[row] or dense.lengths[row] == 0:
                sample.found("record.missing_values", row, 'missing required values in column "values"')
            else:
                dimension = dense.lengths[row]
                sample.dimensions[dimension] += 1
                sample.first_row_of_dimension.setdefault(dimension, row)
                if row in dense.non_finite_rows:
                    sample.found("record.non_finite", row, 'column "values" holds NaN, infinity or null')
                if keys:
                    vector_parts.append(dense.row_bytes(row))
        if sparse is not None:
            if sparse_null[row] or indices.null[row]:
                if index_type == "sparse":
                    sample.found("record.missing_values", row, 'missing required values in column "sparse_values"')
            else:
                n_indices, n_values = indices.lengths[row], sparse_values.lengths[row]
                if n_indices != n_values:
                    sample.found("record.sparse_length_mismatch", row, f"{n_indices} indices but {n_values} values")
                elif index_type == "sparse" and n_indices == 0:
                    sample.found("record.missing_values", row, 'missing required values in column "sparse_values"')
                if row in sparse_values.non_finite_rows:
                    sample.found("record.non_finite", row, 'column "sparse_values" holds NaN, infinity or null')
                if keys:
                    vector_parts.append(indices.row_bytes(row) + b"|" + sparse_values.row_bytes(row))
        if metadata is not None and metadata[row] is not None:
            _check_metadata(sample, row, metadata[row])
        if vector_parts:
            sample.vector_keys.append((hash(b"#".join(vector_parts)), row))
    return sample


def _check_id(sample: RecordSample, row: int, record_id: str | None, keep_key: bool = True) -> None:
    if not record_id:
        sample.found("record.missing_id", row, 'missing required values in column "id"')
        return
    if len(record_id) > limits.MAX_ID_CHARS:
        sample.found("record.id_too_long", row, f"id of {len(record_id):,} characters")
    if keep_key:
        sample.id_keys.append((hash(record_id), row))


def _check_metadata(sample: RecordSample, row: int, text: str) -> None:
    size = len(text.encode("utf-8"))
    if size > limits.MAX_METADATA_BYTES:
        sample.found("record.metadata_too_large", row, f"{size:,} bytes of metadata")
    try:
        parsed = orjson.loads(text)  # fast, and as strict (no NaN or Infinity)
    except orjson.JSONDecodeError:
        # The standard library has the last word, and its wording is the one users see.
        try:
            parsed = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
            sample.found("record.invalid_metadata", row, f"Failed to parse metadata: {exc}")
            return
    if not isinstance(parsed, dict):
        sample.found(
            "record.invalid_metadata",
            row,
            f"Failed to parse metadata: a JSON object is required, got {type(parsed).__name__}",
        )


def _refuse_constant(name: str) -> float:
    # json.loads accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not valid JSON")


# Each record rule (all are errors): what the bad rows do, and how to fix them.
_RULES = {
    "record.missing_id": ("have no id", "Give every record a non-empty string id."),
    "record.id_too_long": (
        f"have ids longer than {limits.MAX_ID_CHARS} characters",
        f"Shorten ids to at most {limits.MAX_ID_CHARS} characters.",
    ),
    "record.missing_values": ("have no vector values", "Every record needs its vector."),
    "record.non_finite": ("hold NaN or infinite vector values", "Replace or drop those records."),
    "record.sparse_length_mismatch": (
        "have sparse vectors whose indices and values differ in length",
        "Give each sparse value exactly one index.",
    ),
    "record.invalid_metadata": (
        "have metadata that is not a JSON object",
        "Write metadata as json.dumps of a dict, or NULL.",
    ),
    "record.metadata_too_large": (
        f"have more than {limits.MAX_METADATA_BYTES // 1024} KB of metadata",
        f"Keep each record's metadata under {limits.MAX_METADATA_BYTES // 1024} KB.",
    ),
}


def rule_text(code: str) -> tuple[str, str]:
    """What rows breaking record rule ``code`` do, and how to fix them (the upsert's checks word them so too)."""
    return _RULES[code]


#: Sampled keys remembered per kind (ids, vectors) to find duplicates: about 60 MB each at most.
MAX_TRACKED_KEYS = 500_000


class _SeenKeys:
    """Where each sampled id (or vector) was first seen, per namespace, up to a fixed number of keys.

    A key is a 64-bit hash and its place one packed int (file number, row), so a key costs one
    dict entry; past ``limit`` keys, new keys are no longer remembered (repeats of remembered
    ones are still found), which bounds memory however many files are sampled.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._by_namespace: dict[str, dict[int, int]] = {}

    def first_place(self, namespace: str, key: int, place: int) -> int | None:
        """The place ``key`` was first seen in ``namespace``, remembering ``place`` if it is new."""
        seen = self._by_namespace.setdefault(namespace, {})
        earlier = seen.get(key)
        if earlier is None and self.size < self.limit:
            seen[key] = place
            self.size += 1
        return earlier


class RecordChecks:
    """Turns each file's :class:`RecordSample` into problems, as the files arrive in key order.

    Dimensions are compared with the index's, or with the first records seen; ids and vectors are
    compared with every earlier one in the same namespace. Samples are not kept.
    """

    def __init__(self, *, index_dimension: int | None, error_mode: str, max_tracked_keys: int = MAX_TRACKED_KEYS):
        self.index_dimension = index_dimension
        self.reference = index_dimension
        self.error_mode = error_mode
        self._paths: list[str] = []
        self._ids = _SeenKeys(max_tracked_keys)
        self._vectors = _SeenKeys(max_tracked_keys)

    def check(self, sample: RecordSample) -> list[Problem]:
        """The problems of one file's sample, including duplicates of earlier files' records."""
        problems = []
        for code, finding in sample.findings.items():
            what, fix = _RULES[code]
            problems.append(error(code, _message(sample, finding, what, fix), sample.path))
        if self.reference is None and sample.dimensions:
            self.reference = sample.dimensions.most_common(1)[0][0]
        problems.extend(_dimension_problems(sample, self.reference, self.index_dimension))
        file_number = len(self._paths)
        self._paths.append(sample.path)
        for kind, keys, seen in (("id", sample.id_keys, self._ids), ("vector", sample.vector_keys, self._vectors)):
            problems.extend(self._duplicates(sample, file_number, keys, seen, kind))
        return problems

    def _duplicates(
        self, sample: RecordSample, file_number: int, keys: list[tuple[int, int]], seen: _SeenKeys, kind: str
    ) -> list[Problem]:
        count, first = 0, None
        for key, row in keys:
            earlier = seen.first_place(sample.namespace, key, (file_number << 32) | row)
            if earlier is not None:
                count += 1
                first = first or (row, self._paths[earlier >> 32], earlier & 0xFFFFFFFF)
        if not count:
            return []
        row, earlier_path, earlier_row = first
        where = f"row {earlier_row}" if earlier_path == sample.path else f"{earlier_path} row {earlier_row}"
        if kind == "id":
            return [
                error(
                    "record.duplicate_id",
                    f"{count} sampled rows in {sample.path} reuse an id already used in namespace "
                    f"{sample.namespace!r} (first: row {row}, same id as {where}). One record would replace the "
                    "other, so fewer records than rows would be imported; make ids unique.",
                    sample.path,
                )
            ]
        consequence = (
            "With error_mode='abort' the import fails on a duplicate vector"
            if self.error_mode == "abort"
            else "Pinecone skips identical vectors, so records_imported will fall short of the row count "
            "by at least this much"
        )
        make = error if self.error_mode == "abort" else warning
        return [
            make(
                "record.duplicate_vector",
                f"{count} sampled rows in {sample.path} repeat a vector already seen in namespace {sample.namespace!r} "
                f"(first: row {row}, same vector as {where}). {consequence}; deduplicate the source data.",
                sample.path,
            )
        ]


def _message(sample: RecordSample, finding: Finding, what: str, fix: str) -> str:
    detail = f" ({finding.detail})" if finding.detail else ""
    return (
        f"{finding.count} of {sample.rows} sampled rows in {sample.path} {what}; first at row "
        f"{finding.first_row}{detail}. {fix}"
    )


def _dimension_problems(sample: RecordSample, reference: int | None, index_dimension: int | None) -> list[Problem]:
    if reference is None:
        return []
    wrong = {dim: n for dim, n in sample.dimensions.items() if dim != reference}
    if not wrong:
        return []
    if index_dimension is not None and len(sample.dimensions) == 1:
        (dimension,) = wrong
        return [dimension_problem(sample.path, dimension, index_dimension)]
    first = min(sample.first_row_of_dimension[dim] for dim in wrong)
    against = "the index's dimension" if index_dimension is not None else "the dimension of the first records"
    return [
        error(
            "record.dimension_mismatch",
            f"{sum(wrong.values())} of {sample.rows} sampled rows in {sample.path} have vectors of dimension "
            f"{', '.join(map(str, sorted(wrong)))} instead of {reference} ({against}); first at row {first}. "
            "Every vector must have the index's dimension.",
            sample.path,
        )
    ]
