# ManageIt's two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The development .env that `make run` writes on its first start (DEBUG=True, a secret key of its own),
# which manage.py reads outside `make` too; the settings read the same MANAGEIT_ENV_FILE.
export MANAGEIT_ENV_FILE ?= $(CURDIR)/.env
# Links in e-mails (invitations) point at the server `make run` starts, unless SITE_URL is set.
RUN_SITE_URL = $(or $(SITE_URL),http://$(HOST):$(PORT))

# Development defaults; production sets these in its own environment (see the README).
# `make run` waits for whichever of the web server and the job cluster stops first (bash's wait -n)
SHELL := /bin/bash
export DEBUG ?= True

.PHONY: run test lint bench bench-xl clean mysql-client-headers

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "ManageIt needs Python 3.11 or newer"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# MySQL/MariaDB's driver, only when a MySQL URL is in use: it compiles against the client headers,
# which SQLite, the default, does not need.
$(VENV)/.installed-mysql: $(VENV)/.installed requirements-mysql.txt
	@$(MAKE) --no-print-directory mysql-client-headers
	$(PY) -m pip install --quiet -r requirements-mysql.txt
	touch $@
MYSQL_DRIVER = $(if $(filter mysql%,$(DATABASE_URL) $(TEST_DATABASE_URL) $(1)),$(VENV)/.installed-mysql)

## Says what to install, instead of a compiler's traceback, when mysqlclient could not be built here.
mysql-client-headers:
	@for name in mysqlclient mariadb libmariadb perconaserverclient; do pkg-config --exists $$name 2>/dev/null && exit 0; done; \
	test -n "$$MYSQLCLIENT_CFLAGS" -a -n "$$MYSQLCLIENT_LDFLAGS" && exit 0; \
	echo "A MySQL/MariaDB database is in use, and its driver, mysqlclient, is compiled against the MariaDB client"; \
	echo "headers, which this machine lacks. Install them, then run make again:"; \
	echo ""; \
	echo "    apt-get install libmariadb-dev pkg-config"; \
	echo ""; \
	echo "(or set MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS). SQLite, the default, needs none of this."; \
	exit 1

var:
	mkdir -p var/static

## Sets up ManageIt (virtual environment, database, demo data, job schedules) and serves it on
## http://$(HOST):$(PORT) together with the job cluster. Ctrl-C stops both.
run: $(VENV)/.installed $(call MYSQL_DRIVER) | var
	@$(PYTHON) manageit/dev_env.py "$(MANAGEIT_ENV_FILE)"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py sync_schedules
	@echo "ManageIt on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/); Ctrl-C stops it."
	@# the cluster in a process group of its own: if its main process dies, its workers are stopped with the group
	@export SITE_URL="$(RUN_SITE_URL)"; \
	setsid $(PY) manage.py qcluster & cluster=$$!; \
	$(PY) manage.py demo_logins --when-up $(HOST):$(PORT) & welcome=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT) & server=$$!; \
	stopping=; trap 'stopping=1' INT TERM; \
	trap 'kill -TERM -- -$$cluster 2>/dev/null; kill $$server $$welcome 2>/dev/null; wait 2>/dev/null' EXIT; \
	wait -n $$cluster $$server; \
	if [ -z "$$stopping" ] && ! kill -0 $$cluster 2>/dev/null; then \
		echo ""; echo "The job cluster stopped (its log is above), so ManageIt stops too: without it no job would run. Run make run again."; exit 1; \
	fi; \
	if [ -z "$$stopping" ]; then echo ""; echo "The web server stopped (its log is above); the job cluster stops with it."; exit 1; fi

## Runs the whole test suite on SQLite, or on the MySQL/MariaDB server that TEST_DATABASE_URL names: ManageIt's
## tests (tests/, PYTEST_ARGS passed on), then scheduling's own, with their own settings and jobs (scheduling/tests/).
test: $(VENV)/.installed-test $(call MYSQL_DRIVER) | var
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium is missing, so the real-browser tests will be SKIPPED (apt-get install chromium)."
	$(if $(TEST_DATABASE_URL),DATABASE_URL="$(TEST_DATABASE_URL)") $(PY) -m pytest $(PYTEST_ARGS)
	$(if $(TEST_DATABASE_URL),DATABASE_URL="$(TEST_DATABASE_URL)") DJANGO_SETTINGS_MODULE=scheduling.tests.settings $(PY) -m pytest scheduling/tests

## Benchmarks at a university's scale on SQLite and MariaDB (docs/benchmarks.md); not part of `make test`.
## Keeps var/bench-*.sqlite3 and manageit_bench_* for the next run; BENCH_ARGS=--regenerate starts afresh.
BENCH_SQLITE_URL ?= sqlite:///$(CURDIR)/var/bench.sqlite3
BENCH_MYSQL_URL ?= mysql://root@127.0.0.1:3306/manageit_bench
bench: $(VENV)/.installed-test $(call MYSQL_DRIVER,$(BENCH_MYSQL_URL)) | var
	$(PY) -m benchmarks.run $(BENCH_ARGS) $(BENCH_SQLITE_URL) $(BENCH_MYSQL_URL)

## The round at hundreds of messes (scale XL: 200 messes, 90 days), apart since its data takes a while to
## generate: the pages at XL against S, generate_alerts at XL, and the meal-end fan-out over three clusters
## on the Redis server BENCH_REDIS_URL names (its django-q2 keys are emptied) and MariaDB.
export BENCH_REDIS_URL ?= redis://127.0.0.1:6379/5
bench-xl: $(VENV)/.installed-test $(call MYSQL_DRIVER,$(BENCH_MYSQL_URL)) | var
	$(PY) -m benchmarks.run --xl $(BENCH_ARGS) $(BENCH_SQLITE_URL) $(BENCH_MYSQL_URL)

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
