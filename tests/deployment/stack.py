"""The whole stack the deployment scenarios run on, started and stopped as one.

:func:`start_stack` starts moto's S3 server, the Pinecone emulator (in this process, import behaviour
per index: :mod:`tests.deployment.emulator`) and the Airflow deployment
(:mod:`tests.deployment.harness`), whose processes reach the emulator through
``AIRFLOW_CONN_PINECONE_DEFAULT`` and the S3 server through ``AWS_ENDPOINT_URL_S3``.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from airflow_provider_pinecone.testing.object_stores import MotoS3Server
from tests.deployment.api import AirflowApi
from tests.deployment.emulator import DeploymentEmulator
from tests.deployment.harness import AirflowDeployment, DeploymentError, make_temp_dir

API_KEY = "pcsk_deployment_SECRET_do_not_leak_77"
#: The connection's default index (the example DAG uses it).
DEFAULT_INDEX = "example-index"
DEFAULT_DIMENSION = 8
STARTUP_TIMEOUT = 180.0
#: The DAGs that must be parsed before the deployment counts as up.
EXPECTED_DAGS = (
    "example_pinecone_bulk_import",
    "deploy_sensor_triggerer_restart",
    "deploy_worker_wait_task_killed",
    "deploy_worker_wait_scheduler_restart",
    "deploy_deferred_cleared",
    "deploy_deferred_marked_failed",
    "deploy_completed_cleared",
    "deploy_wait_timeout",
    "deploy_user_mistakes",
    "deploy_reimport",
    "deploy_ui_import",
    "deploy_ui_secret_import",
    "deploy_ui_preflight",
)


@dataclass
class Deployment:
    """What the scenarios use.

    * ``api``: an ``httpx.Client`` on the API server with the bearer token set (``/api/v2/...``);
    * ``rest``: :class:`~tests.deployment.api.AirflowApi`, the REST helpers (trigger, wait_run,
      task_instances, clear, set_state, xcom, task_log);
    * ``emulator`` (:class:`~tests.deployment.emulator.DeploymentEmulator`) and ``s3``
      (:class:`~airflow_provider_pinecone.testing.object_stores.MotoS3Server`);
    * ``restart_scheduler(kill=True)``, ``restart_triggerer(kill=True)``, ``log_tails()``.
    """

    airflow: AirflowDeployment
    emulator: DeploymentEmulator
    s3: MotoS3Server
    directory: Path
    stop: Callable[[], None]
    #: Held by a scenario that kills/restarts a component, and by one whose assertion needs every
    #: component up while a user acts (mark failed, clear), so the two never overlap.
    components_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api(self) -> httpx.Client:
        assert self.airflow.client is not None, "the deployment is stopped"
        return self.airflow.client

    @property
    def rest(self) -> AirflowApi:
        return AirflowApi(self.api, describe=lambda: self.log_tails(lines=25))

    def restart_scheduler(self, kill: bool = True, whole_group: bool = False) -> None:
        """SIGKILL the scheduler's main process and start a new one.

        Its LocalExecutor workers (and the tasks they run) live on as orphans, as after a crash of
        the scheduler alone; ``whole_group=True`` kills them too, as when its container dies.
        """
        self.airflow.restart("scheduler", kill=kill, whole_group=whole_group)

    def restart_triggerer(self, kill: bool = True) -> None:
        """SIGKILL the triggerer (its whole process group) and start a new one."""
        self.airflow.restart("triggerer", kill=kill, whole_group=True)

    def log_tails(self, names: tuple[str, ...] | None = None, lines: int = 40) -> str:
        return self.airflow.log_tails(names, lines)

    def create_index(self, name: str, dimension: int = DEFAULT_DIMENSION) -> str:
        self.emulator.create_index(name, dimension=dimension, cloud="aws")
        return name


class _Stoppers:
    """Undo steps, run last-in first-out, once."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    def add(self, step: Callable[[], object]) -> None:
        self._steps.append(step)

    def __call__(self) -> None:
        with self._lock:
            while self._steps:
                step = self._steps.pop()
                try:
                    step()
                except Exception as exc:  # keep undoing the rest
                    print(f"deployment teardown: {exc!r}")


def _set_env(values: dict[str, str]) -> Callable[[], None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)

    def restore() -> None:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    return restore


def start_stack() -> Deployment:
    """Start everything; on failure, stop what started and raise with the components' log tails."""
    stop = _Stoppers()
    directory = make_temp_dir()
    if os.environ.get("DEPLOYMENT_KEEP_DIR"):  # keep the components' logs to read after the run
        stop.add(lambda: print(f"deployment directory kept: {directory}"))
    else:
        stop.add(lambda: shutil.rmtree(directory, ignore_errors=True))
    airflow = None
    try:
        s3 = MotoS3Server(count_requests=True).start()
        stop.add(s3.stop)
        # The emulator runs in this process: its real imports read S3 through boto3's defaults.
        stop.add(_set_env(s3.env()))
        emulator = DeploymentEmulator(indexing_delay=1.0, file_delay=0.05).start()
        stop.add(emulator.stop)
        emulator.create_index(DEFAULT_INDEX, dimension=DEFAULT_DIMENSION, cloud="aws")
        extra = {
            **s3.env(),
            "PINECONE_EXAMPLE_POLL_SECONDS": "0.5",
            "AIRFLOW_CONN_PINECONE_DEFAULT": json.dumps(
                {
                    "conn_type": "pinecone_bulk",
                    "password": API_KEY,
                    "extra": {"control_plane_url": emulator.control_plane_url, "index_name": DEFAULT_INDEX},
                }
            ),
            # A user mistake: the same connection without its API key.
            "AIRFLOW_CONN_PINECONE_NO_KEY": json.dumps(
                {
                    "conn_type": "pinecone_bulk",
                    "extra": {"control_plane_url": emulator.control_plane_url, "index_name": DEFAULT_INDEX},
                }
            ),
        }
        airflow = AirflowDeployment(directory, extra)
        stop.add(airflow.stop)
        airflow.start(timeout=STARTUP_TIMEOUT)
        deployment = Deployment(airflow=airflow, emulator=emulator, s3=s3, directory=directory, stop=stop)
        _wait_for_dags(deployment)
        return deployment
    except BaseException as exc:
        tails = airflow.log_tails() if airflow is not None else ""
        stop()
        if tails and not isinstance(exc, DeploymentError):
            print(tails)
        raise


def _wait_for_dags(deployment: Deployment, timeout: float = 90.0) -> None:
    rest = deployment.rest

    def parsed() -> bool:
        errors = rest.import_errors()
        if errors:
            raise DeploymentError("DAG import errors:\n" + "\n".join(e["stack_trace"] for e in errors))
        return all(rest.dag_exists(dag_id) for dag_id in EXPECTED_DAGS)

    try:
        rest.wait(parsed, timeout, "the deployment's DAGs parsed", interval=0.5)
    except AssertionError as exc:
        raise DeploymentError(f"{exc}\n{deployment.log_tails(('dag-processor',))}") from None
