"""Problems pre-flight finds: a stable code, a severity, the object it concerns and what to fix."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from typing import Any


class Severity(enum.StrEnum):
    """An error fails the import (or the pre-flight task); a warning predicts a surprise."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. ``code`` is stable (``area.name``) so DAGs and tests can match on it."""

    code: str
    severity: Severity
    message: str
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON, for XCom."""
        return {"code": self.code, "severity": str(self.severity), "message": self.message, "path": self.path}


def error(code: str, message: str, path: str | None = None) -> Problem:
    """An error: the import would fail, or would silently load less than expected."""
    return Problem(code, Severity.ERROR, message, path)


def warning(code: str, message: str, path: str | None = None) -> Problem:
    """A warning: the import would run, but probably not as intended."""
    return Problem(code, Severity.WARNING, message, path)


class ProblemLog:
    """Collects problems, keeping at most ``max_per_code`` of each code so memory stays bounded.

    A source with 100,000 broken files would otherwise produce 100,000 problem objects; the rest of
    each code are counted, and the report says how many were left out.
    """

    def __init__(self, max_per_code: int = 1000) -> None:
        self.max_per_code = max_per_code
        self.kept: list[Problem] = []
        self.counts: Counter[str] = Counter()

    def add(self, problem: Problem) -> None:
        """Record ``problem`` (kept if its code is still under the cap)."""
        self.counts[problem.code] += 1
        if self.counts[problem.code] <= self.max_per_code:
            self.kept.append(problem)

    def extend(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        """Record each of ``problems``."""
        for problem in problems:
            self.add(problem)

    def omitted(self) -> dict[str, int]:
        """How many problems of each code were counted but not kept."""
        return {code: n - self.max_per_code for code, n in self.counts.items() if n > self.max_per_code}

    def of(self, severity: Severity) -> list[Problem]:
        """The kept problems of one severity, ordered by path then code (stable across runs)."""
        chosen = [p for p in self.kept if p.severity is severity]
        return sorted(chosen, key=lambda p: (p.path or "", p.code))
