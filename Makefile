# coachapp: `make run` serves the demo gym on SQLite; `make test` runs the whole suite.
# The proof: `make e2e` (browser), `make fuzz` (schemathesis, long), `make bench` (PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist); the tests sharing one Redis database take turns
# (a lock, tests/conftest.py). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS)
# browser workers: each has its own gunicorn and gym; a file's scenarios stay on one (loadfile)
E2E_WORKERS ?= 2

# Python keeps its bytecode in __pycache__ (ignored by git). Where the environment says
# PYTHONDONTWRITEBYTECODE (the machines here set it), every process compiled the app
# and its libraries from source again: each pytest worker, gunicorn worker, flask command and
# run at another date. Measured on 2 cores: an import of the app 6 s of CPU instead of 2, the
# suite's collection 32 s instead of 9.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup setup-app lock lock-check heroku-sim run test test-sqlite test-postgres lint e2e screenshots test-dates fuzz fuzz-ci bench bench-core clean

# Installs come from uv.lock (the versions the suite passed with; Heroku builds from the same file
# with `uv sync --locked`). uv itself is pip-installed into the virtualenv; --inexact leaves it there.
# `setup-app` is what the app runs with (make run); `setup` adds the test extra (make test, lint…).
UV_VERSION ?= 0.13.9
UV := $(BIN)/uv
SYNC := $(UV) sync --locked --inexact --python $(BIN)/python

setup: $(VENV)/.installed-test

setup-app: $(VENV)/.installed-app

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)

$(VENV)/.installed-app: uv.lock pyproject.toml | $(UV)
	$(SYNC) --quiet
	touch $@

$(VENV)/.installed-test: uv.lock pyproject.toml | $(UV)
	$(SYNC) --quiet --extra test
	touch $@ $(VENV)/.installed-app

# After changing pyproject.toml's dependencies: re-resolve uv.lock (locked versions are kept where
# they still fit; `$(UV) lock --upgrade-package NAME` moves one). CI fails on a stale lock.
lock: | $(UV)
	$(UV) lock

lock-check: | $(UV)
	$(UV) lock --check

# Heroku, simulated from a clean clone of HEAD: install from uv.lock into a fresh virtualenv as the
# Python buildpack does, the Procfile's release, then web on $PORT, worker and scheduler in
# production mode on a new PostgreSQL database (HEROKU_SIM_POSTGRES or TEST_DATABASE_URL: a server
# URL; the database is dropped after) and Redis (HEROKU_SIM_REDIS_URL, default db 14, emptied);
# checks each process, then SIGTERM. About half a minute (scripts/heroku_sim.py).
heroku-sim: | $(UV)
	$(PYTHON) scripts/heroku_sim.py --uv $(UV)

run: setup-app
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "TEST_DATABASE_URL is not set: the PostgreSQL pass was not run (CI runs it)."; fi

test-sqlite:
	@echo "== test suite on SQLite"
	env -u TEST_DATABASE_URL $(BIN)/pytest -m "not postgres and not e2e and not fuzz" -q $(XDIST) $(PYTEST_ARGS)

test-postgres:
	@echo "== test suite on PostgreSQL ($$TEST_DATABASE_URL) and Redis ($${REDIS_URL:-not set})"
	$(BIN)/pytest -m "not e2e and not fuzz" -q $(XDIST) $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

# Debian's Chromium (apt-get install -y chromium) driven by Playwright against gunicorn on SQLite;
# screenshots land in build/screenshots/e2e-*.png (ignored), so a run changes no tracked file.
# E2E_WORKERS=0 runs them in one process.
e2e: setup
	@echo "== browser scenarios (Chromium at $${E2E_CHROMIUM:-/usr/bin/chromium})"
	env -u TEST_DATABASE_URL $(BIN)/pytest -m e2e -q -n $(E2E_WORKERS) --dist loadfile tests/e2e $(PYTEST_ARGS)

# The README's screenshots, from the last `make e2e`, copied into docs/screenshots/ (to commit).
screenshots:
	@for shot in $$(grep -o 'docs/screenshots/e2e-[a-z0-9-]*\.png' README.md | sort -u); do \
	  from=build/screenshots/$${shot##*/}; \
	  if [ ! -f "$$from" ]; then echo "$$from is missing: run make e2e first"; exit 1; fi; \
	  cp "$$from" "$$shot" && echo "$$shot"; \
	done

# The SQLite suite and the browser scenarios with the clock shifted by libfaketime to a DST week, a
# month end, a Monday, a Sunday night (tests/run_at_dates.py --list); DATES="a b" picks some.
test-dates: setup
	$(BIN)/python tests/run_at_dates.py $(DATES) $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS))

# schemathesis against the served API: FUZZ_EXAMPLES per operation (100: about 4,000 requests).
fuzz: setup
	@echo "== schemathesis, $${FUZZ_EXAMPLES:-100} examples per operation"
	env -u TEST_DATABASE_URL FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/pytest -m fuzz -q tests/fuzz $(PYTEST_ARGS)

# The bounded run CI does (about 1,400 requests, under half a minute).
fuzz-ci: setup
	@$(MAKE) --no-print-directory fuzz FUZZ_EXAMPLES=10

# Slot search, nightly materialization, gunicorn under wrk, SQL per page: one table, written to
# docs/performance.md. Needs PostgreSQL (BENCH_POSTGRES_URL) and wrk; BENCH_WRK_SECONDS=5 for a
# quick look.
bench: setup
	$(BIN)/python bench/run_all.py

bench-core: setup
	$(BIN)/python bench/bench_core.py

# Mutation testing of the scheduling core (coachapp/scheduling/) against tests/unit, from scratch:
# about 10 minutes on 2 cores. Prints the score per file, with and without the mutants that only
# change an error message's text, and fails under MUTATE_MIN_SCORE (docs/testing.md).
MUTATE_CHILDREN ?= 2
MUTATE_MIN_SCORE ?= 95
.PHONY: mutate
mutate: setup
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATE_CHILDREN)
	$(BIN)/python scripts/mutation_score.py --fail-under $(MUTATE_MIN_SCORE)

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis mutants
