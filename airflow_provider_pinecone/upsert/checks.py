"""Checking records before they are upserted, by pre-flight's record rules.

A bad record in an upsert request fails the whole request, so every row is checked first: the
columns against the index type (a wrong column fails the load), then each row against the record
rules of :mod:`airflow_provider_pinecone.preflight.records` (id, vector values, NaN and infinity,
sparse lengths, metadata a JSON object of at most 40 KB) and the index's dimension.

With ``error_mode="continue"`` bad rows are dropped and counted by rule code; with ``"abort"`` the
first one raises :class:`BadRecord`. Unlike an import, an id repeated within a load is no error:
the later record replaces the earlier one.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pyarrow as pa

from airflow_provider_pinecone.preflight.problems import Severity
from airflow_provider_pinecone.preflight.records import RecordSample, list_lengths, rule_text, sample_records
from airflow_provider_pinecone.preflight.schema import INDEX_TYPES, IndexType, schema_problems
from airflow_provider_pinecone.upsert.sources import UpsertSourceError

ErrorMode = Literal["continue", "abort"]
ERROR_MODES: tuple[ErrorMode, ...] = ("continue", "abort")
#: Skipped records remembered with their reason, for the summary.
MAX_SKIPPED_SAMPLE = 10
DIMENSION_MISMATCH = "record.dimension_mismatch"
# Ids are shown in messages, but not at any length.
_MAX_ID_SHOWN = 100


@dataclass(frozen=True)
class SkippedRecord:
    """A record that was not upserted: its id (``None`` if it has none), where it is, and the rule it broke."""

    id: str | None
    reason: str
    where: str
    row: int
    detail: str = ""

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{_show_id(self.id)} at row {self.row:,} of {self.where}: {self.reason}{detail}"


@dataclass
class CheckedRows:
    """The rows of one table that may be upserted, and what was skipped.

    :param table: The good rows, in their order.
    :param skipped: Skipped rows per rule code (``record.non_finite``, ...).
    :param skipped_records: The first few skipped rows (at most ``MAX_SKIPPED_SAMPLE``), with their reasons.
    """

    table: pa.Table
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_records: list[SkippedRecord] = field(default_factory=list)

    @property
    def skipped_ids(self) -> list[str]:
        """The ids of :attr:`skipped_records` (``""`` for a record without one)."""
        return [record.id or "" for record in self.skipped_records]


class BadRecord(UpsertSourceError):
    """A record breaks a rule under ``error_mode="abort"``; the message says where, which rule and how to fix it."""

    def __init__(self, record: SkippedRecord) -> None:
        self.record = record
        if record.reason == DIMENSION_MISMATCH:
            what, fix = "have vectors of another dimension than the index", "Every vector needs the index's dimension."
        else:
            what, fix = rule_text(record.reason)
        detail = f" ({record.detail})" if record.detail else ""
        super().__init__(
            f"Record {_show_id(record.id)} at row {record.row:,} of {record.where} cannot be upserted: "
            f"{record.reason}, records that {what}{detail}. {fix} With error_mode='abort' the first bad record "
            "stops the load; error_mode='continue' skips bad records and counts them."
        )


@dataclasses.dataclass
class _RowFindings(RecordSample):
    """A pre-flight sample that also keeps each bad row's first (rule, detail): upsert drops rows one by one."""

    first_finding_of_row: dict[int, tuple[str, str]] = dataclasses.field(default_factory=dict)

    def found(self, code: str, row: int, detail: str = "") -> None:
        super().found(code, row, detail)
        self.first_finding_of_row.setdefault(row, (code, detail))


class RowChecker:
    """Checks tables of records for one index, and keeps totals over every table it checked.

    :param index_type: ``dense``, ``sparse`` or ``hybrid``: the columns a record must have.
    :param dimension: The index's dimension; ``None`` compares dense vectors with the first one checked.
    :param error_mode: ``continue`` (drop bad rows) or ``abort`` (raise :class:`BadRecord` at the first).
    """

    def __init__(
        self,
        index_type: IndexType,
        dimension: int | None = None,
        error_mode: str = "continue",
        *,
        max_skipped_sample: int = MAX_SKIPPED_SAMPLE,
    ) -> None:
        if index_type not in INDEX_TYPES:
            raise ValueError(f"index_type must be one of {', '.join(INDEX_TYPES)}, got {index_type!r}")
        modes: dict[str, ErrorMode] = {mode: mode for mode in ERROR_MODES}
        mode = modes.get(error_mode.lower()) if isinstance(error_mode, str) else None
        if mode is None:
            raise ValueError(f"error_mode must be 'continue' or 'abort', got {error_mode!r}")
        self.index_type = index_type
        self.dimension = dimension
        self.error_mode: ErrorMode = mode
        self.max_skipped_sample = max_skipped_sample
        #: Rows skipped per rule code, over every table checked.
        self.skipped: Counter[str] = Counter()
        #: The first skipped records over every table checked, at most ``max_skipped_sample``.
        self.skipped_sample: list[SkippedRecord] = []
        self._reference = dimension
        self._schemas_seen: set[pa.Schema] = set()

    def check(self, table: pa.Table, where: str, *, first_row: int = 0) -> CheckedRows:
        """The rows of ``table`` that may be upserted.

        :param where: The table's source, for messages: a file's URI, or ``records``.
        :param first_row: The source's row number of the table's first row.
        :raises UpsertSourceError: A column is missing, unsupported or of the wrong type.
        :raises BadRecord: With ``error_mode="abort"``, at the first bad row.
        """
        self._check_columns(table.schema, where)
        bad = self._bad_rows(table, where)
        if not bad:
            return CheckedRows(table)
        ids = table.column("id") if "id" in table.column_names else None
        rows = sorted(bad)
        if self.error_mode == "abort":
            raise BadRecord(self._skipped_record(ids, rows[0], bad[rows[0]], where, first_row))
        skipped = Counter(code for code, _ in bad.values())
        records = [
            self._skipped_record(ids, row, bad[row], where, first_row) for row in rows[: self.max_skipped_sample]
        ]
        self.skipped.update(skipped)
        self.skipped_sample.extend(records[: self.max_skipped_sample - len(self.skipped_sample)])
        keep = np.ones(table.num_rows, dtype=bool)
        keep[rows] = False
        return CheckedRows(table.filter(pa.array(keep)), skipped, records)

    def _check_columns(self, schema: pa.Schema, where: str) -> None:
        if schema in self._schemas_seen:
            return
        errors = [p.message for p in schema_problems(schema, self.index_type, where) if p.severity is Severity.ERROR]
        if errors:
            raise UpsertSourceError(" ".join(errors))
        self._schemas_seen.add(schema)

    def _bad_rows(self, table: pa.Table, where: str) -> dict[int, tuple[str, str]]:
        """Each bad row's first (rule code, detail)."""
        sample = sample_records(table, self.index_type, where, "", sample_type=_RowFindings, keys=False)
        bad = sample.first_finding_of_row
        if "values" in table.column_names and table.num_rows:
            if self._reference is None and sample.dimensions:
                self._reference = min(sample.first_row_of_dimension, key=sample.first_row_of_dimension.__getitem__)
            if self._reference is not None and set(sample.dimensions) - {self._reference}:
                self._add_dimension_mismatches(table.column("values"), bad)
        return bad

    def _add_dimension_mismatches(self, values: pa.ChunkedArray, bad: dict[int, tuple[str, str]]) -> None:
        lengths = list_lengths(values.combine_chunks())
        # Rows without values were already found by the record rules (record.missing_values).
        against = "the index's dimension" if self.dimension is not None else "the dimension of the first record"
        for row in np.flatnonzero((lengths != self._reference) & (lengths > 0)).tolist():
            bad.setdefault(row, (DIMENSION_MISMATCH, f"dimension {lengths[row]}, not {self._reference} ({against})"))

    @staticmethod
    def _skipped_record(
        ids: pa.ChunkedArray | None, row: int, finding: tuple[str, str], where: str, first_row: int
    ) -> SkippedRecord:
        record_id = ids[row].as_py() if ids is not None else None
        return SkippedRecord(record_id or None, finding[0], where, first_row + row, finding[1])


def _show_id(record_id: str | None) -> str:
    if not record_id:
        return "without an id"
    shown = record_id if len(record_id) <= _MAX_ID_SHOWN else record_id[:_MAX_ID_SHOWN] + "..."
    return repr(shown)
