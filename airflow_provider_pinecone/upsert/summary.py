"""What a load did, as the task returns it: records per namespace, skips by reason, requests, speed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Skipped records named in the summary (and the log), so a bad load can be traced without a flood.
MAX_SKIPPED_IDS = 10


@dataclass
class LoadTotals:
    """Records upserted per namespace and skipped per reason: what a checkpoint commits.

    Kept in the task's state store between tries, so the summary of a resumed load covers the
    whole load, not only the last try.
    """

    upserted: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_ids: list[dict[str, str]] = field(default_factory=list)

    def add(self, other: LoadTotals) -> None:
        """Add ``other``'s counts (and skipped ids, up to :data:`MAX_SKIPPED_IDS`) to these."""
        self.upserted.update(other.upserted)
        self.skipped.update(other.skipped)
        room = MAX_SKIPPED_IDS - len(self.skipped_ids)
        if room > 0:
            self.skipped_ids.extend(other.skipped_ids[:room])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form, for the state store."""
        return {"upserted": dict(self.upserted), "skipped": dict(self.skipped), "skipped_ids": self.skipped_ids}

    @classmethod
    def from_dict(cls, value: Any) -> LoadTotals:
        """The inverse of :meth:`to_dict`; anything unreadable gives empty totals."""
        if not isinstance(value, dict):
            return cls()
        upserted = _of_type(value.get("upserted"), dict)
        skipped = _of_type(value.get("skipped"), dict)
        ids = _of_type(value.get("skipped_ids"), list)
        return cls(
            Counter({str(k): int(v) for k, v in upserted.items()}),
            Counter({str(k): int(v) for k, v in skipped.items()}),
            [dict(item) for item in ids if isinstance(item, dict)][:MAX_SKIPPED_IDS],
        )


def _of_type(value: Any, kind: type[Any]) -> Any:
    """``value`` if it is a ``kind``, else an empty one (a stored value written by another version)."""
    return value if isinstance(value, kind) else kind()


@dataclass
class UpsertSummary:
    """The result of one :class:`~airflow_provider_pinecone.operators.upsert.UpsertOperator` run.

    :param totals: records upserted per namespace and skipped per reason, over every try of the task.
    :param requests: upsert requests this try sent, throttled ones included.
    :param throttled_retries: requests Pinecone answered with 429 and that were sent again.
    :param seconds: this try's wall time.
    :param records_this_try: records this try upserted (the rate is computed from it).
    :param resumed_row_groups: row groups an earlier try had finished, skipped by this one.
    :param verified: whether ``describe_index_stats`` showed the records (``None``: not asked).
    """

    totals: LoadTotals
    requests: int = 0
    throttled_retries: int = 0
    seconds: float = 0.0
    records_this_try: int = 0
    resumed_row_groups: int = 0
    verified: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The task's return value (XCom): plain JSON types only."""
        return {
            "upserted": dict(sorted(self.totals.upserted.items())),
            "upserted_total": sum(self.totals.upserted.values()),
            "skipped": dict(sorted(self.totals.skipped.items())),
            "skipped_total": sum(self.totals.skipped.values()),
            "skipped_ids_sample": list(self.totals.skipped_ids),
            "requests": self.requests,
            "throttled_retries": self.throttled_retries,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_this_try / self.seconds, 1) if self.seconds > 0 else 0.0,
            "resumed_row_groups": self.resumed_row_groups,
            "verified": self.verified,
        }
