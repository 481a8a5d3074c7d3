"""Data flows one way: the client imports neither Airflow nor the storage layer.

Each check runs in a fresh interpreter, so modules another test imported cannot hide an import.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import airflow_provider_pinecone.client

CLIENT_MODULES = sorted(
    ["airflow_provider_pinecone.client"]
    + [
        f"airflow_provider_pinecone.client.{info.name}"
        for info in pkgutil.iter_modules(airflow_provider_pinecone.client.__path__)
    ]
)

# Imports each named module in turn and prints, for each, the forbidden modules it brought in.
_IMPORT_AND_LIST = """
import importlib, json, sys

PACKAGES = json.loads(sys.argv[1])

def forbidden():
    return {name for name in sys.modules if any(name == p or name.startswith(p + ".") for p in PACKAGES)}

brought = {}
for module in sys.argv[2:]:
    before = forbidden()
    importlib.import_module(module)
    brought[module] = sorted(forbidden() - before)
print(json.dumps(brought))
"""


def _imported_by(
    *modules: str, forbidden: tuple[str, ...] = ("airflow", "airflow_provider_pinecone.storage")
) -> dict[str, list[str]]:
    """The ``forbidden`` packages' modules each of ``modules`` brought in, imported in order in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_AND_LIST, json.dumps(forbidden), *modules],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_client_package_has_the_modules_this_test_expects():
    # A rename must not leave the check below with nothing to check.
    assert {"airflow_provider_pinecone.client.api", "airflow_provider_pinecone.client.validation"} <= set(
        CLIENT_MODULES
    )


def test_client_modules_import_neither_airflow_nor_storage():
    # One interpreter for all of them (each module is charged with what it adds), plus the neutral
    # URI module both the client and the storage layer build on.
    brought = _imported_by("airflow_provider_pinecone.uris", *CLIENT_MODULES)
    assert {module: found for module, found in brought.items() if found} == {}


def test_the_upsert_pipeline_imports_no_airflow():
    """Reading, checking, encoding and sending a load is plain Python: only the operator is Airflow's."""
    import airflow_provider_pinecone.upsert

    modules = sorted(
        f"airflow_provider_pinecone.upsert.{info.name}"
        for info in pkgutil.iter_modules(airflow_provider_pinecone.upsert.__path__)
    )
    assert "airflow_provider_pinecone.upsert.run" in modules
    brought = _imported_by(*modules, forbidden=("airflow",))
    assert {module: found for module, found in brought.items() if found} == {}


def test_the_upsert_limits_are_the_clients_and_the_emulator_uses_them():
    from airflow_provider_pinecone.client import limits
    from airflow_provider_pinecone.testing.emulator import vectors

    assert vectors.MAX_UPSERT_BYTES is limits.MAX_UPSERT_BYTES
    assert vectors.MAX_UPSERT_VECTORS is limits.MAX_UPSERT_RECORDS


def test_the_check_sees_a_forbidden_import():
    # The probe itself works: a module that imports the storage layer is reported.
    brought = _imported_by("airflow_provider_pinecone.storage.locations")
    assert "airflow_provider_pinecone.storage" in brought["airflow_provider_pinecone.storage.locations"]


# ---- constants have one home ---------------------------------------------------------------------------


def _string_constants(path):
    """Every string constant of the module at ``path`` except docstrings, with its line."""
    import ast

    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_the_default_namespace_is_spelled_out_once():
    from pathlib import Path

    from airflow_provider_pinecone.client import models

    package = Path(airflow_provider_pinecone.client.__file__).parent.parent
    spelled = [
        f"{path.relative_to(package)}:{line}"
        for path in sorted(package.rglob("*.py"))
        for line, text in _string_constants(path)
        if "__default__" in text
    ]
    assert spelled == [f"client/models.py:{_line_of(models, 'DEFAULT_NAMESPACE = ')}"]


def _line_of(module, text):
    from pathlib import Path

    lines = Path(module.__file__).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(text))


def test_the_top_k_limit_is_the_clients_and_the_emulator_uses_it():
    from airflow_provider_pinecone.client import MAX_TOP_K, api
    from airflow_provider_pinecone.client.validation import validate_top_k
    from airflow_provider_pinecone.testing.emulator import data_plane

    assert data_plane.MAX_TOP_K is MAX_TOP_K and validate_top_k(MAX_TOP_K) == MAX_TOP_K
    assert not hasattr(api, "MAX_TOP_K")


def test_the_fault_rules_live_together_and_the_record_sample_has_no_emulator_field():
    import dataclasses

    from airflow_provider_pinecone.preflight.records import RecordSample
    from airflow_provider_pinecone.testing.emulator import faults, state

    assert faults.FaultRule.__module__ == faults.FaultRateRule.__module__ == faults.__name__
    assert state.FaultRule is faults.FaultRule
    assert "first_finding_of_row" not in {f.name for f in dataclasses.fields(RecordSample)}
