# StockBridge developer commands. The two that matter: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# pytest-xdist processes for `make test`; each is a test run with its own database and Redis db.
TEST_WORKERS ?= 2
BENCHES := bench-ledger bench-sync bench-orders bench-scale

.PHONY: help install lint test chromium demo sandbox user migrate bench $(BENCHES) soak clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install StockBridge with its dev tools (no-op when up to date)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

lint: install ## ruff, formatting, mypy --strict and the import-layer contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy server worker tests bench
	$(BIN)/lint-imports

chromium: ## make sure Debian's Chromium is there for the browser tests (installs it as root)
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "/usr/bin/chromium is missing: install Debian's chromium package for the browser tests"; \
	fi

test: install chromium lint ## lint, then the whole test suite against real PostgreSQL and Redis
	$(BIN)/pytest -n $(TEST_WORKERS)

demo: install ## migrate, seed, start the sandboxes, connect demo accounts, run web + worker (+ bot)
	$(PY) -m server.devtools.demo

sandbox: install ## the Wix and Allegro sandboxes with the demo catalogue (127.0.0.1:8101 and :8102)
	$(PY) -m server.sandboxes $(if $(WIX_SANDBOX_PORT),--wix-port $(WIX_SANDBOX_PORT)) \
		$(if $(ALLEGRO_SANDBOX_PORT),--allegro-port $(ALLEGRO_SANDBOX_PORT))

user: install ## create a user: python -m server.cli create-user, with the demo's services
	$(PY) -m server.devtools.run $(PY) -m server.cli create-user $(ARGS)

migrate: install ## run database migrations forwards
	$(PY) -m server.devtools.migrate

bench: $(BENCHES) ## run every benchmark (results in bench/results/)

bench-ledger: install ## ledger throughput: concurrent writers, latency, invariant check
	$(PY) bench/ledger.py

bench-sync: install ## sync engine: requests, wall time vs bound, change latency (100k x 4 accounts)
	$(PY) bench/sync.py $(ARGS)

bench-orders: install ## order import: 10,000 lines, 3 accounts, faults; double/missing must be 0
	$(PY) bench/orders.py $(ARGS)

bench-scale: install ## API p50/p99 at 100 clients, 200 SSE streams, RSS, full sync in 1/2/4 workers
	$(PY) bench/scale.py $(ARGS)

soak: install ## chaos soak: faults, worker kills, Redis and PostgreSQL restarts; then everything must add up
	$(PY) bench/soak.py --minutes $(or $(MINUTES),5) $(ARGS)

clean: ## remove caches and build leftovers (keeps .venv and the demo data in .data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache build *.egg-info
	find . -path ./.venv -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf
