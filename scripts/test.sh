#!/usr/bin/env bash
# Installs and runs the test suite against the real services:
# PostgreSQL, Redis, localstripe and headless Chromium.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/marketplace -x).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh --dev

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zhiliao}"
# A database number of its own: the tests flush it.
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
export REQUIRE_REAL_SERVICES="${REQUIRE_REAL_SERVICES:-1}"
export DEBUG=0
# The suite and the servers it starts speak plain HTTP on loopback (config/settings.py).
export PLAIN_HTTP=1

echo "==> Lint, layers, types and migrations"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache
.venv/bin/mypy
.venv/bin/python manage.py makemigrations --check --dry-run -v1

scripts/localstripe.sh
trap '[ -f var/localstripe.pid ] && kill "$(cat var/localstripe.pid)" 2>/dev/null; rm -f var/localstripe.pid' EXIT

echo "==> Tests"
.venv/bin/pytest "$@"
