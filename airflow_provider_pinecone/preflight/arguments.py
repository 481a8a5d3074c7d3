"""Checks on pre-flight's plain arguments; no pyarrow, so operators can run them when a DAG is parsed."""

from __future__ import annotations

from typing import Any


def check_counts(sample_rows: Any, max_workers: Any) -> None:
    """Raise ``ValueError`` unless ``sample_rows`` is 0 or more and ``max_workers`` 1 or more, both whole."""
    if not isinstance(sample_rows, int) or isinstance(sample_rows, bool) or sample_rows < 0:
        raise ValueError(f"sample_rows must be a whole number of rows, 0 or more, not {sample_rows!r}.")
    if not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1:
        raise ValueError(f"max_workers must be a positive whole number, not {max_workers!r}.")
