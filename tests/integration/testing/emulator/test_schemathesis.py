"""The schemathesis gate: every implemented operation of every API version's specs, against a live emulator.

For each version the emulator speaks and each plane, schemathesis (pinned in the dev extra) reads
the vendored spec (``tests/specs/pinecone-api``), generates requests for every operation the
emulator implements (those with a route; the others answer 501, see ``test_emulator_conformance``)
and runs all its checks on the answers. The gate passes with no failure at all: no server error,
no response outside the declared schemas or status codes, no invalid request accepted. The checks
left out are listed with their reasons in ``tests/specs/EXCEPTIONS.md``.

The run is bounded and reproducible: deterministic generation (no seed, no example database), a
fixed number of examples per operation and no stateful phase. Each (version, plane) runs in its own schemathesis
process, all eight at once, against one emulator.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from airflow_provider_pinecone.testing.emulator import PineconeEmulator
from airflow_provider_pinecone.testing.emulator.errors import Plane
from airflow_provider_pinecone.testing.emulator.versions import SUPPORTED_VERSIONS, VERSIONS
from tests.paths import REPO_ROOT, SPEC_DIR
from tests.waiting import patient

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

API_KEY = "schemathesis-key"
MAX_EXAMPLES = 10
# Checks that stay off, each with its reason in tests/specs/EXCEPTIONS.md.
EXCLUDED_CHECKS = ("positive_data_acceptance",)
VERSION_HEADER = "X-Pinecone-Api-Version"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SPEC_FILES = {Plane.CONTROL: "db_control", Plane.DATA: "db_data"}


def gate_spec(spec_path: Path, workdir: Path) -> tuple[Path, dict]:
    """The spec without its ``X-Pinecone-Api-Version`` parameter, written to ``workdir``.

    Every request carries the header (``--header``): generated without it, a request is answered in
    the emulator's default version, whose shapes the other versions' specs do not describe (see
    ``tests/specs/EXCEPTIONS.md``). The header's own handling is tested in ``test_emulator_conformance``.
    """
    spec = yaml.safe_load(spec_path.read_text())
    version_params = {
        f"#/components/parameters/{name}"
        for name, param in spec.get("components", {}).get("parameters", {}).items()
        if param.get("name") == VERSION_HEADER
    }
    for item in spec["paths"].values():
        for operation in [item, *item.values()]:
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [
                    p
                    for p in operation["parameters"]
                    if p.get("name") != VERSION_HEADER and p.get("$ref") not in version_params
                ]
    out = workdir / spec_path.name
    out.write_text(yaml.safe_dump(spec, sort_keys=False))
    return out, spec


def _operation_ids(spec: dict, implemented: set[tuple[str, str]]) -> list[str]:
    return sorted(
        operation["operationId"]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if (method.upper(), path) in implemented
    )


def implemented_operations(emulator: PineconeEmulator, plane: Plane, version: str) -> set[tuple[str, str]]:
    """The spec operations of ``version`` on ``plane`` that the emulator routes (the rest answer 501)."""
    implemented = set()
    base = _base_url(emulator, plane)
    headers = {"Api-Key": API_KEY, "X-Pinecone-Api-Version": version}
    with httpx.Client(base_url=base, headers=headers) as client:
        for method, template in VERSIONS[version].operations(plane):
            # Every path parameter filled with a name nothing has: a routed operation answers
            # anything but 501 (a 404 for the missing resource, a 400 for the empty body).
            path = template
            while "{" in path:
                start, end = path.index("{"), path.index("}")
                path = path[:start] + "schemathesis-probe" + path[end + 1 :]
            if client.request(method, path).status_code != 501:
                implemented.add((method, template))
    return implemented


DATA_INDEX = "schemathesis"


def _base_url(emulator: PineconeEmulator, plane: Plane) -> str:
    return emulator.control_plane_url if plane is Plane.CONTROL else f"http://{emulator.index_host(DATA_INDEX)}"


@pytest.fixture(scope="module")
def emulator() -> Iterator[PineconeEmulator]:
    # Simulated imports (the generated URIs name no real bucket) and no upsert rate limit (the
    # generated requests come faster than Pinecone's 100 per second).
    with PineconeEmulator(
        api_key=API_KEY,
        import_duration=0.2,
        indexing_delay=0.0,
        upsert_requests_per_second=None,
        upsert_bytes_per_second=None,
    ) as emu:
        # Deletion protection: the control-plane runs delete indexes by generated names.
        emu.create_index(DATA_INDEX, dimension=2, metric="dotproduct", deletion_protection="enabled")
        yield emu


def _command(spec_path: Path, base_url: str, version: str, operation_ids: list[str], workdir: Path) -> list[str]:
    command = [
        str(SCHEMATHESIS),
        "run",
        str(spec_path),
        "--url",
        base_url,
        "--header",
        f"Api-Key: {API_KEY}",
        "--header",
        f"X-Pinecone-Api-Version: {version}",
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(EXCLUDED_CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",  # no example database either
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--no-color",
        "--report-dir",
        str(workdir / "report"),
    ]
    for operation_id in operation_ids:
        command += ["--include-operation-id", operation_id]
    return command


@pytest.fixture(scope="module")
def gate_runs(emulator: PineconeEmulator, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, Plane], str]:
    """Every (version, plane) run, all at once: ``None`` for a clean run, else schemathesis' report."""
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "PYTHONPATH": str(REPO_ROOT),
        "SCHEMATHESIS_HOOKS": "tests.integration.testing.emulator.schemathesis_hooks",
    }
    processes = {}
    for version in SUPPORTED_VERSIONS:
        for plane in (Plane.DATA, Plane.CONTROL):
            workdir = tmp_path_factory.mktemp(f"schemathesis-{version}-{plane.value}")
            spec_path, spec = gate_spec(SPEC_DIR / f"{SPEC_FILES[plane]}_{version}.oas.yaml", workdir)
            implemented = implemented_operations(emulator, plane, version)
            assert implemented, f"no implemented operation found for the {plane.value} plane of {version}"
            command = _command(
                spec_path, _base_url(emulator, plane), version, _operation_ids(spec, implemented), workdir
            )
            processes[version, plane] = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir, env=env
            )
    results = {}
    for key, process in processes.items():
        try:
            output, _ = process.communicate(timeout=patient(150))
        except subprocess.TimeoutExpired:
            process.kill()  # one of the fixture's own processes, by handle
            output = process.communicate()[0] + "\n(schemathesis did not finish within 150 s)"
        results[key] = "" if process.returncode == 0 else output
    return results


@pytest.mark.parametrize("plane", [Plane.DATA, Plane.CONTROL], ids=lambda plane: plane.value)
@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_schemathesis_finds_nothing(gate_runs: dict[tuple[str, Plane], str], version: str, plane: Plane) -> None:
    """0 failures and 0 errors of every enabled check over every implemented operation."""
    report = gate_runs[version, plane]
    assert not report, f"schemathesis on the {plane.value} plane of API version {version}:\n{report[-10000:]}"
