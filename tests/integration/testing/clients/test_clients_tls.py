"""The emulator's TLS mode: both planes over HTTPS with a certificate from a local CA.

What the clients rely on: the URL scheme, a certificate that verifies against the CA for the
address the control plane reports, refusal without the CA, the CA kept across runs in a
directory, the private keys readable only by their owner, and the command line's ``--tls``.
"""

from __future__ import annotations

import os
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import certifi
import httpx
import pytest
from cryptography import x509

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.__main__ import main as emulator_main
from airflow_provider_pinecone.testing.emulator.tls import create_tls_files
from tests.integration.testing.clients.conftest import API_KEY
from tests.paths import REPO_ROOT
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def test_both_planes_serve_https_verified_by_the_ca(tls_emulator: PineconeEmulator, tls_index: str) -> None:
    assert tls_emulator.scheme == "https"
    assert tls_emulator.control_plane_url.startswith("https://127.0.0.1:")
    ca = ssl.create_default_context(cafile=str(tls_emulator.ca_cert_path))
    with httpx.Client(verify=ca, headers={"Api-Key": API_KEY}) as client:
        described = client.get(f"{tls_emulator.control_plane_url}/indexes/{tls_index}")
        assert described.status_code == 200, described.text
        host = described.json()["host"]
        # As Pinecone answers it: no scheme; the client adds https://.
        assert host == tls_emulator.index_host(tls_index) and "://" not in host
        stats = client.post(f"https://{host}/describe_index_stats", json={})
        assert stats.status_code == 200, stats.text
        assert stats.json()["dimension"] == 8


def test_a_client_without_the_ca_is_refused(tls_emulator: PineconeEmulator) -> None:
    # The usual public roots (certifi's, as httpx uses by default), without the emulator's CA.
    with httpx.Client(verify=ssl.create_default_context(cafile=certifi.where())) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(f"{tls_emulator.control_plane_url}/indexes")


def test_plain_emulator_is_unchanged() -> None:
    with PineconeEmulator() as emulator:
        assert emulator.scheme == "http" and emulator.ca_cert_path is None
        assert emulator.control_plane_url.startswith("http://")


def test_tls_dir_keeps_the_ca_across_runs_and_the_keys_private(tmp_path: Path) -> None:
    first = create_tls_files(tmp_path, ["127.0.0.1"])
    ca_pem = first.ca_cert.read_bytes()
    second = create_tls_files(tmp_path, ["127.0.0.1", "emulator.test"])
    assert second.ca_cert.read_bytes() == ca_pem  # a CA trusted once stays trusted
    for key in (tmp_path / "ca-key.pem", second.server_key):
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600, key
    cert = x509.load_pem_x509_certificate(second.server_cert.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {"emulator.test", "localhost"}
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    # The server certificate verifies against the CA kept in the directory.
    ca = x509.load_pem_x509_certificate(ca_pem)
    cert.verify_directly_issued_by(ca)


def test_an_unreadable_ca_names_the_files_to_delete(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate")
    (tmp_path / "ca-key.pem").write_text("not a key")
    with pytest.raises(ValueError, match="delete ca.pem and ca-key.pem"):
        PineconeEmulator(tls=True, tls_dir=tmp_path)


def test_tls_dir_without_tls_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tls_dir is only used with tls=True"):
        PineconeEmulator(tls_dir=tmp_path)


def test_command_line_tls_prints_the_ca_and_serves_https(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_pinecone.testing.emulator", "--port", "0", "--tls"]
        + ["--tls-dir", str(tmp_path), "--index", "cli-index:4"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3)]
        assert lines[0] == f"ca_cert={tmp_path / 'ca.pem'}", (lines, process.poll())
        url = lines[1].removeprefix("control_plane_url=")
        assert url.startswith("https://127.0.0.1:")
        host = lines[2].removeprefix("index cli-index host=")
        ca = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        with httpx.Client(verify=ca, headers={"Api-Key": "any"}) as client:
            assert client.get(f"{url}/indexes/cli-index").json()["host"] == host
            assert client.post(f"https://{host}/describe_index_stats", json={}).json()["dimension"] == 4
    finally:
        process.terminate()
        wait_until(lambda: process.poll() is not None, timeout=10, what="the emulator process to exit")
        process.communicate()
    assert process.returncode == 0


def test_command_line_tls_dir_needs_tls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        emulator_main(["--port", "0", "--tls-dir", str(tmp_path)])
    assert exited.value.code == 2
    assert "--tls-dir needs --tls" in capsys.readouterr().err
