#!/usr/bin/env bash
# Installs node_modules with `npm ci` when they are missing or older than the lock file.
#
# A node_modules that is a symbolic link (git worktrees sharing one install) is left alone:
# `npm ci` would empty the directory it points to, under every checkout that shares it, and
# a fresh checkout's lock file is always "newer" than the shared install. Install in the
# checkout that owns the directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -L node_modules ]]; then
  if [[ ! -f node_modules/.package-lock.json ]]; then
    echo "[deps] node_modules links to $(readlink node_modules), which holds no install; run npm ci there" >&2
    exit 1
  fi
  if ! cmp -s package-lock.json "$(readlink -f node_modules)/../package-lock.json"; then
    echo "[deps] warning: package-lock.json differs from the one of the shared install at $(readlink node_modules); not reinstalling" >&2
  fi
  exit 0
fi
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
