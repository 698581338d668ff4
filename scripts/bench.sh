#!/usr/bin/env bash
# Serving benchmark: installs the dev tools (wrk among them), then runs
# tests/benchmarks/bench_http.py against PostgreSQL and Redis on 127.0.0.1.
# It drops and re-creates the database zhiliao_bench; results go to var/bench/http.md.
# Extra arguments go to the script, e.g. scripts/bench.sh --quick, --duration 15 -c 64.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh --dev

exec .venv/bin/python -m tests.benchmarks.bench_http "$@"
