#!/usr/bin/env bash
# Starts localstripe (a stateful fake Stripe server) on 127.0.0.1:${LOCALSTRIPE_PORT:-8420}
# unless one already answers there, and waits until it is ready. Prints its pid file.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${LOCALSTRIPE_PORT:-8420}"
mkdir -p var/log
if curl -s -o /dev/null "http://127.0.0.1:$port/v1/customers" -u sk_test_x: ; then
  echo "==> localstripe already running on :$port"
  exit 0
fi
echo "==> Starting localstripe on :$port"
nohup .venv/bin/python scripts/localstripe_server.py --port "$port" --from-scratch \
  > var/log/localstripe.log 2>&1 &
echo $! > var/localstripe.pid
for _ in $(seq 1 50); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/v1/customers" -u sk_test_x: ; then
    exit 0
  fi
  sleep 0.2
done
echo "localstripe did not start; see var/log/localstripe.log" >&2
exit 1
