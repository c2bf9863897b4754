#!/usr/bin/env bash
# Installs node_modules with `npm ci` when they are missing or older than the lock file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[deps] npm ci (first run or lock file changed)…" >&2
  npm ci --no-audit --no-fund >&2
fi
