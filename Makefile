# Aktivist — the README's commands. Everything installs into .venv.
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: run test lint bench install migrate demo format messages

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

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
