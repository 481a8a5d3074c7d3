"""Pinecone's TypeScript client (pinned in package.json) against the HTTPS emulator.

``ts_client_scenario.cjs`` runs an import lifecycle (start, describe, list, wait until completed;
the emulator reads the Parquet files from the local S3 server), an upsert, a fetch, a query and a
namespace listing, with the index looked up by name. The client is configured only through its
environment (``PINECONE_API_KEY``, ``PINECONE_CONTROLLER_HOST``, and ``NODE_EXTRA_CA_CERTS`` for
the emulator's CA). Two pins: 8.2.0 (API 2026-04) and 9.0.0 (2026-07, the latest; it declares
Node >= 22 but runs on 20).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_pinecone.testing.datasets import dense_table
from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from tests.integration.buckets import new_bucket
from tests.integration.testing.clients.conftest import API_KEY, DIMENSION
from tests.paths import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SCRIPT = Path(__file__).with_name("ts_client_scenario.cjs")
# npm package name (or alias in package.json) -> the version it must be.
CLIENTS = {"@pinecone-database/pinecone": "8.2.0", "pinecone-ts-9": "9.0.0"}
# A namespace's recordCount as each client types it: 2026-07 sends 64-bit counts as decimal strings.
RECORD_COUNT_TYPE = {"@pinecone-database/pinecone": int, "pinecone-ts-9": str}


def sine(seed: int) -> list[float]:
    """The script's vectors (``values(seed)`` there)."""
    return [math.sin(seed * 8 + i + 1) for i in range(DIMENSION)]


def run_scenario(package: str, emulator: PineconeEmulator, index: str, uri: str) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the TypeScript client's tests (node on PATH)"
    installed = REPO_ROOT / "node_modules" / package / "package.json"
    assert installed.exists(), f"{package} is not installed: run `make node_modules` (npm ci) in {REPO_ROOT}"
    env = {
        **os.environ,
        "PINECONE_API_KEY": API_KEY,
        "PINECONE_CONTROLLER_HOST": emulator.control_plane_url,
        "NODE_EXTRA_CA_CERTS": str(emulator.ca_cert_path),
    }
    result = subprocess.run(
        [node, str(SCRIPT), package, index, uri], env=env, capture_output=True, text=True, timeout=45, cwd=REPO_ROOT
    )
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.mark.parametrize("package", sorted(CLIENTS))
def test_import_lifecycle_upsert_fetch_query_and_namespaces(
    package: str, tls_emulator: PineconeEmulator, tls_index: str, s3_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = new_bucket("s3", s3_server)
    bucket.use_sdk_defaults(monkeypatch)  # the in-process emulator's importer reads the local S3 server
    bucket.put("ts/ns-a/part-0.parquet", dense_table(30, DIMENSION, start=0, seed=1))
    bucket.put("ts/ns-b/part-0.parquet", dense_table(15, DIMENSION, start=100, seed=2))

    out = run_scenario(package, tls_emulator, tls_index, bucket.uri("ts"))

    assert out.get("error") is None, f"{out.get('last')} failed: {out['error']}"
    assert out["version"] == CLIENTS[package]
    assert out["describe"] == {"name": tls_index, "host": tls_emulator.index_host(tls_index), "dimension": DIMENSION}
    assert out["indexes"] == [tls_index]
    started = out["importStarted"]
    assert started["uri"] == bucket.uri("ts") and started["status"] in ("Pending", "InProgress")
    assert out["importIds"] == [started["id"]]
    assert out["importDone"] == {"status": "Completed", "recordsImported": 45, "percentComplete": 100}
    assert tls_emulator.list_imports(tls_index)[0]["recordsImported"] == 45

    assert set(out["fetched"]) == {"ts-3", "ts-7"}
    assert out["fetched"]["ts-7"]["values"] == pytest.approx(sine(7), rel=1e-6)
    assert out["fetched"]["ts-7"]["metadata"] == {"n": 7}
    matches = out["matches"]
    assert [m["id"] for m in matches][0] == "ts-5" and len(matches) == 3
    assert matches[0]["score"] == pytest.approx(1.0, abs=1e-5) and matches[0]["metadata"] == {"n": 5}
    counts = {"ns-a": 30, "ns-b": 15, "ts-upsert": 12}
    assert out["namespaces"] == {name: RECORD_COUNT_TYPE[package](n) for name, n in counts.items()}
    assert tls_emulator.namespace_counts(tls_index) == counts
    assert out["calls"] == 10
