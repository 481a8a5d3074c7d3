# Every target installs what it needs: a fresh clone needs only python3.11 and network access
# to the package registries.
PYTHON ?= python3
VENV := .venv
VENV_OLDEST := .venv-airflow-3.1
UV_VERSION := 0.9.5
UV := $(VENV)/bin/uv
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt
# Tests and the demo run Airflow from a throw-away home so nothing leaks into ~/airflow.
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := True

.PHONY: test postgres chromium unit-oldest demo bench bench-fanout bench-preflight bench-upsert lock lint clean node_modules

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet uv==$(UV_VERSION)

# The pinned development environment (Airflow 3.3.2); re-synced when the lock file changes.
$(VENV)/.synced: requirements/dev-airflow-3.3.txt pyproject.toml | $(UV)
	$(UV) pip sync --quiet --python $(VENV)/bin/python requirements/dev-airflow-3.3.txt
	@# The editable build leaves an egg-info in the checkout; with the checkout on sys.path (pytest,
	@# the deployment suite) Python would then see the package twice and Airflow load its plugin twice.
	rm -rf airflow_provider_pinecone.egg-info
	touch $@

# The oldest Airflow we declare support for, to keep `apache-airflow>=3.1.0` honest.
$(VENV_OLDEST)/.synced: requirements/unit-airflow-3.1.txt pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python $(VENV)/bin/python $(VENV_OLDEST)
	$(UV) pip sync --quiet --python $(VENV_OLDEST)/bin/python requirements/unit-airflow-3.1.txt
	touch $@

# Azurite (the Azure Blob Storage emulator the storage tests run) and Pinecone's TypeScript client
# (8.2.0 and 9.0.0, run against the emulator by tests/integration/testing/clients), pinned in package-lock.json;
# re-installed when the lock file changes. npm writes node_modules/.package-lock.json on install.
node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	touch $@

node_modules: node_modules/.package-lock.json

# Lint and types first: a style or type error fails before the suite (about 9 minutes) starts. The 15
# slowest tests are listed at the end, to keep an eye on the suite's time.
test: lint $(VENV)/.synced node_modules postgres chromium unit-oldest
	$(VENV)/bin/python -m pytest -q --durations=15 tests

# ruff (lint, then format check) over the package, tests, examples and benchmarks; mypy over the
# client, hooks, operators, sensors and triggers (paths and strictness in pyproject.toml).
lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# PostgreSQL's server binaries (initdb, pg_ctl) for the deployment suite (tests/deployment), which
# runs a private cluster of its own; Debian's package is installed only when no initdb is found.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql)

# Chromium for the deployment suite's browser tests (tests/deployment/test_ui_browser.py), which
# Playwright drives through executable_path: its own browser download is not used. Debian's package
# is installed only when no chromium is found.
chromium:
	@command -v chromium >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

unit-oldest: $(VENV_OLDEST)/.synced
	AIRFLOW_HOME=$(CURDIR)/.airflow-3.1 $(VENV_OLDEST)/bin/python -m pytest -q tests/unit

demo: $(VENV)/.synced
	$(VENV)/bin/python -m example_dags.run_demo

# Every benchmark, one after the other even under `make -j` (they measure CPU and wall time).
bench: $(VENV)/.synced
	$(VENV)/bin/python benchmarks/trigger_fanout.py
	$(VENV)/bin/python benchmarks/preflight_scale.py
	$(VENV)/bin/python benchmarks/upsert_throughput.py

bench-fanout: $(VENV)/.synced
	$(VENV)/bin/python benchmarks/trigger_fanout.py

# Pre-flight on 10,000 files on a local S3 server, against pyarrow.dataset, DuckDB and obstore (about 6 minutes).
bench-preflight: $(VENV)/.synced
	$(VENV)/bin/python benchmarks/preflight_scale.py

# Upsert throughput: 100,000 records of 768 dims from S3 against the pinecone SDK, plus a 1 GiB file for RSS (about 10 minutes).
bench-upsert: $(VENV)/.synced
	$(VENV)/bin/python benchmarks/upsert_throughput.py

# Re-pin after changing dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) pip compile --quiet requirements/dev-airflow-3.3.in --python-version 3.11 -o requirements/dev-airflow-3.3.txt
	$(UV) pip compile --quiet requirements/unit-airflow-3.1.in --python-version 3.11 -o requirements/unit-airflow-3.1.txt

clean:
	rm -rf $(VENV) $(VENV_OLDEST) .airflow .airflow-3.1 .pytest_cache .mypy_cache .ruff_cache node_modules
