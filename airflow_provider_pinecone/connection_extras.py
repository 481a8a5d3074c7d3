"""Reading Airflow connection extras the way every connection form saves them. No Airflow import."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

_TRUE_STRINGS = frozenset({"true", "1", "yes", "on"})
_FALSE_STRINGS = frozenset({"false", "0", "no", "off", ""})
_JSON_KINDS = {list: "a list", str: "a string", bool: "true or false", int: "a number", float: "a number"}


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


def parse_flag(value: Any) -> bool | None:
    """A flag from an extra, strictly: ``None`` when ``value`` is neither a bool nor a yes/no word.

    Accepted: ``true``/``1``/``yes``/``on`` and ``false``/``0``/``no``/``off`` (any case, or the
    empty string, which the UI saves for an untouched field), real bools, ``0`` and ``1``, ``None``.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_STRINGS:
            return True
        if word in _FALSE_STRINGS:
            return False
    return None


def parse_extra_object(raw: Any) -> dict[str, Any]:
    """A connection's raw ``extra`` as the JSON object it must be.

    Airflow's own ``extra_dejson`` logs and returns ``{}`` for text that is not JSON, and returns
    lists, numbers and strings as they are; a provider reading it would silently use defaults or
    fail with an ``AttributeError``. This raises :class:`ValueError` saying what the extra is
    instead. The message never quotes the extra, which may hold secrets. Empty and ``null``
    extras are an empty object.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, (str, bytes, bytearray)):
        raise ValueError(f"is {type(raw).__name__}, not a JSON object")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except ValueError:  # undecodable bytes
        raise ValueError("is not valid JSON text") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"is {_JSON_KINDS.get(type(value), 'a JSON value')}, not a JSON object")
    return value


def parse_positive_number(value: Any, *, whole: bool) -> float | int | None:
    """A positive, finite number (a whole one if ``whole``) from an extra, or ``None`` if it is not one.

    Numbers and numeric strings are accepted; booleans, ``nan`` and infinities are not, nor
    ``2.5`` where a whole number is needed.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or number <= 0:
        return None
    if whole:
        if not number.is_integer():
            return None
        return int(number)
    return number
