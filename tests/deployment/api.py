"""A small client of Airflow 3's REST API (``/api/v2``) for the deployment scenarios; every wait is bounded."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from tests.deployment.harness import DeploymentError, wait_for

TERMINAL_RUN_STATES = frozenset({"success", "failed"})
TERMINAL_TI_STATES = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})


# Keys of a structured log entry that repeat the task's identity on every line.
_LOG_CONTEXT_KEYS = frozenset(
    {
        "event",
        "timestamp",
        "level",
        "logger",
        "try_number",
        "map_index",
        "run_id",
        "dag_id",
        "ti_id",
        "task_id",
        "filename",
        "lineno",
        "ti",
        "sources",
    }
)


class ApiError(AssertionError):
    """An API call answered an error, or a bounded wait on the API ran out."""


class AirflowApi:
    """REST helpers on an authenticated ``httpx.Client`` (base URL and bearer token set)."""

    def __init__(self, client: httpx.Client, describe: Callable[[], str] = lambda: "") -> None:
        self.client = client
        # Extra context (the components' log tails) for a wait that runs out.
        self._describe = describe

    # ------------------------------------------------------------------ basics
    def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 300:
            raise ApiError(
                f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
            )
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self._check(self.client.get(path, params=params or None))

    def wait(self, predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
        """Poll ``predicate`` until it returns something truthy (returned); fail after ``timeout`` seconds,
        describing the API server's view. Transport errors (the server restarting, or busy) count as "not yet"."""
        try:
            return wait_for(predicate, timeout, what, interval)
        except DeploymentError as exc:
            raise ApiError(f"{exc}\n{self._describe()}") from None

    # ---------------------------------------------------------------- DAG runs
    def dag_exists(self, dag_id: str) -> bool:
        return self.client.get(f"/api/v2/dags/{dag_id}").status_code == 200

    def import_errors(self) -> list[dict[str, Any]]:
        return self.get("/api/v2/importErrors")["import_errors"]

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None, run_id: str | None = None) -> str:
        """Trigger a DAG run with ``conf``; return its run id."""
        run_id = run_id or f"{dag_id}-{uuid.uuid4().hex[:8]}"
        body = {"dag_run_id": run_id, "logical_date": None, "conf": conf or {}}
        return self._check(self.client.post(f"/api/v2/dags/{dag_id}/dagRuns", json=body))["dag_run_id"]

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def wait_run(
        self, dag_id: str, run_id: str, states: Iterable[str] = TERMINAL_RUN_STATES, timeout: float = 90
    ) -> str:
        """Wait until the run is in one of ``states``; return the state."""
        wanted = set(states)

        def reached() -> str | None:
            state = self.dag_run(dag_id, run_id)["state"]
            return state if state in wanted else None

        return self.wait(reached, timeout, f"DAG run {dag_id}/{run_id} in {sorted(wanted)}")

    # ---------------------------------------------------------- task instances
    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """The run's task instances by task id (state, try_number, pid, hostname, ...)."""
        body = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=100)
        return {ti["task_id"]: ti for ti in body["task_instances"]}

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")

    def wait_ti(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        condition: Callable[[dict[str, Any]], Any] | str,
        timeout: float = 60,
    ) -> dict[str, Any]:
        """Wait until the task instance meets ``condition`` (a predicate, or a state name); return it."""
        check = (lambda ti: ti["state"] == condition) if isinstance(condition, str) else condition

        def met() -> dict[str, Any] | None:
            ti = self.task_instance(dag_id, run_id, task_id)
            return ti if check(ti) else None

        return self.wait(
            met, timeout, f"task {dag_id}/{run_id}/{task_id} {condition if isinstance(condition, str) else ''}"
        )

    def tries_and_states(self, dag_id: str, run_id: str) -> dict[str, tuple[str | None, int]]:
        """``{task_id: (state, try_number)}``: what each scenario asserts about its tasks."""
        return {task_id: (ti["state"], ti["try_number"]) for task_id, ti in self.task_instances(dag_id, run_id).items()}

    def clear(
        self,
        dag_id: str,
        run_id: str,
        task_ids: list[str],
        *,
        include_downstream: bool = False,
        only_failed: bool = False,
        reset_dag_runs: bool = True,
    ) -> list[dict[str, Any]]:
        """Clear task instances of one run, as the UI's Clear does (``reset_dag_runs`` is its default)."""
        body = {
            "dry_run": False,
            "dag_run_id": run_id,
            "task_ids": task_ids,
            "only_failed": only_failed,
            "include_downstream": include_downstream,
            "reset_dag_runs": reset_dag_runs,
        }
        response = self._check(self.client.post(f"/api/v2/dags/{dag_id}/clearTaskInstances", json=body))
        return response["task_instances"]

    def set_state(self, dag_id: str, run_id: str, task_id: str, new_state: str) -> Any:
        """Mark a task instance ``failed`` or ``success``, as a user does in the UI."""
        return self._check(
            self.client.patch(
                f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}", json={"new_state": new_state}
            )
        )

    # -------------------------------------------------------------- XCom, logs
    def xcom_entry(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> dict[str, Any] | None:
        """The XCom entry (``value`` as stored, ``timestamp``, ...); ``None`` if there is none."""
        response = self.client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}")
        if response.status_code == 404:
            return None
        return self._check(response)

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """The XCom value as stored (JSON); ``None`` if there is none."""
        entry = self.xcom_entry(dag_id, run_id, task_id, key)
        return None if entry is None else entry["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """The whole log of one try, through the API server, as text (one line per entry)."""
        body = self._check(
            self.client.get(
                f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
                params={"full_content": "true"},
                headers={"Accept": "application/json"},
            )
        )
        lines = []
        for entry in body.get("content") or []:
            if isinstance(entry, dict):
                extra = {k: v for k, v in entry.items() if k not in _LOG_CONTEXT_KEYS}
                lines.append(f"{entry.get('level', '')} {entry.get('event', '')} {extra if extra else ''}".rstrip())
            else:
                lines.append(str(entry))
        return "\n".join(lines)
