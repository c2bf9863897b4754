#!/usr/bin/env bash
# Installs node_modules with `npm ci` when they are missing or older than the lock file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[deps] npm ci (first run or lock file changed)…" >&2
  npm ci --no-audit --no-fund >&2
fi
# The browser tests (test/web) drive Debian's Chromium through playwright-core; nothing is
# downloaded at test time, so the browser comes from the distribution.
if [[ ! -x /usr/bin/chromium ]]; then
  echo "[deps] apt-get install chromium (browser tests)…" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get install -y chromium >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y chromium >&2; }
fi
