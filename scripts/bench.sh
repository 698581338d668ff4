#!/usr/bin/env bash
# Benchmarks: installs the dev tools (wrk among them), then runs, against PostgreSQL and
# Redis on 127.0.0.1:
#   http    tests/benchmarks/bench_http.py: serving benchmark (drops and re-creates the
#           database zhiliao_bench; results in var/bench/http.md)
#   ledger  tests/benchmarks/bench_ledger.py: tips/s through the ledger against a bare
#           INSERT loop (drops and re-creates zhiliao_ledger_bench; var/bench/ledger.md)
#   rooms   tests/benchmarks/bench_rooms.py: live room fan-out, N viewers on one uvicorn
#           process, then one room on two processes (Redis), against a plain
#           `websockets` broadcast server (drops and re-creates zhiliao_bench_rooms,
#           Redis db 11; var/bench/rooms.md)
#   video   tests/benchmarks/bench_video.py: ffmpeg -> nginx-rtmp -> HLS behind the access
#           check: publish to first playable playlist, latency behind live, segment
#           requests/s against nginx without the check (drops and re-creates
#           zhiliao_bench_video, Redis db 8; var/bench/video.md)
#   qa      tests/benchmarks/bench_qa.py: expert matching and similar-question p50/p95
#           (in-process TF-IDF) against a plain PostgreSQL icontains, 1,000 experts and
#           50,000 answered questions (--quick: 100 / 5,000); drops and re-creates
#           zhiliao_bench_qa, Redis db 2; var/bench/qa.md. Only with --only qa
#
#   content tests/benchmarks/bench_content.py: a long paid lesson page for an entitled
#           learner, rendered HTML cached per revision against rendering on every request
#           (drops and re-creates zhiliao_content_bench, Redis db 7; var/bench/content.md);
#           only with --only content
#   recommend tests/benchmarks/bench_recommend.py: offline quality of the recommenders on
#           ../shared/data and a full refresh (10k users x 5k items x 1M events; --quick:
#           2k x 1k x 100k) against an implicit ALS fit, no database;
#           var/bench/recommend.md. Only with --only recommend
#   screening tests/benchmarks/bench_screening.py: p50/p95 of screening 10,000 chat
#           messages with the word rules alone and with the classifier's score added
#           (no database; --model FILE uses a saved model, else one is trained on
#           ../shared/data/moderation; --smoke: 300 messages, tiny model);
#           var/bench/screening.md. Only with --only screening
#   assistant tests/benchmarks/bench_assistant.py: the assistant's ranking per question
#           (p50/p95 ms) over 100,000 knowledge items against plain BM25 in the same
#           run (--quick: 20,000; --smoke: 2,000), no database; var/bench/assistant.md.
#           Only with --only assistant
#   tipping tests/benchmarks/bench_tipping.py: tips through a live room of 1,000 viewers at
#           100 tips/s for 60 s, tip-to-alert p99 against chat in the same run, then the
#           ledger checked (the rooms benchmark's database and Redis db; --quick: 200
#           viewers, 20/s, 10 s). Only with --only tipping
#   fanout tests/benchmarks/bench_fanout.py: a go-live notice to 10,000 followers through
#           a real Celery worker (time to enqueue, time until every notification and
#           e-mail is delivered, queries per batch) against telling them one at a time
#           (--quick: 2,000; --smoke: 200); drops and re-creates zhiliao_bench_fanout,
#           starts a private redis-server; var/bench/fanout.md. Only with --only fanout
#   scripts/bench.sh [options]                                 http, ledger, rooms, then video
#   scripts/bench.sh --only http|ledger|rooms|video [options]  one of them
#
# With --only, any option goes to that script (see its --help), e.g.
#   scripts/bench.sh --only http --duration 15 -c 64
#   scripts/bench.sh --only ledger --mode threads --rounds 3
#   scripts/bench.sh --only rooms --viewers 200,1000 --step-seconds 5
#   scripts/bench.sh --only video --repeats 5 --latency-seconds 60
# Without --only, only the options every script takes are accepted, and go to all:
#   --quick, --duration N (whole seconds; rooms: seconds per rate step; video: per wrk
#   run), --rounds N (rooms ignores it), --reuse-db
#
#   search tests/benchmarks/bench_search.py: site-wide search p50/p95 without and with
#           the pg_trgm indexes in the same run, 200,000 courses (--quick: 20,000;
#           --smoke: 1,000); drops and re-creates zhiliao_bench_search; var/bench/search.md.
#           Only with --only search
# CI smoke run (scripts/test.sh calls it after pytest):
#   scripts/bench.sh --smoke
# runs every runnable benchmark, each tests/benchmarks/bench_*.py with a __main__ that
# does not say SMOKE_SKIP = True (the helpers a benchmark starts itself), with --smoke:
# tiny sizes, a second or two per measurement, nothing judged and no report written,
# but a benchmark that measured nothing (0 viewers admitted, only errors) exits 1, and
# so does a module that does not take --smoke. Every module runs; the run fails at the
# end if any failed. Each is stopped after BENCH_SMOKE_TIMEOUT seconds (default 240);
# they run BENCH_SMOKE_LANES (default 2) at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
# Benchmark servers speak plain HTTP on loopback (config/settings.py).
export PLAIN_HTTP=1

if [ "${1:-}" = "--smoke" ]; then
  [ $# -eq 1 ] || { echo "scripts/bench.sh --smoke takes no other option" >&2; exit 2; }
  started=$SECONDS
  # The benchmarks clone one migrated database; migrating it is not part of any
  # benchmark's time limit.
  echo "==> smoke: the migrated template database"
  .venv/bin/python -c 'import os; from tests.benchmarks.common import migrated_template
migrated_template("postgres://postgres@127.0.0.1:5432/zhiliao_bench_smoke", dict(os.environ))'
  # The modules run in BENCH_SMOKE_LANES lanes side by side (default 2: most of a
  # smoke run is waiting for servers to start). Each has its own database, Redis
  # number and ports; a module that uses another's (SMOKE_AFTER = "bench_rooms") runs
  # after it, in the same unit. Each lane takes the next unit from one queue as soon
  # as it is free, longest first by the last run's times (var/bench-smoke-seconds;
  # alphabetical on a fresh clone), so that no lane idles while the other has work.
  lanes="${BENCH_SMOKE_LANES:-2}"
  rm -f var/bench-smoke-*.status
  declare -A unit_of=() after_of=()
  units=()
  names=()
  for path in tests/benchmarks/bench_*.py; do
    grep -q '^if __name__ == "__main__":' "$path" || continue
    grep -q '^SMOKE_SKIP = True' "$path" && continue
    name="$(basename "$path" .py)"
    names+=("$name")
    after_of[$name]="$(sed -n 's/^SMOKE_AFTER = "\([a-z_]*\)".*$/\1/p' "$path")"
  done
  # Modules of their own first, then each one that runs after another, in its unit.
  for name in "${names[@]}"; do
    [ -z "${after_of[$name]}" ] || continue
    unit=${#units[@]}
    units[unit]="$name"
    unit_of[$name]=$unit
  done
  for name in "${names[@]}"; do
    after="${after_of[$name]}"
    [ -n "$after" ] || continue
    [ -n "${unit_of[$after]:-}" ] || { echo "$name: SMOKE_AFTER $after: no such module" >&2; exit 2; }
    unit="${unit_of[$after]}"
    units[unit]+=" $name"
    unit_of[$name]=$unit
  done
  queue=var/bench-smoke-queue
  for unit in "${units[@]}"; do
    seconds=0
    for name in $unit; do
      last="$(awk -v n="$name" '$1 == n {print $2}' var/bench-smoke-seconds 2>/dev/null || true)"
      seconds=$((seconds + ${last:-0}))
    done
    echo "$seconds $unit"
  done | sort -s -k1,1nr | cut -d' ' -f2- >"$queue"
  : >var/bench-smoke-seconds.new
  smoke_one() {
    local name="$1" t0=$SECONDS log="var/bench-smoke-$1.log" status=0
    timeout --kill-after=10 "${BENCH_SMOKE_TIMEOUT:-240}" .venv/bin/python -m \
      "tests.benchmarks.$name" --smoke >"$log" 2>&1 || status=$?
    echo "$status" >"var/bench-smoke-$name.status"
    echo "$name $((SECONDS - t0))" >>var/bench-smoke-seconds.new
    if [ "$status" -eq 0 ]; then
      echo "==> smoke: $name ok in $((SECONDS - t0)) s: $(tail -n 1 "$log")"
    else
      { echo "==> smoke: $name FAILED (exit $status) in $((SECONDS - t0)) s, log: $log:"
        tail -n 25 "$log"; } >&2
    fi
  }
  next_unit() {  # prints the queue's first unit and removes it, under a lock
    flock "$queue.lock" sh -c 'head -n 1 "$1"; sed -i 1d "$1"' _ "$queue"
  }
  pids=()
  for _ in $(seq "$lanes"); do
    ( while unit="$(next_unit)" && [ -n "$unit" ]; do
        for name in $unit; do smoke_one "$name"; done
      done ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  mv var/bench-smoke-seconds.new var/bench-smoke-seconds
  rm -f "$queue" "$queue.lock"
  failed=()
  for name in "${!unit_of[@]}"; do
    [ "$(cat "var/bench-smoke-$name.status" 2>/dev/null)" = "0" ] || failed+=("$name")
  done
  echo "==> benchmark smoke run: $((SECONDS - started)) s in $lanes lanes"
  if [ ${#failed[@]} -gt 0 ]; then
    echo "benchmark smoke run FAILED: ${failed[*]}" >&2
    exit 1
  fi
  exit 0
fi

only=""
if [ "${1:-}" = "--only" ]; then
  only="${2:-}"
  shift 2 || true
  case "$only" in
    http | ledger | rooms | video | content) ;;
    qa) ;;  # tests/benchmarks/bench_qa.py, only with --only qa
    recommend) ;;  # tests/benchmarks/bench_recommend.py, only with --only recommend
    screening) ;;  # tests/benchmarks/bench_screening.py, only with --only screening
    assistant) ;;  # tests/benchmarks/bench_assistant.py, only with --only assistant
    tipping) ;;  # tests/benchmarks/bench_tipping.py, only with --only tipping
    fanout) ;;  # tests/benchmarks/bench_fanout.py, only with --only fanout
    search) ;;  # tests/benchmarks/bench_search.py, only with --only search
    *) echo "usage: scripts/bench.sh [--only http|ledger|rooms|video|content] [options]" >&2; exit 2 ;;
  esac
else
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --quick | --reuse-db) ;;
      --duration | --rounds)
        i=$((i + 1))
        [[ "${args[i]:-}" =~ ^[0-9]+$ ]] || { echo "${args[i-1]} needs a whole number" >&2; exit 2; }
        ;;
      *)
        echo "scripts/bench.sh: ${args[i]} is not taken by every benchmark;" \
          "use --only http|ledger|rooms|video to pass it to one of them" >&2
        exit 2
        ;;
    esac
  done
fi

scripts/install.sh --dev

if [ -n "$only" ]; then
  exec .venv/bin/python -m "tests.benchmarks.bench_$only" "$@"
fi
.venv/bin/python -m tests.benchmarks.bench_http "$@"
.venv/bin/python -m tests.benchmarks.bench_ledger "$@"
.venv/bin/python -m tests.benchmarks.bench_rooms "$@"
exec .venv/bin/python -m tests.benchmarks.bench_video "$@"
