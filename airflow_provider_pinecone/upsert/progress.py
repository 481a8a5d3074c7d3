"""The progress lines of a load: records, percent, rate and time left, at a bounded rate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: Seconds between two progress lines: a 100-million-record load logs a few hundred lines, not millions.
DEFAULT_INTERVAL = 10.0


class LoadProgress:
    """Logs how far a load is, at most once per ``interval`` seconds.

    The share done is measured in source bytes (the listing gives every file's size before any is
    read), so percent and time left are known from the start without reading every footer.

    :param log: the task's logger.
    :param total_bytes: the size of every source file; ``None`` or 0 when unknown (records from
        XCom), in which case only counts and rate are logged.
    :param records_before: records earlier tries upserted: counted in the total, not in the rate.
    """

    def __init__(
        self,
        log: Any,
        total_bytes: int | None,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        records_before: int = 0,
    ) -> None:
        self._log = log
        self._total = total_bytes or 0
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._last = self._start
        self.records = records_before
        self._records_before = records_before
        self.bytes_done = 0
        #: Source bytes earlier tries had loaded (see :meth:`resumed`).
        self.bytes_before = 0

    def update(self, records: int = 0, bytes_done: int = 0) -> None:
        """Count ``records`` more upserted and ``bytes_done`` more source bytes finished; log if due."""
        self.records += records
        self.bytes_done += bytes_done
        now = self._clock()
        if now - self._last >= self._interval:
            self._last = now
            self._log.info("%s", self.line(now))

    def line(self, now: float | None = None) -> str:
        """The progress sentence, e.g. ``Upserted 45,000 records (45.0%), 8,200 records/s, about 7 s left.``"""
        elapsed = max((now if now is not None else self._clock()) - self._start, 1e-9)
        rate = (self.records - self._records_before) / elapsed
        text = f"Upserted {self.records:,} records"
        if self._total:
            share = min(self.bytes_done / self._total, 1.0)
            text += f" ({share:.1%})"
            # Time left from this try's own pace: what earlier tries did took none of its time.
            done_now = self.bytes_done - self.bytes_before
            if 0 < share < 1 and done_now > 0:
                left = elapsed * (self._total - self.bytes_done) / done_now
                return f"{text}, {rate:,.0f} records/s, about {_duration(left)} left."
        return f"{text}, {rate:,.0f} records/s."

    def resumed(self, source_bytes: int) -> None:
        """Count ``source_bytes`` an earlier try loaded: in the percent, not in this try's pace."""
        self.bytes_before += source_bytes
        self.bytes_done += source_bytes


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
