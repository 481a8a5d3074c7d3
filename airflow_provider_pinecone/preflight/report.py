"""The result of pre-flight: problems, the expected record counts per namespace, and its cost."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_pinecone.preflight.limits import human_bytes
from airflow_provider_pinecone.preflight.problems import Problem


@dataclass
class NamespaceSummary:
    """One namespace of the import: its Parquet files, their bytes, and the rows their footers count."""

    files: int = 0
    bytes: int = 0
    rows: int = 0

    def to_dict(self) -> dict[str, int]:
        """Plain JSON."""
        return {"files": self.files, "bytes": self.bytes, "rows": self.rows}


@dataclass
class ImportSourceReport:
    """Everything pre-flight learned about an import source.

    ``total_rows`` is the record count a clean import of this source reports as ``records_imported``
    (less any duplicates the warnings mention). ``requests`` and ``bytes_read`` are what the check
    cost in storage requests.
    """

    uri: str
    index_type: str | None = None
    error_mode: str = "continue"
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)
    namespaces: dict[str, NamespaceSummary] = field(default_factory=dict)
    sampled_rows: int = 0
    requests: int = 0
    bytes_read: int = 0
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when nothing would make the import fail or skip records."""
        return not self.errors

    @property
    def total_rows(self) -> int:
        """Rows in all importable files, from their footers."""
        return sum(ns.rows for ns in self.namespaces.values())

    @property
    def total_bytes(self) -> int:
        """Bytes of all importable files."""
        return sum(ns.bytes for ns in self.namespaces.values())

    @property
    def total_files(self) -> int:
        """Number of importable files."""
        return sum(ns.files for ns in self.namespaces.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON, for XCom: every field, with problems as dicts."""
        return {
            "uri": self.uri,
            "ok": self.ok,
            "index_type": self.index_type,
            "error_mode": self.error_mode,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "omitted": dict(self.omitted),
            "namespaces": {name: ns.to_dict() for name, ns in self.namespaces.items()},
            "total_rows": self.total_rows,
            "total_bytes": self.total_bytes,
            "total_files": self.total_files,
            "sampled_rows": self.sampled_rows,
            "requests": self.requests,
            "bytes_read": self.bytes_read,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def problem_counts(self) -> Counter[str]:
        """How many problems of each code were found (including those left out of the lists)."""
        counts = Counter(p.code for p in self.errors + self.warnings)
        counts.update(self.omitted)
        return counts

    def format_table(self, max_problems: int = 20) -> str:
        """A readable summary for the task log: namespaces, totals, cost, then problems."""
        lines = [f"Pre-flight of {self.uri} ({self.index_type or 'unknown'} vectors, error_mode={self.error_mode})"]
        if self.namespaces:
            width = max(len("namespace"), *(len(name) for name in self.namespaces))
            lines.append(f"  {'namespace':<{width}}  {'files':>9}  {'rows':>13}  {'size':>10}")
            for name, ns in sorted(self.namespaces.items()):
                lines.append(f"  {name:<{width}}  {ns.files:>9,}  {ns.rows:>13,}  {human_bytes(ns.bytes):>10}")
            lines.append(
                f"  {'total':<{width}}  {self.total_files:>9,}  {self.total_rows:>13,}"
                f"  {human_bytes(self.total_bytes):>10}"
            )
        sampled = f", {self.sampled_rows:,} rows sampled" if self.sampled_rows else ""
        lines.append(
            f"  {self.requests:,} storage requests, {human_bytes(self.bytes_read)} read"
            f" in {self.elapsed_s:.2f} s{sampled}"
        )
        lines.append(f"  {self.count(self.errors):,} errors, {self.count(self.warnings):,} warnings")
        lines.extend(self._problem_lines(max_problems))
        return "\n".join(lines)

    def count(self, problems: list[Problem]) -> int:
        """How many problems ``problems`` stands for: those listed, plus those of its codes left out."""
        codes = {p.code for p in problems}
        return len(problems) + sum(n for code, n in self.omitted.items() if code in codes)

    def summary(self, problems: list[Problem], kind: str, max_problems: int = 20) -> str:
        """Every code in ``problems`` with its count, then the first problems in full."""
        counts = self.problem_counts()
        head = ", ".join(f"{code} x{counts[code]:,}" for code in sorted({p.code for p in problems}))
        shown = [f"  - [{p.code}] {p.message}" for p in problems[:max_problems]]
        more = self.count(problems) - len(shown)
        if more > 0:
            shown.append(f"  ... and {more:,} more {kind} (in the full report)")
        return f"Pre-flight found {self.count(problems):,} {kind} in {self.uri} ({head}):\n" + "\n".join(shown)

    def error_summary(self, max_problems: int = 20) -> str:
        """Every error code with its count, and the first errors in full: the failure message."""
        return self.summary(self.errors, "errors", max_problems)

    def _problem_lines(self, max_problems: int) -> list[str]:
        lines = []
        for problem in (self.errors + self.warnings)[:max_problems]:
            lines.append(f"  {problem.severity.value.upper():<7} {problem.code}: {problem.message}")
        hidden = (
            self.count(self.errors) + self.count(self.warnings) - min(max_problems, len(self.errors + self.warnings))
        )
        if hidden > 0:
            lines.append(f"  ... {hidden:,} more (in the full report)")
        return lines
