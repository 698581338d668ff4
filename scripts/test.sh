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

echo "==> Lint, layers, types and migrations"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache
.venv/bin/mypy
.venv/bin/python manage.py makemigrations --check --dry-run -v1

scripts/localstripe.sh
trap '[ -f var/localstripe.pid ] && kill "$(cat var/localstripe.pid)" 2>/dev/null; rm -f var/localstripe.pid' EXIT

echo "==> Tests"
# Two workers by default (each with its own test database and Redis database);
# PYTEST_WORKERS=0 runs them in this one process.
.venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"

# Every benchmark, tiny and unjudged, so that none silently stops measuring. Only on a
# whole-suite run (scripts/test.sh with no pytest arguments), as .ci/run does.
if [ $# -eq 0 ]; then
  echo "==> Benchmarks, smoke run"
  scripts/bench.sh --smoke
fi
