# lamin-widgets developer commands. README: `make demo`, `make test`.
# CI runs `make test` (via .ci/run) on a fresh Debian machine as root: it installs everything it needs.

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Re-made only when pyproject.toml changes (or the venv is gone).
STAMP := $(VENV)/.installed
PYTEST_FLAGS ?= -q -p no:cacheprovider --durations=10
# npm on a node >= 20.19: the system's, else Node.js from PyPI installed into the venv (scripts/with-node.sh)
NPM ?= bash scripts/with-node.sh npm
# npm packages (from package-lock.json, the npm cache first) and the widget front ends they build
NODE_STAMP := node_modules/.package-lock.json
JS_STAMP := lamin_widgets/static/.built
# the JupyterLab extension, built by JupyterLab's builder (from the venv) on the esbuild bundle
LABEXT_STAMP := lamin_widgets/labextension/package.json
JS_SOURCES := $(shell find js/src -name '*.ts' 2>/dev/null) js/build.mjs
# Extra pytest args, replacing the default target `tests`: make test-sqlite ARGS="tests/core -k search"
ARGS ?=

export PYTEST_FLAGS VENV

.PHONY: help deps venv js test-js lint format test test-sqlite test-postgres test-e2e demo demo-stop bench \
	sqlite-templates screenshots clean distclean
.NOTPARALLEL:

help:
	@echo "make demo            the guide's demo instance and tour (docs/demo.py), then JupyterLab on its widget notebook"
	@echo "                     (DEMO_PORT=8888; stop with Ctrl-C or make demo-stop)"
	@echo "make test            system deps, venv, lint, pytest on SQLite then on PostgreSQL"
	@echo "make test-sqlite     pytest on SQLite only      (ARGS='tests/core -k name' to narrow)"
	@echo "make test-postgres   pytest on a throwaway PostgreSQL server only"
	@echo "make lint | format   ruff checks | ruff format + autofix"
	@echo "make js              npm ci (offline from the cache when it can) + build the widget front ends"
	@echo "                     and the JupyterLab extension (lamin_widgets/labextension/)"
	@echo "make test-js         typecheck + vitest"
	@echo "make test-e2e        the widgets in a real JupyterLab in headless Chromium (tests/e2e)"
	@echo "make screenshots     the same, saving the README's widget screenshots in docs/images/widgets/"
	@echo "make bench           LaminDB vs lamin_core at N = 1k..1M -> benchmarks/RESULTS.md (BENCH_ARGS='--sizes 1000')"
	@echo "make sqlite-templates  rebuild the pre-migrated SQLite templates after a migration change"
	@echo "make venv            create/refresh $(VENV) (pip install -e '.[dev,bionty]')"
	@echo "make clean           stops this checkout's demo and test servers; removes build outputs, caches, test"
	@echo "                     instances; distclean also removes venvs"

deps:
	bash scripts/ensure-system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	bash scripts/ensure-venv.sh $(PY) $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev,bionty]'
	touch $@

js: $(JS_STAMP) $(LABEXT_STAMP)

# after the venv: with no recent node on the system, npm runs on Node.js from PyPI installed into it
$(NODE_STAMP): package.json package-lock.json | $(STAMP)
	$(NPM) ci --prefer-offline --no-audit --no-fund
	touch $@

$(JS_STAMP): $(NODE_STAMP) $(JS_SOURCES)
	$(NPM) run build

$(LABEXT_STAMP): $(JS_STAMP) $(STAMP) package.json js/schema/plugin.json
	bash scripts/with-node.sh $(BIN)/jupyter-builder build .

test-js: js
	$(NPM) run typecheck
	$(NPM) test

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: deps js venv lint test-js
	bash scripts/test.sh all $(ARGS)

test-sqlite: js venv
	bash scripts/test.sh sqlite $(ARGS)

test-postgres: deps js venv
	bash scripts/test.sh postgres $(ARGS)

test-e2e: deps js venv
	bash scripts/test.sh sqlite tests/e2e

# the README's screenshots (docs/images/), taken on the demo instance by its e2e test
screenshots: deps js venv
	LAMIN_E2E_SHOTS=docs/images bash scripts/test.sh sqlite tests/e2e/test_demo_notebook_e2e.py

# JupyterLab on the demo's widget notebook at 127.0.0.1:$(DEMO_PORT) (the URL is printed); Ctrl-C stops it
demo: venv js
	bash scripts/demo-lab.sh prepare
	$(BIN)/python docs/demo.py
	bash scripts/demo-lab.sh start

# the demo server this checkout started (one left running in another terminal)
demo-stop:
	bash scripts/demo-lab.sh stop

# import/init, search relevance and the registry workload at N = 1k..1M, LaminDB 2.12 side by side
# (its venv made once by benchmarks/setup-peer.sh); regenerates benchmarks/RESULTS.md and scaling.png
bench: venv
	test -x .peer-venv/bin/python || bash benchmarks/setup-peer.sh
	$(BIN)/python -c "import matplotlib" 2>/dev/null || $(BIN)/pip install --disable-pip-version-check -q matplotlib
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# Rebuild the pre-migrated SQLite templates `lamin init` copies (after changing a migration).
sqlite-templates: venv
	$(BIN)/python -c "from lamin_core.setup.sqlite_template import build_all; build_all()"

# stops only servers this checkout started (a test PostgreSQL of another checkout on the same port stays)
clean:
	-bash scripts/demo-lab.sh stop
	-bash scripts/pg-test-server.sh stop-mine
	rm -rf build/ dist/ *.egg-info .pytest_cache .ruff_cache
	rm -rf lamin_widgets/static/ lamin_widgets/labextension/ js/lib/
	rm -rf test-registries/ demo-instance/ test-output/
	find . -path ./$(VENV) -prune -o -path ./.peer-venv -prune -o -path ./node_modules -prune \
		-o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .peer-venv/ node_modules/
