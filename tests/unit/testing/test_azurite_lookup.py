"""Where AzuriteServer finds Azurite: $AZURITE_BIN, then PATH, then a source checkout's node_modules.

An installed wheel has no node_modules next to it, so the first two are how it finds Azurite, and
the error when none is found says how to install it and which variable to set.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from airflow_provider_pinecone.testing import object_stores
from airflow_provider_pinecone.testing.object_stores import (
    AZURITE_VERSION,
    AzuriteServer,
    ObjectStoreStartupError,
    find_azurite,
)
from tests.paths import REPO_ROOT

SLEEP = shutil.which("sleep")  # looked up before a test empties PATH


def _executable(path: Path, body: str = "exit 0") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _installed(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Make object_stores believe it was imported from ``root/airflow_provider_pinecone/testing``."""
    monkeypatch.setattr(object_stores, "__file__", str(root / "airflow_provider_pinecone/testing/object_stores.py"))


@pytest.fixture
def no_azurite(monkeypatch, tmp_path):
    """No $AZURITE_BIN, no azurite-blob on PATH, and the module running from site-packages."""
    monkeypatch.delenv("AZURITE_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    _installed(monkeypatch, tmp_path / "venv/lib/python3.11/site-packages")


def test_the_pinned_version_is_the_one_in_package_json():
    package = json.loads((REPO_ROOT / "package.json").read_text())
    assert package["devDependencies"]["azurite"] == AZURITE_VERSION


def test_azurite_bin_comes_first(no_azurite, monkeypatch, tmp_path):
    configured = _executable(tmp_path / "custom/azurite-blob")
    _executable(tmp_path / "empty-bin/azurite-blob")
    monkeypatch.setenv("AZURITE_BIN", str(configured))
    assert find_azurite() == configured


def test_then_azurite_blob_on_path(no_azurite, tmp_path):
    on_path = _executable(tmp_path / "empty-bin/azurite-blob")
    assert find_azurite() == on_path


def test_then_the_node_modules_of_a_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv("AZURITE_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    for name in ("package.json", "pyproject.toml"):
        (tmp_path / name).write_text("{}")
    checkout = _executable(tmp_path / "node_modules/.bin/azurite-blob")
    _installed(monkeypatch, tmp_path)
    assert find_azurite() == checkout


def test_an_installed_package_never_looks_for_node_modules_beside_site_packages(no_azurite, tmp_path):
    # parents[2] of an installed module is lib/python3.X: no package.json there, so no fallback.
    _executable(tmp_path / "venv/lib/python3.11/node_modules/.bin/azurite-blob")
    with pytest.raises(ObjectStoreStartupError) as raised:
        find_azurite()
    message = str(raised.value)
    assert f"npm install azurite@{AZURITE_VERSION}" in message
    assert "AZURITE_BIN" in message and "PATH" in message
    assert "node_modules" in message  # where npm puts azurite-blob


def test_a_checkout_without_node_modules_names_the_missing_path(monkeypatch, tmp_path):
    monkeypatch.delenv("AZURITE_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    for name in ("package.json", "pyproject.toml"):
        (tmp_path / name).write_text("{}")
    _installed(monkeypatch, tmp_path)
    with pytest.raises(ObjectStoreStartupError, match=r"node_modules/\.bin/azurite-blob is missing.*make node_modules"):
        find_azurite()


def test_an_azurite_bin_that_is_no_file_is_an_error_not_passed_over(no_azurite, monkeypatch, tmp_path):
    _executable(tmp_path / "empty-bin/azurite-blob")
    monkeypatch.setenv("AZURITE_BIN", str(tmp_path / "nowhere/azurite-blob"))
    with pytest.raises(ObjectStoreStartupError, match=r"\$AZURITE_BIN is .*nowhere/azurite-blob.*not a file"):
        find_azurite()


def test_the_server_looks_azurite_up_when_it_starts(no_azurite, monkeypatch, tmp_path):
    server = AzuriteServer(start_timeout=10)  # created before the variable is set
    stub = _executable(
        tmp_path / "stub/azurite-blob",
        f'echo "Azurite Blob service successfully listens on http://127.0.0.1:1"\nexec {SLEEP} 30',
    )
    monkeypatch.setenv("AZURITE_BIN", str(stub))
    with server:
        assert server.endpoint_url == "http://127.0.0.1:1"
        assert server.running  # the stub, still sleeping: stopped by the `with` block
    assert not server.running


def test_a_missing_azurite_fails_start_with_the_install_hint(no_azurite):
    with pytest.raises(ObjectStoreStartupError, match=rf"npm install azurite@{AZURITE_VERSION}"):
        AzuriteServer().start()
