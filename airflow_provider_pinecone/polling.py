"""The rhythm of waiting for an import: when to poll next, and the progress line each poll logs.

Shared by the operator and the sensor (in a worker) and the trigger (in the triggerer), so that all
three poll and log alike.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from airflow_provider_pinecone.client import ImportModel, ImportStatus


class ProgressLog:
    """Logs one line per status check, and says once per import when Pinecone starts indexing.

    An import sits at 100% while Pinecone indexes the records (at least 10 minutes); saying so on
    every poll would bury the log in the same sentence.
    """

    def __init__(self, log: logging.Logger | Any) -> None:
        self._log = log
        self._indexing_announced: set[str] = set()

    def __call__(self, imp: ImportModel) -> None:
        self._log.info("Pinecone import %s: %s", imp.id, imp.describe_progress())
        indexing = imp.status == ImportStatus.IN_PROGRESS and (imp.percent_complete or 0.0) >= 100.0
        if indexing and imp.id not in self._indexing_announced:
            self._indexing_announced.add(imp.id)
            self._log.info(
                "Pinecone import %s has loaded all records and is indexing them; this usually takes at "
                "least 10 minutes before the import is Completed.",
                imp.id,
            )


def seconds_until_next_poll(poll_interval: float, deadline: float | None) -> float | None:
    """How long to wait before the next status check, or ``None`` once ``deadline`` has passed.

    The interval gets +-10% jitter, so that many waits started together (a thousand triggers
    deferred by one DAG run) do not poll in lockstep bursts; the deadline cuts the last wait short.
    """
    interval = poll_interval * random.uniform(0.9, 1.1)
    if deadline is None:
        return interval
    remaining = deadline - time.time()
    return None if remaining <= 0 else min(interval, remaining)
