# The README's two commands are `make run` and `make test`; both set everything up themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -q --disable-pip-version-check -c constraints.txt

.PHONY: run test lint format bench bench-scale qgis-check install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) -e .

install-test: $(BIN)/python
	$(PIP) -e '.[test]'

## Install and serve the shipped data on the embedded store at http://127.0.0.1:8000
run: install
	$(BIN)/siep serve

## Install and run the whole test suite (starts a throwaway PostGIS and Chromium itself)
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks side by side (see bench/README.md)
bench: install-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## The issue-11 scale table (1M SYNTHETIC observations, ours beside DuckDB; bench/README.md)
SCALE_ARGS ?= --observations 1000000
bench-scale: install-test
	$(BIN)/python -m bench.scale $(SCALE_ARGS)

## QGIS (Debian's python3-qgis, offscreen) against a server it starts on a free port: every
## OGC API collection, WFS type and WMS layer (docs/ogc.md). Installs python3-qgis when missing.
qgis-check: install
	@/usr/bin/python3 -c "import qgis.core, yaml, numpy" 2>/dev/null || \
		(apt-get update && apt-get install -y python3-qgis python3-yaml python3-numpy)
	QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py --python $(BIN)/python $(QGIS_CHECK_ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache
