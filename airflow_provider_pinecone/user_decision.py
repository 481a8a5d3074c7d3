"""Did a user stop this task? The question ``on_kill`` answers before it cancels an import.

Airflow calls ``on_kill`` (the operator's in the worker, the trigger's in the triggerer on 3.3+) in
situations that look alike from inside the task but mean opposite things:

* a user marked the task failed or success: the import must stop;
* a user cleared the task, a restarted scheduler reset it, or a newer try superseded this one: the
  next try re-attaches to the import, so cancelling it would destroy the work that try relies on.

What tells them apart is the task instance's state as the API server holds it when ``on_kill`` runs:
``failed``, ``success`` or ``skipped`` after a user's decision; ``restarting``, no state, ``scheduled``,
``queued``, ``running``, ``deferred`` or ``up_for_retry`` when another try is coming. When the state
cannot be read, the answer is no: an import is never cancelled on a guess.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

#: States in which no later try of the task will run: someone decided it is over.
STOPPED_STATES = ("failed", "success", "skipped")
#: How long to wait for the answer; Airflow escalates to SIGKILL 5 s after the SIGTERM.
ASK_TIMEOUT_SECONDS = 2.0
#: The same for a trigger. Its question goes through the triggerer's supervisor to the API server,
#: which a loaded deployment can keep waiting for tens of seconds (31-37 s seen on 0.8 of a core).
#: The decision runs as its own task and outlives its on_kill (which Airflow bounds, and cancels
#: again while the trigger winds down), so it may wait longer. A decision that comes after the
#: trigger has ended is logged in the triggerer's log, not the task's.
TRIGGER_ASK_TIMEOUT_SECONDS = 60.0


def stopped_by_user(ti: Any, timeout: float = ASK_TIMEOUT_SECONDS) -> bool:
    """True if the API server reports ``ti``'s task as failed, success or skipped (see the module doc).

    The question is asked from a helper thread and abandoned after ``timeout`` seconds: ``on_kill``
    runs in a signal handler that may have interrupted the task in the middle of its own request on
    the same channel, which a direct call would wait on forever.
    """
    if ti is None:
        return False
    answer: list[bool] = []
    asker = threading.Thread(target=lambda: answer.append(_ask(ti)), name="pinecone-task-state", daemon=True)
    asker.start()
    asker.join(timeout)
    return answer[0] if answer else _unanswered(ti, timeout)


def _unanswered(ti: Any, timeout: float) -> bool:
    """No answer in time: never cancel on a guess."""
    log.warning("The API server did not say in %.0f s whether task %s was stopped by a user, so its "
                "Pinecone import is kept.", timeout, ti.task_id)  # fmt: skip
    return False


def _ask(ti: Any) -> bool:
    try:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        count = RuntimeTaskInstance.get_ti_count(
            dag_id=ti.dag_id,
            map_index=ti.map_index if ti.map_index is not None else -1,
            task_ids=[ti.task_id],
            run_ids=[ti.run_id],
            states=list(STOPPED_STATES),
        )
    except Exception as exc:  # no API server to ask (dag.test(), a script): keep the import
        log.warning("Could not read the state of task %s, so its Pinecone import is kept: %s", ti.task_id, exc)
        return False
    return isinstance(count, int) and count > 0


async def astopped_by_user(ti: Any, timeout: float = TRIGGER_ASK_TIMEOUT_SECONDS) -> bool:
    """:func:`stopped_by_user` for a trigger's ``on_kill``: the lookup runs off the event loop.

    A trigger is not in a signal handler, and its decision runs on after Airflow stops waiting for
    ``on_kill``; the triggerer may take several seconds to answer (it builds its API client on the
    first question, and a loaded deployment stalls it), so it gets longer than the worker.
    """
    if ti is None:
        return False
    try:
        return await asyncio.wait_for(asyncio.to_thread(_ask, ti), timeout)
    except TimeoutError:
        return _unanswered(ti, timeout)
