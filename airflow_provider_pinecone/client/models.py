"""Typed views of Pinecone's API objects.

The wire format is camelCase on the data plane and snake_case on the control plane; these models are
snake_case throughout. Parsing tolerates unknown extra fields and missing optional ones, so a newer
API version that adds fields does not break a running DAG.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ImportStatus(enum.StrEnum):
    """The states of a bulk import, as the API spells them (``str()`` and f-strings give the value)."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


#: The default namespace's name in import layouts and in this package's models.
DEFAULT_NAMESPACE = "__default__"

#: States an import never leaves.
TERMINAL_STATUSES = frozenset({ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.CANCELLED})


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_status(value: Any) -> ImportStatus | str:
    try:
        return ImportStatus(value)
    except ValueError:
        # A status this version does not know is kept verbatim and treated as not terminal.
        return str(value)


@dataclass(frozen=True)
class ImportModel:
    """One bulk import, as returned by ``describe_import`` and ``list_imports``."""

    id: str
    uri: str | None = None
    status: ImportStatus | str = ImportStatus.PENDING
    created_at: datetime | None = None
    finished_at: datetime | None = None
    percent_complete: float | None = None
    records_imported: int | None = None
    error: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ImportModel:
        """Parse the API's camelCase ``ImportModel`` (snake_case keys are accepted too)."""

        def pick(camel: str, snake: str) -> Any:
            return data.get(camel, data.get(snake))

        percent = pick("percentComplete", "percent_complete")
        records = pick("recordsImported", "records_imported")
        return cls(
            id=str(data["id"]),
            uri=data.get("uri"),
            status=_parse_status(data.get("status", ImportStatus.PENDING.value)),
            created_at=_parse_time(pick("createdAt", "created_at")),
            finished_at=_parse_time(pick("finishedAt", "finished_at")),
            percent_complete=float(percent) if percent is not None else None,
            records_imported=int(records) if records is not None else None,
            error=data.get("error") or None,
        )

    @property
    def is_terminal(self) -> bool:
        """True once the import is Completed, Failed or Cancelled."""
        return self.status in TERMINAL_STATUSES

    def to_dict(self) -> dict[str, Any]:
        """A plain-JSON dict (for XCom and trigger events), snake_case, times in ISO 8601."""
        return {
            "id": self.id,
            "uri": self.uri,
            "status": str(self.status),
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "percent_complete": self.percent_complete,
            "records_imported": self.records_imported,
            "error": self.error,
        }

    def describe_progress(self) -> str:
        """One human line: status, percent and records, e.g. ``InProgress: 42.0% (1,000 records)``."""
        parts = [str(self.status)]
        if self.percent_complete is not None:
            parts.append(f"{self.percent_complete:.1f}%")
        if self.records_imported is not None:
            parts.append(f"{self.records_imported:,} records imported")
        return ", ".join(parts)


@dataclass(frozen=True)
class IndexModel:
    """An index as the control plane describes it, from either API version's shape.

    2025-10 reports ``dimension``, ``metric``, ``vector_type`` and ``spec.serverless.cloud``;
    2026-07 reports ``deployment.cloud`` and typed ``schema.fields``.
    """

    name: str
    host: str
    cloud: str | None = None
    region: str | None = None
    dimension: int | None = None
    metric: str | None = None
    vector_type: str = "dense"
    serverless: bool = True
    integrated_embedding: bool = False
    embedding_model: str | None = None
    ready: bool = False
    state: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> IndexModel:
        """Parse either API version's ``IndexModel``."""
        status = data.get("status") or {}
        common = {
            "name": data["name"],
            "host": data.get("host") or "",
            "ready": bool(status.get("ready", False)),
            "state": status.get("state"),
        }
        if "deployment" in data or "schema" in data:
            return cls(**common, **_fields_from_2026_07(data))
        return cls(**common, **_fields_from_2025_10(data))


def _fields_from_2025_10(data: dict[str, Any]) -> dict[str, Any]:
    spec = data.get("spec") or {}
    serverless = spec.get("serverless")
    placement = serverless or spec.get("byoc") or {}
    embed = data.get("embed") or None
    return {
        "cloud": placement.get("cloud"),
        "region": placement.get("region") or (spec.get("pod") or {}).get("environment"),
        "dimension": data.get("dimension"),
        "metric": data.get("metric"),
        "vector_type": data.get("vector_type") or "dense",
        "serverless": serverless is not None,
        "integrated_embedding": embed is not None,
        "embedding_model": embed.get("model") if embed else None,
    }


def _fields_from_2026_07(data: dict[str, Any]) -> dict[str, Any]:
    deployment = data.get("deployment") or {}
    fields = (data.get("schema") or {}).get("fields") or {}
    by_type: dict[str, dict[str, Any]] = {}
    for spec in fields.values():
        if isinstance(spec, dict) and spec.get("type"):
            by_type.setdefault(spec["type"], spec)
    semantic = by_type.get("semantic_text")
    # The field that carries the index's vectors. Dense vectors-API indexes report both
    # _values and _sparse_values, so a dense field wins; a semantic field's model has a
    # dimension only when it produces dense vectors.
    vector_field = by_type.get("dense_vector") or semantic or {}
    vector_type = "dense" if vector_field.get("dimension") else "sparse" if by_type else "dense"
    return {
        "cloud": deployment.get("cloud"),
        "region": deployment.get("region") or deployment.get("environment"),
        "dimension": vector_field.get("dimension"),
        "metric": vector_field.get("metric"),
        "vector_type": vector_type,
        "serverless": deployment.get("deployment_type") == "managed",
        "integrated_embedding": semantic is not None,
        "embedding_model": semantic.get("model") if semantic else None,
    }


@dataclass(frozen=True)
class IndexStats:
    """The answer of ``describe_index_stats``: vector counts per namespace."""

    namespaces: dict[str, int] = field(default_factory=dict)
    total_vector_count: int = 0
    dimension: int | None = None
    metric: str | None = None
    vector_type: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> IndexStats:
        """Parse the data plane's ``IndexDescription``."""
        namespaces: dict[str, int] = {}
        for name, summary in (data.get("namespaces") or {}).items():
            # Pinecone names the default namespace "" or "__default__"; callers see only the latter.
            key = name or DEFAULT_NAMESPACE
            namespaces[key] = namespaces.get(key, 0) + int((summary or {}).get("vectorCount", 0))
        return cls(
            namespaces=namespaces,
            total_vector_count=int(data.get("totalVectorCount", sum(namespaces.values()))),
            dimension=data.get("dimension"),
            metric=data.get("metric"),
            vector_type=data.get("vectorType"),
        )

    def to_dict(self) -> dict[str, Any]:
        """A plain-JSON dict for XCom."""
        return {
            "namespaces": dict(self.namespaces),
            "total_vector_count": self.total_vector_count,
            "dimension": self.dimension,
            "metric": self.metric,
            "vector_type": self.vector_type,
        }


@dataclass(frozen=True)
class QueryMatch:
    """One nearest neighbour from ``query``: its id, similarity score, and what was asked for."""

    id: str
    score: float
    values: list[float] | None = None
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> QueryMatch:
        """Parse one entry of the ``matches`` list."""
        return cls(
            id=str(data["id"]),
            score=float(data.get("score") or 0.0),
            values=data.get("values") or None,
            metadata=data.get("metadata") or None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON, for XCom."""
        return {"id": self.id, "score": self.score, "values": self.values, "metadata": self.metadata}
