"""A real Airflow 3 deployment on this machine: a private PostgreSQL cluster and one subprocess per component.

:class:`PostgresCluster` runs ``initdb`` into a temporary directory and ``pg_ctl start`` on a free
loopback port (unix socket in that directory). PostgreSQL refuses to run as root, so as root the
binaries run as the ``postgres`` system user (``runuser``), which owns the directory.

:class:`AirflowDeployment` runs ``airflow db migrate``, then ``api-server``, ``scheduler``,
``dag-processor`` and ``triggerer`` from this interpreter's bin directory, each in its own session
(process group) with its output in ``<tmp>/logs/<component>.log``. Their environment is built from
scratch for Airflow (none of this process's ``AIRFLOW*`` variables leak in, so the in-process tests'
throw-away home and SQLite database stay theirs): LocalExecutor, PostgreSQL, the simple auth manager
with an admin and an outsider (:mod:`tests.deployment.auth_manager`), fast heartbeats, the DAG
folder ``tests/deployment/dags``. Every wait is bounded and
polls a condition. :meth:`AirflowDeployment.stop` ends every process group it ever started, including
those of SIGKILLed-and-restarted components and their orphans.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from tests.waiting import patient

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = Path(__file__).resolve().parent / "dags"
AIRFLOW_BIN = Path(sys.executable).parent / "airflow"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "deployment-admin-password"
#: A second UI user, kept out of the DAGs named ``deploy_ui_secret*`` by the deployment's auth
#: manager (tests/deployment/auth_manager.py); the browser tests sign in as both.
OUTSIDER_USER = "outsider"
OUTSIDER_PASSWORD = "deployment-outsider-password"
SECRET_DAG_PREFIX = "deploy_ui_secret"
# Fixed secrets: a throw-away deployment on loopback; fixed so every component agrees on them.
FERNET_KEY = "9oyYNjlxvLQy2MQslpunTcxCZWhrNg6H1GMlDt68CS4="
JWT_SECRET = "deployment-suite-jwt-secret-0123456789abcdef"
API_SECRET_KEY = "deployment-suite-api-secret-0123456789abcdef"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
LOG_TAIL_LINES = 60


class DeploymentError(RuntimeError):
    """A component did not start, or a bounded wait ran out."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll ``predicate`` until it returns something truthy (returned); raise DeploymentError after ``timeout``
    seconds (:func:`tests.waiting.patient`: times the suite's patience)."""
    bound = patient(timeout)
    deadline = time.monotonic() + bound
    last: Any = None
    while True:
        try:
            last = predicate()
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            raise DeploymentError(f"{what}: not within {bound:.0f} s (last: {last!r})")
        time.sleep(interval)


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


# ------------------------------------------------------------------------------------------------
# PostgreSQL


def find_postgres_bin() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: from PATH, else the newest /usr/lib/postgresql/*/bin."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise DeploymentError(
            "PostgreSQL is not installed (no initdb): run `make postgres` (Debian: apt-get install postgresql)."
        )
    return Path(candidates[-1]).parent


class PostgresCluster:
    """A private PostgreSQL cluster in ``directory``: trust auth on 127.0.0.1 only, fsync off."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.bin = find_postgres_bin()
        self.port = free_port()
        self.user = "airflow"
        self.database = "airflow"
        self._as_user: list[str] = []
        self._started = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self._as_user, *argv], capture_output=True, text=True, timeout=timeout, cwd=self.directory
        )
        if result.returncode != 0:
            raise DeploymentError(
                f"{' '.join(argv[:2])} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{tail(self.log)}"
            )

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres system user
            import pwd

            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise DeploymentError(
                    "Running as root, but there is no `postgres` user to run PostgreSQL as."
                ) from None
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            for parent in self.directory.parents:  # the postgres user must be able to reach its directory
                if parent == Path(tempfile.gettempdir()):
                    break
                os.chmod(parent, os.stat(parent).st_mode | 0o111)
            runuser = shutil.which("runuser")
            self._as_user = (
                [runuser, "-u", "postgres", "--"]
                if runuser
                else ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
            )
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=300 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self._started = True
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {self.database}")
        finally:
            conn.close()

    def stop(self) -> None:
        if self._started:
            self._started = False
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
            except (DeploymentError, subprocess.TimeoutExpired) as exc:
                print(f"pg_ctl stop failed: {exc}", file=sys.stderr)


# ------------------------------------------------------------------------------------------------
# Airflow components


class Component:
    """One Airflow CLI command as a subprocess in its own session; every start is remembered."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log: Path, cwd: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.log = log
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_pids: list[int] = []  # each is also a process-group id (start_new_session)

    def start(self) -> None:
        with open(self.log, "ab") as out:
            out.write(f"\n===== starting {self.name} at {time.strftime('%H:%M:%S')} =====\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_pids.append(self.proc.pid)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, whole_group: bool = False) -> None:
        """SIGKILL the component's main process (or its whole process group) and reap it."""
        assert self.proc is not None
        if whole_group:
            _signal_group(self.proc.pid, signal.SIGKILL)
        else:
            self.proc.kill()
        self.proc.wait(timeout=30)

    def stop_all(self, timeout: float = 15.0) -> None:
        """End every process group this component ever started: SIGTERM, then SIGKILL what remains."""
        groups = list(dict.fromkeys(self.started_pids))
        stragglers = _descendants(groups)
        for pgid in groups:
            _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (any(_group_alive(g) for g in groups) or _any_alive(stragglers)):
            if self.proc is not None:
                self.proc.poll()
            time.sleep(0.1)
        for pgid in groups:
            _signal_group(pgid, signal.SIGKILL)
        for pid in stragglers:  # a child that left the group (setsid) is still ours
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Zombies count as alive for killpg; ignore a group whose only members are zombies.
    try:
        import psutil

        return any(
            p.info["status"] != psutil.STATUS_ZOMBIE for p in psutil.process_iter(["status"]) if _pgid(p.pid) == pgid
        )
    except Exception:
        return True


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _descendants(pids: list[int]) -> list[int]:
    import psutil

    found: list[int] = []
    for pid in pids:
        try:
            found.extend(child.pid for child in psutil.Process(pid).children(recursive=True))
        except psutil.Error:
            pass
    return found


def _any_alive(pids: list[int]) -> bool:
    import psutil

    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return True
        except psutil.Error:
            pass
    return False


class AirflowDeployment:
    """PostgreSQL + the four Airflow 3 components, with an authenticated REST client on the API server."""

    def __init__(self, directory: Path, extra_env: Mapping[str, str]) -> None:
        self.directory = directory
        self.home = directory / "airflow-home"
        self.logs = directory / "logs"
        self.postgres = PostgresCluster(directory / "postgres")
        self.api_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        self.extra_env = dict(extra_env)
        self.components: dict[str, Component] = {}
        self.client: httpx.Client | None = None

    # -------------------------------------------------------------- environment
    def environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "_AIRFLOW", "PYTEST")) and k not in ("PYTHONPATH",)
        }
        env.update(
            {
                "PYTHONPATH": str(REPO_ROOT),
                "PYTHONUNBUFFERED": "1",
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "16",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__FERNET_KEY": FERNET_KEY,
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                # The simple auth manager, but the outsider may not read the secret DAGs.
                "AIRFLOW__CORE__AUTH_MANAGER": "tests.deployment.auth_manager.RestrictedSimpleAuthManager",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin,{OUTSIDER_USER}:op",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
                "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL": "5",
                "AIRFLOW__CORE__KILLED_TASK_CLEANUP_TIME": "20",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.postgres.url,
                # The one API server answers the scenarios' polling, the browser tests and every task's
                # heartbeats; a log read holds its connection while it fetches from a worker. SQLAlchemy's
                # default 5 + 10 connections ran out on a loaded 2-core machine (pool timeouts, then tasks
                # failed for missing heartbeats). PostgreSQL here allows 300.
                "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE": "10",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW": "40",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__SECRET_KEY": API_SECRET_KEY,
                "AIRFLOW__API_AUTH__JWT_SECRET": JWT_SECRET,
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "2",
                # Staleness thresholds: short enough that the kill scenarios see a dead task, scheduler
                # or triggerer replaced within about a minute, long enough that a live one stalled by a
                # loaded machine is not taken for dead (CI saw a triggerer's heartbeat stall for 6.5 s;
                # 25-37 s on one core or less): a live scheduler whose own heartbeat goes stale resets
                # its running tasks.
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "30",
                "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "3",
                "AIRFLOW__SCHEDULER__TRIGGER_TIMEOUT_CHECK_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
                "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "300",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
                "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "60",
                # The triggerer skips its heartbeat when its trigger runner has been silent this long;
                # a trigger's user-decision question kept it silent for 31-37 s on 0.8 of a core.
                "AIRFLOW__TRIGGERER__RUNNER_HEALTH_CHECK_THRESHOLD": "90",
                "AIRFLOW__TRIGGERER__ON_KILL_TIMEOUT": "10",
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            }
        )
        env.update(self.extra_env)
        return env

    # ----------------------------------------------------------------- lifecycle
    def start(self, timeout: float = 150.0) -> None:
        started = time.monotonic()
        if importlib.util.find_spec("asyncpg") is None:
            raise DeploymentError(
                "asyncpg is not installed in this environment: Airflow 3 opens an async engine on its metadata "
                "database too (postgresql+asyncpg, derived from sql_alchemy_conn), so `airflow db migrate` and the "
                "API server fail without it. It belongs in the dev dependencies beside psycopg2-binary."
            )
        self.logs.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(
            json.dumps({ADMIN_USER: ADMIN_PASSWORD, OUTSIDER_USER: OUTSIDER_PASSWORD})
        )
        self.postgres.start()
        env = self.environment()
        migrate = Component(
            "db-migrate", [str(AIRFLOW_BIN), "db", "migrate"], env, self.logs / "db-migrate.log", self.directory
        )
        self.components["db-migrate"] = migrate
        migrate.start()
        try:
            code = migrate.proc.wait(timeout=patient(120))  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            message = f"airflow db migrate did not finish in {patient(120):.0f} s:\n{tail(migrate.log)}"
            raise DeploymentError(message) from None
        if code != 0:
            raise DeploymentError(f"airflow db migrate failed ({code}):\n{tail(migrate.log)}")
        for name in COMPONENTS:
            self.components[name] = Component(
                name, [str(AIRFLOW_BIN), name], env, self.logs / f"{name}.log", self.directory
            )
            self.components[name].start()
        remaining = timeout - (time.monotonic() - started)
        self.wait_healthy(COMPONENTS, timeout=remaining)
        self.client = self._authenticated_client()

    def wait_healthy(self, components: tuple[str, ...] = COMPONENTS, timeout: float = 90.0) -> dict[str, Any]:
        """Wait until the API server answers and every named component reports healthy."""
        watched = {"scheduler": "scheduler", "triggerer": "triggerer", "dag-processor": "dag_processor"}

        def healthy() -> dict[str, Any] | None:
            for name in components:
                if not self.components[name].alive():
                    raise DeploymentError(f"{name} exited with {self.components[name].proc.returncode}")  # type: ignore[union-attr]
            body = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).json()
            ok = all(body.get(watched[n], {}).get("status") == "healthy" for n in components if n in watched)
            return body if ok and body.get("metadatabase", {}).get("status") == "healthy" else None

        try:
            return wait_for(healthy, timeout, "Airflow components healthy", interval=0.5)
        except DeploymentError as exc:
            raise DeploymentError(f"{exc}\n{self.log_tails(components)}") from None

    def token(self, username: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> str:
        """A JWT for ``username``, from the simple auth manager's ``POST /auth/token`` (what its login form posts)."""
        response = httpx.post(
            f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=30
        )
        if response.status_code >= 300:
            raise DeploymentError(f"POST /auth/token: {response.status_code} {response.text}")
        return response.json()["access_token"]

    def _authenticated_client(self) -> httpx.Client:
        token = self.token()
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def restart(self, name: str, *, kill: bool = True, whole_group: bool = False, timeout: float = 60.0) -> None:
        """SIGKILL (or SIGTERM and wait for) a component, start it again and wait until it is healthy.

        ``whole_group=False`` kills only the main process (a crash of the component itself): its
        children, e.g. the LocalExecutor's workers of a scheduler, live on as orphans, as they would.
        """
        component = self.components[name]
        if kill:
            component.kill(whole_group=whole_group)
        else:
            assert component.proc is not None
            component.proc.terminate()
            component.proc.wait(timeout=60)
        component.start()
        self.wait_healthy((name,), timeout=timeout)

    def log_tails(self, names: tuple[str, ...] | None = None, lines: int = LOG_TAIL_LINES) -> str:
        names = names or tuple(self.components)
        return "\n".join(
            f"----- {name} ({self.components[name].log}) -----\n{tail(self.components[name].log, lines)}"
            for name in names
            if name in self.components
        )

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        # The scheduler first: its LocalExecutor workers are its children.
        for name in ("scheduler", "triggerer", "dag-processor", "api-server", "db-migrate"):
            if name in self.components:
                self.components[name].stop_all()
        self.postgres.stop()


def make_temp_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="airflow-deployment-"))
