.PHONY: run test bench lint format messages

# Install and run the site on embedded defaults (http://127.0.0.1:8000).
run:
	scripts/run.sh

# Install and run the tests against PostgreSQL, Redis, localstripe and Chromium.
test:
	scripts/test.sh

# Serving benchmarks (figures printed, nothing asserted).
bench:
	scripts/bench.sh

# ruff, the layers (import-linter) and the types (mypy): what CI checks before the tests.
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports && .venv/bin/mypy

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

messages:
	.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=var
	.venv/bin/python manage.py makemessages -d djangojs -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=var
