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

def forbidden():
    return {
        name for name in sys.modules
        if name == "airflow" or name.startswith("airflow.")
        or name == "airflow_provider_pinecone.storage" or name.startswith("airflow_provider_pinecone.storage.")
    }

brought = {}
for module in sys.argv[1:]:
    before = forbidden()
    importlib.import_module(module)
    brought[module] = sorted(forbidden() - before)
print(json.dumps(brought))
"""


def _imported_by(*modules: str) -> dict[str, list[str]]:
    """The forbidden modules each of ``modules`` brought in, imported in order in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_AND_LIST, *modules], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_client_package_has_the_modules_this_test_expects():
    # A rename must not leave the check below with nothing to check.
    assert {"airflow_provider_pinecone.client.api", "airflow_provider_pinecone.client.validation"} <= set(CLIENT_MODULES)


def test_client_modules_import_neither_airflow_nor_storage():
    # One interpreter for all of them (each module is charged with what it adds), plus the neutral
    # URI module both the client and the storage layer build on.
    brought = _imported_by("airflow_provider_pinecone.uris", *CLIENT_MODULES)
    assert {module: found for module, found in brought.items() if found} == {}


def test_the_check_sees_a_forbidden_import():
    # The probe itself works: a module that imports the storage layer is reported.
    brought = _imported_by("airflow_provider_pinecone.storage.locations")
    assert "airflow_provider_pinecone.storage" in brought["airflow_provider_pinecone.storage.locations"]
