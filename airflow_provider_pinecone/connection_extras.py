"""Reading Airflow connection extras the way every connection form saves them. No Airflow import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TRUE_STRINGS = frozenset({"true", "1", "yes", "on"})


def connection_extra(extra: Mapping[str, Any] | None, name: str, conn_type: str) -> Any:
    """The value of extra field ``name``, also accepted in its old ``extra__<conn_type>__<name>`` form.

    Empty strings count as absent: Airflow's UI saves untouched fields as ``""``.
    """
    extra = extra or {}
    for key in (name, f"extra__{conn_type}__{name}"):
        value = extra.get(key)
        if value not in (None, ""):
            return value
    return None


def as_bool(value: Any) -> bool:
    """A flag from an extra: ``true``/``1``/``yes``/``on`` (any case) or a real bool."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_STRINGS
    return bool(value)
