"""Everything the package offers works from an installed wheel, not only from this source tree.

Builds the sdist and, from it, the wheel (as a release would; building the wheel from the sdist
also keeps setuptools' ``build/`` directory in the checkout out of it), installs the wheel with
``[emulator,s3,azure]`` and pytest into a clean venv at the versions of
``requirements/dev-airflow-3.3.txt`` (fast from uv's cache; only the package registries are
reached otherwise), and from a directory outside the checkout, so the source tree cannot be
imported:

- starts the emulator CLI on a free port and asks it ``GET /indexes``;
- runs a small pytest file using the plugin's ``pinecone_emulator`` and ``pinecone_index``
  fixtures, and its ``s3_server`` and ``azurite_server`` (Azurite found through ``$AZURITE_BIN``:
  an installed package has no ``node_modules`` beside it), and checks the error when Azurite is
  nowhere to be found.

About 15 s on a warm uv cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx
import pytest

from tests.paths import REPO_ROOT
from tests.waiting import patient, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

CONSTRAINTS = REPO_ROOT / "requirements" / "dev-airflow-3.3.txt"
CHECKOUT_AZURITE = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
# `make` installs uv into the dev venv; elsewhere, the one on PATH.
UV = Path(sys.executable).parent / "uv"
if not UV.exists() and shutil.which("uv"):
    UV = Path(str(shutil.which("uv")))
# Variables of this run that must not leak the source tree (or this venv) into the clean venv.
_DROPPED_ENV = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "AZURITE_BIN", "PYTHONSTARTUP")

PLUGIN_TESTS = """
import os

import httpx
import pytest

import airflow_provider_pinecone
from airflow_provider_pinecone.testing.object_stores import AzuriteServer, ObjectStoreStartupError

pytest_plugins = ["airflow_provider_pinecone.testing.pytest_plugin"]


def test_the_package_is_the_installed_one():
    assert "site-packages" in airflow_provider_pinecone.__file__, airflow_provider_pinecone.__file__


def test_the_emulator_fixtures(pinecone_emulator, pinecone_index):
    response = httpx.get(f"{pinecone_emulator.control_plane_url}/indexes", headers={"Api-Key": "k"}, timeout=10)
    assert response.status_code == 200
    assert [index["name"] for index in response.json()["indexes"]] == [pinecone_index]
    host = pinecone_emulator.index_host(pinecone_index)
    stats = httpx.post(f"http://{host}/describe_index_stats", headers={"Api-Key": "k"}, json={}, timeout=10)
    assert stats.status_code == 200 and stats.json()["dimension"] == 8


def test_the_s3_server(s3_server):
    s3_server.create_bucket("wheel")
    s3_server.put("wheel", "imports/0.parquet", b"data")
    listing = s3_server.client().list_objects_v2(Bucket="wheel")
    assert [item["Key"] for item in listing["Contents"]] == ["imports/0.parquet"]


@pytest.mark.skipif(not os.environ.get("AZURITE_BIN"), reason="AZURITE_BIN is not set")
def test_azurite_through_its_variable(azurite_server):
    azurite_server.create_bucket("wheel")
    azurite_server.put("wheel", "imports/0.parquet", b"data")
    assert [b.name for b in azurite_server.client().get_container_client("wheel").list_blobs()] == [
        "imports/0.parquet"
    ]


def test_no_azurite_anywhere_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.delenv("AZURITE_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ObjectStoreStartupError, match=r"npm install azurite@3\\.35\\.0.*AZURITE_BIN"):
        AzuriteServer().start()
"""


def _run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=patient(timeout))
    assert result.returncode == 0, f"{argv[:4]} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A clean venv with the wheel installed; returns its python and the environment to run it in."""
    if not UV.exists():
        pytest.fail(f"uv is neither in this venv ({UV}) nor on PATH: `make lint` (or any make target) installs it")
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    _run([str(UV), "build", "--quiet", "--out-dir", str(dist), str(REPO_ROOT)], cwd=root)
    (wheel,) = dist.glob("*.whl")
    # uv refuses the checkout's own editable line ("-e .") as a constraint; the rest pins every version.
    constraints = root / "constraints.txt"
    constraints.write_text(
        "".join(line for line in CONSTRAINTS.read_text().splitlines(keepends=True) if not line.startswith("-e "))
    )
    venv = root / "venv"
    _run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=root)
    python = venv / "bin" / "python"
    _run(
        [
            str(UV), "pip", "install", "--quiet", "--python", str(python), "-c", str(constraints),
            f"{wheel}[emulator,s3,azure]", "pytest", "moto[server]",
        ],
        cwd=root,
        timeout=180,
    )  # fmt: skip
    env = {name: value for name, value in os.environ.items() if name not in _DROPPED_ENV}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return python, env


def test_the_emulator_cli_answers_from_the_installed_wheel(installed, tmp_path):
    python, env = installed
    lines: list[str] = []
    process = subprocess.Popen(
        [str(python), "-m", "airflow_provider_pinecone.testing.emulator", "--port", "0", "--index", "wheel-idx:4"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    try:

        def control_plane_url() -> str | None:
            for line in list(lines):
                if line.startswith("control_plane_url=") and any(x.startswith("index wheel-idx") for x in lines):
                    return line.removeprefix("control_plane_url=").strip()
            if process.poll() is not None:
                raise AssertionError(f"the emulator exited with {process.returncode}:\n{''.join(lines)}")
            return None

        url = wait_until(control_plane_url, timeout=30, what="the emulator CLI to print its URL and index")
        response = httpx.get(f"{url}/indexes", headers={"Api-Key": "any-key"}, timeout=10)
        assert response.status_code == 200, response.text
        assert [index["name"] for index in response.json()["indexes"]] == ["wheel-idx"]
        assert httpx.get(f"{url}/indexes", timeout=10).status_code == 401  # no Api-Key
    finally:
        process.terminate()  # the CLI stops its servers and exits 0 on SIGTERM
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
    assert process.returncode == 0, "".join(lines)


def test_the_pytest_plugin_fixtures_work_from_the_installed_wheel(installed, tmp_path):
    python, env = installed
    (tmp_path / "test_plugin_from_wheel.py").write_text(textwrap.dedent(PLUGIN_TESTS))
    if CHECKOUT_AZURITE.exists() and shutil.which("node"):
        env = {**env, "AZURITE_BIN": str(CHECKOUT_AZURITE)}
    output = _run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "test_plugin_from_wheel.py"],
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert "5 passed" in output or ("4 passed, 1 skipped" in output and "AZURITE_BIN" not in env), output
