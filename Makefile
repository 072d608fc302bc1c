# Aktivist — the README's commands. Everything installs into .venv.
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: run test lint lint-django bench install lock migrate demo format messages

# The lock files pin every package with its hashes (requirements.txt: what production runs;
# requirements-dev.txt: that and the tools of tests and lint). pyproject.toml names the direct
# dependencies; `make lock` writes both files anew from it.
$(STAMP): pyproject.toml requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

LOCK := $(PY) -m piptools compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --custom-compile-command "make lock"
lock: install
	$(LOCK) --output-file requirements.txt pyproject.toml
	$(LOCK) --extra dev --output-file requirements-dev.txt pyproject.toml

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py demo_data --if-empty

# `PORT=8001 make run` serves on another port; links in emails and the printed logins follow
# (SITE_URL). honcho hands PORT to the web process (and PORT+100, +200 to the others).
run: export PORT ?= 8000
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: demo
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py demo_logins
	.venv/bin/honcho start

test: install
	.venv/bin/pytest -n 2 $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy aktivist bench
	.venv/bin/lint-imports --no-cache
	$(MAKE) --no-print-directory lint-django

lint-django: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# Needs GNU gettext; the compiled .mo files are committed so set-up does not.
messages: install
	cd aktivist && ../$(PY) ../manage.py makemessages -l sv -l en --no-obsolete --ignore 'static/*'
	cd aktivist && ../$(PY) ../manage.py compilemessages

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
