# The template's own commands. Each installs what it needs into .venv first:
# only Python 3.11+ and git are required on the machine.
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
# Pytest workers for the test suite; override with `make test WORKERS=4`.
WORKERS ?= 2
# The servers the integration tests use (see README: getting Postgres and Redis).
export TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install test demo lint docs tags bench bench-startup bench-load bench-telemetry bench-evals clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(BIN)/uv
	$(BIN)/uv sync --frozen --quiet

test: install
	$(BIN)/uv run --frozen pytest -n $(WORKERS)

lint: install
	$(BIN)/uv run --frozen ruff check hooks tests scripts bench tooling
	$(BIN)/uv run --frozen ruff format --check hooks tests scripts bench tooling

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/uv run --frozen mkdocs build --strict

demo: install
	$(BIN)/uv run --frozen python scripts/demo.py

# The git tags of the releases in releases.toml, for the maintainers: creates the missing ones;
# refuses, creating none, when a tag points at another commit than the record's.
tags: install
	$(BIN)/uv run --frozen python -m tooling.releases tags

# Every figure against its baseline, in one run (docs/benchmarks.md). Needs wrk and PostgreSQL.
bench: install
	$(BIN)/uv run --frozen python bench/floor.py $(ARGS)

bench-startup: install
	$(BIN)/uv run --frozen python bench/startup.py $(ARGS)

bench-load: install
	$(BIN)/uv run --frozen python bench/load.py $(ARGS)

bench-telemetry: install
	$(BIN)/uv run --frozen python bench/telemetry.py $(ARGS)

bench-evals: install
	$(BIN)/uv run --frozen python bench/evals.py $(ARGS)

clean:
	rm -rf $(VENV) demo
