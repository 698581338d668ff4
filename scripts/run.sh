#!/usr/bin/env bash
# Installs and runs the whole site on one machine with the embedded defaults:
# SQLite, in-memory channel layer, Celery on a filesystem broker (worker + beat),
# localstripe, console email. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh

export DEBUG="${DEBUG:-1}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
mkdir -p var/log var/celery/queue var/celery/processed var/celery/control

echo "==> Migrating the database"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo --if-empty

pids=()
cleanup() {
  echo
  echo "==> Stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f var/localstripe.pid ] && kill "$(cat var/localstripe.pid)" 2>/dev/null && rm -f var/localstripe.pid
  .venv/bin/python manage.py video_ingest stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

scripts/localstripe.sh
.venv/bin/python manage.py localstripe_webhooks "http://$HOST:$PORT/stripe/webhook/"

echo "==> Starting Celery worker and beat (logs in var/log/)"
# The worker's log goes to its file; its stdout stays here so that the console
# email backend prints emails (sign-up confirmations, resets) in this terminal.
.venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 \
  --logfile var/log/celery-worker.log &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule > var/log/celery-beat.log 2>&1 &
pids+=($!)

echo "==> Starting video ingest (nginx-rtmp, files in var/nginx/)"
if video_status=$(.venv/bin/python manage.py video_ingest start --callback-base "http://$HOST:$PORT" 2>&1); then
  video_line="Video ingest: $(echo "$video_status" | tail -1). OBS stream key: <session id>?key=<your key>"
else
  video_line="Video ingest is OFF: $(echo "$video_status" | tail -1)"
fi

cat <<TXT

  Zhiliao is starting on http://$HOST:$PORT/

  Demo logins (password demo-pass-2026):
    learner    learner@demo.zhiliao
    creator    li.wei@demo.zhiliao
    moderator  moderator@demo.zhiliao   (admin: http://$HOST:$PORT/admin/)

  API docs: http://$HOST:$PORT/api/docs/     Emails are printed below (console backend).
  $video_line

TXT
.venv/bin/uvicorn config.asgi:application --host "$HOST" --port "$PORT" --lifespan off &
pids+=($!)
wait "${pids[-1]}"
