"""``configure_index`` (``PATCH /indexes/{index_name}``): what a serverless index may change.

Both request shapes are accepted, each in its own versions:

* up to 2026-04: ``deletion_protection``, ``tags``, ``spec.serverless.read_capacity`` and ``embed``;
* 2026-07: ``deletion_protection``, ``tags``, ``read_capacity``, ``schema`` (a semantic_text
  field's parameters) and ``deployment`` (pod-based indexes only).

Tags merge into the index's tags; a tag set to ``""`` is removed. The emulator's indexes are
serverless with on-demand read capacity, so pod settings and dedicated read capacity are refused
with a message saying so. Unknown fields are refused, as 2026-07's ``additionalProperties: false``
says; the emulator holds the older shape to the same rule.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_object
from airflow_provider_pinecone.testing.emulator.integrated import reconfigure_embed, reconfigure_semantic_field
from airflow_provider_pinecone.testing.emulator.state import IndexConfig

MAX_TAGS = 20
MAX_TAG_KEY = 80
MAX_TAG_VALUE = 120
_TAG_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_FIELDS_BEFORE_2026_07 = frozenset({"spec", "deletion_protection", "tags", "embed"})
_FIELDS_2026_07 = frozenset({"deployment", "schema", "read_capacity", "tags", "deletion_protection"})


def configure(config: IndexConfig, body: dict[str, Any], *, schema_indexes: bool) -> IndexConfig:
    """``config`` with a ``ConfigureIndexRequest`` applied; raises :class:`InvalidArgument` to refuse it."""
    allowed = _FIELDS_2026_07 if schema_indexes else _FIELDS_BEFORE_2026_07
    unknown = set(body) - allowed
    if unknown:
        raise InvalidArgument(
            f"Unknown field(s) {sorted(unknown)} in a ConfigureIndexRequest of this API version; "
            f"it takes {', '.join(sorted(allowed))}."
        )
    # Only 2026-07's IndexTags is nullable; a null anywhere else is a type error, not "no change".
    nulls = sorted(k for k, v in body.items() if v is None and not (schema_indexes and k == "tags"))
    if nulls:
        raise InvalidArgument(f"{', '.join(nulls)} may not be null: omit a field to leave it unchanged.")
    if body.get("deletion_protection") is not None:
        value = body["deletion_protection"]
        if value not in ("enabled", "disabled"):
            raise InvalidArgument(
                f"Invalid value for deletion_protection: expected enabled or disabled, got {value!r}."
            )
        config = dataclasses.replace(config, deletion_protection=value)
    if body.get("tags") is not None:
        config = dataclasses.replace(config, tags=merge_tags(config.tags, body["tags"]))
    if schema_indexes:
        if body.get("deployment") is not None:
            raise InvalidArgument(
                "deployment (replicas, pod_type) can only be changed on pod-based indexes; this index is "
                "serverless (managed), and its deployment type, cloud and region cannot change."
            )
        _check_read_capacity(body.get("read_capacity"), "read_capacity")
        if body.get("schema") is not None:
            config = reconfigure_semantic_field(config, require_object(body["schema"], "schema"))
    else:
        if body.get("spec") is not None:
            spec = require_object(body["spec"], "spec")
            if set(spec) != {"serverless"}:
                raise InvalidArgument(
                    f"spec: this index is serverless, so only spec.serverless can be configured, got {sorted(spec)}."
                )
            serverless = require_object(spec["serverless"], "spec.serverless")
            _check_read_capacity(serverless.get("read_capacity"), "spec.serverless.read_capacity")
        if body.get("embed") is not None:
            config = reconfigure_embed(config, require_object(body["embed"], "embed"))
    return config


def _check_read_capacity(raw: Any, where: str) -> None:
    if raw is None:
        return
    mode = require_object(raw, where).get("mode")
    if mode != "OnDemand":
        raise InvalidArgument(
            f'{where}: the emulator only supports {{"mode": "OnDemand"}} read capacity, got mode {mode!r}.'
        )


def merge_tags(current: dict[str, str] | None, changes: Any) -> dict[str, str] | None:
    """``current`` tags updated by ``changes``; a value of ``""`` removes its key. ``None`` when none are left."""
    changes = require_object(changes, "tags")
    merged = dict(current or {})
    for key, value in changes.items():
        if not _TAG_KEY.match(key) or len(key) > MAX_TAG_KEY:
            raise InvalidArgument(
                f"Invalid tag key {key[:90]!r}: keys are 1 to {MAX_TAG_KEY} characters, alphanumeric, '_' or '-'."
            )
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE or not (value.isascii() and value.isprintable()):
            raise InvalidArgument(
                f"Invalid value for tag {key!r}: values are strings of at most {MAX_TAG_VALUE} printable ASCII "
                'characters ("" removes the tag).'
            )
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    if len(merged) > MAX_TAGS:
        raise InvalidArgument(f"An index has at most {MAX_TAGS} tags; this change would leave {len(merged)}.")
    return merged or None
