# Pass+ — two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test test-serial quality audit lock worker scheduler bench demo install node clean

# Virtualenv + pinned dependencies, rebuilt only when requirements.lock changes.
$(STAMP): requirements.lock
	@if [ ! -x $(PY) ]; then \
		python=$$(scripts/find-python) || exit 1; \
		echo "Création de l'environnement avec $$python"; \
		"$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

# axe-core for the browser tests, the Nu HTML Checker (vnu-jar, needs Java) for the HTML validity
# test (npm registry, pinned by the lock).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm absent : les tests navigateur seront ignorés"; fi

node: node_modules/.installed

# Links in e-mails and in the printed INVITATION and CLAIM lines point at the port actually served.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py demo
	$(PY) manage.py analyze_database
	@echo "Site : http://$(HOST):$(PORT)/  (Ctrl+C arrête le site, le processus de traitement et le planificateur)"
	@scripts/keep-running $(PY) manage.py worker --queue-name '*' --interval 2 --no-reload & worker=$$!; \
	scripts/keep-running $(PY) manage.py scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py demo

# Every core (pytest-xdist: one test database per worker; an idle worker takes tests queued for
# a busy one, so a slow test at the end does not hold the run); `make test-serial` for debugging.
# PostgreSQL's test databases are kept between runs (new migrations are applied to them);
# PYTEST_ARGS=--create-db builds them afresh. SQLite's are in memory, built at each run.
test: $(STAMP) node
	$(PY) -m pytest -n auto --dist worksteal --reuse-db $(PYTEST_ARGS)

test-serial: $(STAMP) node
	$(PY) -m pytest -p no:xdist --reuse-db $(PYTEST_ARGS)

# The docs kept true by tests (issue 30 §4): tables, the decisions' index, design.md's lifecycles,
# .env.example, the import rule, the proxy's log configuration.
DOCS_TESTS = tests/core/test_docs.py tests/core/test_env_example.py tests/core/test_import_rules.py \
	tests/core/test_proxy_log_config.py

quality: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy passplus
	$(PY) scripts/check_www_writes.py
	$(PY) scripts/check_test_assertions.py
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -p no:xdist $(DOCS_TESTS)
	$(VENV)/bin/djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run

# Known vulnerabilities in requirements.lock (pip-audit) and package-lock.json (npm audit): fails
# on one that a release fixes, warns on one without a fix, and only warns when the advisory
# service cannot be reached from this machine (scripts/audit_dependencies.py).
audit: $(STAMP)
	$(PY) scripts/audit_dependencies.py

# Compiles requirements.lock from pyproject.toml (options under [tool.pip-tools]), keeping every
# pin already there: `make lock` after adding a dependency, `make lock UPGRADE="-P django"` to
# upgrade one package, `make lock UPGRADE=--upgrade` for all (docs/dependencies.md).
lock: $(STAMP)
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet $(UPGRADE) pyproject.toml

# The restore drill on the PostgreSQL database of DATABASE_URL (scripts/restore_drill.py,
# docs/operations.md): dump it, restore into a scratch database, compare every table's rows,
# re-verify the conventions' seals, the SEPA files' hashes and the queue's encryption.
# DRILL_ARGS="--dump nightly.dump" restores a given backup; "--keep" keeps the scratch database.
.PHONY: restore-drill
restore-drill: $(STAMP)
	$(PY) scripts/restore_drill.py $(DRILL_ARGS)

worker: $(STAMP)
	$(PY) manage.py worker --queue-name '*'

scheduler: $(STAMP)
	$(PY) manage.py scheduler

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules var staticfiles
