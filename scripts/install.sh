#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine (idempotent).
#   scripts/install.sh          runtime: Python venv + requirements, gettext
#   scripts/install.sh --dev    also test tools: dev requirements, Chromium, wrk, redis-server
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

# fonts-wqy-zenhei: Chinese glyphs in PDF receipts, share posters (core/posters.py)
# and browser screenshots.
apt_packages=(gettext fonts-wqy-zenhei)
# nginx with the RTMP module and ffmpeg: video ingest (optional for the default run).
apt_packages+=(nginx libnginx-mod-rtmp ffmpeg)
if [ "$dev" = 1 ]; then
  # redis-server: the live room tests start a private Redis they can kill and restart.
  apt_packages+=(chromium wrk redis-server)
fi

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> Installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
req=requirements.txt
[ "$dev" = 1 ] && req=requirements-dev.txt
# Reinstall only when the requirements changed since the last install.
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)-$dev"
if [ ! -f "$stamp" ]; then
  echo "==> Installing Python packages from $req (log: var/log/pip.log)"
  mkdir -p var/log
  if ! { .venv/bin/pip install -q --disable-pip-version-check --upgrade pip &&
         .venv/bin/pip install -q --disable-pip-version-check -r "$req"; } > var/log/pip.log 2>&1
  then
    grep -v "^WARNING: Location" var/log/pip.log >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi

echo "==> Compiling translations"
.venv/bin/python manage.py compilemessages --ignore=.venv -v0
