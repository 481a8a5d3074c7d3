"""A stand-in for the task SDK's channel to Airflow's API server, for tests of ``on_kill``.

``on_kill`` asks the API server for the task's state (``GetTICount``) before it cancels an import.
Outside a deployment there is no server to ask; this answers as if the task were in ``state``. The
real channel is exercised by tests/deployment.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


class ApiServerSays:
    """Answers ``GetTICount`` as if the task's state were ``state``; refuses every other message."""

    def __init__(self, state: str | None) -> None:
        self.state = state
        self.asked: list[Any] = []

    def send(self, msg: Any) -> Any:
        from airflow.sdk.execution_time.comms import GetTICount, TICount

        if not isinstance(msg, GetTICount):
            raise RuntimeError(f"not served here: {type(msg).__name__}")
        self.asked.append(msg)
        return TICount(count=int(self.state in (msg.states or [])))

    def install(self, monkeypatch: Any) -> ApiServerSays:
        from airflow.sdk.execution_time import task_runner

        monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", self, raising=False)
        return self


def task_instance(task_id: str = "start_import") -> SimpleNamespace:
    """The identity of a task instance, as on_kill reads it."""
    return SimpleNamespace(dag_id="d", run_id="r", task_id=task_id, map_index=-1)
