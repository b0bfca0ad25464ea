# certbody: `make run` serves the demo, `make test` runs the tests. Needs only Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n auto
# Error pages show tracebacks only when asked for: `make run DEBUG=1`. Static files are served by WhiteNoise either way.
DEBUG ?= 0

.PHONY: run test install messages browser lint format serve-prod bench clean mutation audit-deps

$(STAMP): requirements/dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || \
		{ echo "certbody needs Python 3.11 (found: $$($(PYTHON) --version 2>&1)). Install python3.11 and retry."; exit 1; }
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "Python's venv module is missing: install python3.11-venv."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.lock
	touch $(STAMP)

install: $(STAMP)

messages: $(STAMP)
	$(BIN)/python scripts/compile_messages.py

run: messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Demo server: two-factor sign-in is NOT enforced here (CERTBODY_2FA_ENFORCED=0); production enforces it."
	CERTBODY_2FA_ENFORCED=0 DEBUG=$(DEBUG) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
		else \
			echo "The browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install chromium fonts-wqy-microhei' (or set CHROMIUM=/path/to/chromium) and retry."; exit 1; \
		fi; }

test: messages browser
	CERTBODY_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Production-style serving (workers = cores); set SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL in the environment.
serve-prod: messages
	DJANGO_SETTINGS_MODULE=config.settings.prod $(BIN)/python manage.py collectstatic --noinput
	DJANGO_SETTINGS_MODULE=config.settings.prod $(BIN)/gunicorn config.wsgi -w $$(nproc) -b $(HOST):$(PORT)

clean:
	rm -rf $(VENV) var

# Mutation testing of the kernel modules (scripts/mutation.sh; MUTATION_JOBS=2 by default).
mutation: messages
	scripts/mutation.sh

# Known vulnerabilities of the locked dependencies (pip-audit --strict over requirements/dev.lock). Needs pypi.org's
# JSON API or api.osv.dev; fails clearly where neither is reachable, hence not part of .ci/run.
audit-deps: $(STAMP)
	$(BIN)/python scripts/audit_deps.py
