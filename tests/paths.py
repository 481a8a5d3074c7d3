"""Where the tests find the repository's files, whatever folder a test lives in."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
#: Pinecone's OpenAPI specs, vendored for the conformance tests.
SPEC_DIR = TESTS_DIR / "specs" / "pinecone-api"
#: The DAGs the integration tests run with dag.test().
DAGS_DIR = TESTS_DIR / "dags"
