#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol) for local development and CI.
#
#   scripts/ferretdb.sh build    build FerretDB v1.24.x into the cache (once)
#   scripts/ferretdb.sh start    build if needed, start in the background, wait until it answers
#   scripts/ferretdb.sh stop     stop the instance started by this script
#   scripts/ferretdb.sh status   exit 0 if something answers on the port, 3 otherwise
#   scripts/ferretdb.sh path     print the path of the cached binary (builds if needed)
#
# Environment:
#   MICRORIDE_CACHE      cache root (default ~/.cache/microride); binary: $MICRORIDE_CACHE/bin/ferretdb-<version>
#   FERRETDB_VERSION     exact version (e.g. v1.24.2). Default: newest cached v1.24.* binary, else the
#                        newest v1.24.* the Go module proxy serves, else the pinned fallback below.
#   FERRETDB_PORT        listen port on 127.0.0.1 (default 27017)
#   FERRETDB_BACKEND     sqlite (default) | postgresql
#   FERRETDB_SQLITE_SYNCHRONOUS  SQLite's synchronous pragma: normal (default) | full. See "Durability" below.
#   FERRETDB_STATE_DIR   data, log and pid files (default $MICRORIDE_CACHE/ferretdb)
#   FERRETDB_POSTGRESQL_URL  for the postgresql backend (default postgres://postgres@127.0.0.1:5432/ferretdb)
#   FERRETDB_LOG_LEVEL   debug|info|warn|error (default info)
#   FERRETDB_DEBUG_ADDR  FerretDB's metrics/pprof HTTP listener (default "-" = disabled, so it never
#                        collides with anything on 8088)
#
# How it is built: `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.x` gives a binary that
# panics at start because build/version/version.txt is not part of the module. So we take the module
# source (`go mod download -json` -> Dir), copy it to a temp dir, write build/version/version.txt (and
# commit.txt), and `go build ./cmd/ferretdb` there with CGO_ENABLED=0. That keeps the main module path
# github.com/FerretDB/FerretDB, so `--version` reports the real version.
#
# Backend: SQLite by default. FerretDB's SQLite backend uses modernc.org/sqlite (pure Go), so the
# binary builds with CGO_ENABLED=0 and needs no database server, role or schema: one directory of
# SQLite files per port under the state dir. The PostgreSQL backend is kept as an option
# (FERRETDB_BACKEND=postgresql) in case SQLite misbehaves; it needs the `ferretdb` database, which
# `start` creates with psql when it is missing. Measured trade (docs/performance.md, "track-scale"):
# PostgreSQL evaluates equality filters in SQL (SQLite decodes every row in Go), so scans of large
# collections are 60-90x cheaper, but it uses none of the indexes createIndex makes, loads slower
# and drops collections slower. Either way a query's cost is mostly FerretDB converting the
# documents it returns; no --sqlite-url pragma changes that (SQLite's own work is ~3 % of a read).
#
# Durability: MongoDB acknowledges a default (w:1) write before its journal reaches disk and
# flushes the journal every 100 ms, so a crash of the machine can lose the last moments of
# acknowledged writes. FerretDB's SQLite backend runs in WAL mode with SQLite's default
# synchronous=FULL, an fsync per insert: stricter than the MongoDB it stands in for, and about
# one fsync per timeline event. synchronous=NORMAL syncs the WAL at checkpoints instead, which
# keeps every acknowledged write through a crash of FerretDB itself and loses at most the
# latest ones when the machine loses power, as MongoDB's default does.
# FERRETDB_SQLITE_SYNCHRONOUS=full restores an fsync per write. A running FerretDB keeps the
# setting it was started with (`stop`, then `start`).
set -euo pipefail

FERRETDB_FALLBACK_VERSION=v1.24.2 # newest v1.24.x on the module proxy when this script was written
MODULE=github.com/FerretDB/FerretDB

CACHE=${MICRORIDE_CACHE:-$HOME/.cache/microride}
BIN_DIR=$CACHE/bin
PORT=${FERRETDB_PORT:-27017}
HOST=127.0.0.1
BACKEND=${FERRETDB_BACKEND:-sqlite}
SQLITE_SYNCHRONOUS=${FERRETDB_SQLITE_SYNCHRONOUS:-normal}
STATE_DIR=${FERRETDB_STATE_DIR:-$CACHE/ferretdb}
PG_URL=${FERRETDB_POSTGRESQL_URL:-postgres://postgres@127.0.0.1:5432/ferretdb}
DEBUG_ADDR=${FERRETDB_DEBUG_ADDR:--}
PID_FILE=$STATE_DIR/ferretdb-$PORT.pid
LOG_FILE=$STATE_DIR/ferretdb-$PORT.log
START_TIMEOUT=${FERRETDB_START_TIMEOUT:-30}

BUILD_TMP=
log() { printf '[ferretdb] %s\n' "$*" >&2; }
die() { printf '[ferretdb] ERROR: %s\n' "$*" >&2; exit 1; }

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go
  else die "Go toolchain not found (need go >= 1.24 on PATH or at /usr/local/go/bin/go)"
  fi
}

# Version to use, without touching the network when a build is already cached.
resolve_version() {
  if [[ -n ${FERRETDB_VERSION:-} ]]; then echo "$FERRETDB_VERSION"; return; fi
  local cached
  cached=$(ls -1 "$BIN_DIR" 2>/dev/null | sed -n 's/^ferretdb-\(v1\.24\.[0-9][0-9]*\)$/\1/p' | sort -V | tail -n1 || true)
  if [[ -n $cached ]]; then echo "$cached"; return; fi
  local go v
  go=$(find_go)
  # "@v1.24" is a module query for the newest v1.24.x release.
  if v=$(cd "${TMPDIR:-/tmp}" && GOFLAGS='' "$go" list -m -f '{{.Version}}' "$MODULE@v1.24" 2>/dev/null) \
     && [[ $v =~ ^v1\.24\.[0-9]+$ ]]; then
    echo "$v"
  else
    log "could not ask the module proxy for the newest v1.24.x; using $FERRETDB_FALLBACK_VERSION"
    echo "$FERRETDB_FALLBACK_VERSION"
  fi
}

binary_path() { echo "$BIN_DIR/ferretdb-$1"; }

cmd_build() {
  local version bin go tmp json src commit t0
  version=$(resolve_version)
  bin=$(binary_path "$version")
  if [[ -x $bin ]]; then
    log "FerretDB $version already built: $bin"
    echo "$bin"
    return
  fi
  go=$(find_go)
  mkdir -p "$BIN_DIR"
  # Serialise concurrent builds (two shells running `start` at once).
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$BIN_DIR/.ferretdb-$version.lock"
    flock 9
    if [[ -x $bin ]]; then log "FerretDB $version was built meanwhile: $bin"; echo "$bin"; return; fi
  fi
  t0=$SECONDS
  log "building FerretDB $version with $("$go" version | cut -d' ' -f3) (one-time, takes a few minutes)..."
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-build.XXXXXX")
  BUILD_TMP=$tmp
  trap 'chmod -R u+w "$BUILD_TMP" 2>/dev/null; rm -rf "$BUILD_TMP"' EXIT
  log "downloading module $MODULE@$version"
  json=$(cd "$tmp" && "$go" mod download -json "$MODULE@$version") || die "go mod download $MODULE@$version failed"
  src=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)
  commit=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' | head -n1)
  [[ -n $src && -d $src ]] || die "no module source dir in: $json"
  cp -R "$src" "$tmp/src"
  chmod -R u+w "$tmp/src"
  printf '%s\n' "$version" >"$tmp/src/build/version/version.txt"
  [[ -n $commit ]] && printf '%s\n' "$commit" >"$tmp/src/build/version/commit.txt"
  printf 'microride\n' >"$tmp/src/build/version/package.txt"
  log "compiling ./cmd/ferretdb (CGO_ENABLED=0, -p ${MICRORIDE_GO_P:-1})..."
  (
    cd "$tmp/src"
    # GOTOOLCHAIN=local: never try to download another toolchain; go.mod asks only for go 1.24.
    CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS='' "$go" build -p "${MICRORIDE_GO_P:-1}" -buildvcs=false \
      -trimpath -ldflags='-s -w' -o "$tmp/ferretdb" ./cmd/ferretdb
  ) || die "go build of FerretDB $version failed"
  local out
  out=$("$tmp/ferretdb" --version 2>&1) || die "built binary does not run: $out"
  grep -q "version: $version" <<<"$out" || die "built binary reports an unexpected version: $out"
  mv -f "$tmp/ferretdb" "$bin"
  log "built $bin in $((SECONDS - t0)) s ($(du -h "$bin" | cut -f1))"
  echo "$bin"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

pid_alive() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q ferretdb "/proc/$pid/cmdline" 2>/dev/null
}

ensure_pg_database() {
  command -v psql >/dev/null 2>&1 || { log "psql not found; assuming the PostgreSQL database exists"; return; }
  local db=${PG_URL##*/}; db=${db%%\?*}
  local admin=${PG_URL%/*}/postgres
  if [[ $(psql "$admin" -Atc "select 1 from pg_database where datname='$db'" 2>/dev/null) != 1 ]]; then
    log "creating PostgreSQL database $db"
    psql "$admin" -qc "create database \"$db\"" >/dev/null
  fi
}

cmd_start() {
  if port_open; then
    if pid_alive; then log "already running (pid $(cat "$PID_FILE")) on $HOST:$PORT"
    else log "something already answers on $HOST:$PORT; not starting another FerretDB"
    fi
    return 0
  fi
  local bin
  bin=$(cmd_build)
  mkdir -p "$STATE_DIR"
  local -a args=(--listen-addr="$HOST:$PORT" --telemetry=disable --debug-addr="$DEBUG_ADDR"
    --state-dir="$STATE_DIR/state-$PORT" --log-level="${FERRETDB_LOG_LEVEL:-info}")
  case $BACKEND in
    sqlite)
      mkdir -p "$STATE_DIR/sqlite-$PORT" "$STATE_DIR/state-$PORT"
      case $SQLITE_SYNCHRONOUS in normal | full) ;; *) die "FERRETDB_SQLITE_SYNCHRONOUS must be normal or full, not '$SQLITE_SYNCHRONOUS'" ;; esac
      # FerretDB adds its own pragmas (busy_timeout, journal_mode=wal, auto_vacuum) after ours.
      args+=(--handler=sqlite --sqlite-url="file:$STATE_DIR/sqlite-$PORT/?_pragma=synchronous($SQLITE_SYNCHRONOUS)")
      ;;
    postgresql)
      mkdir -p "$STATE_DIR/state-$PORT"
      ensure_pg_database
      args+=(--handler=postgresql --postgresql-url="$PG_URL")
      ;;
    *) die "FERRETDB_BACKEND must be sqlite or postgresql, not '$BACKEND'" ;;
  esac
  log "starting $(basename "$bin") ($BACKEND backend) on $HOST:$PORT, log: $LOG_FILE"
  printf '\n==== %s start: %s %s\n' "$(date -Is)" "$bin" "${args[*]}" >>"$LOG_FILE"
  # setsid + nohup + no stdin: the server outlives the calling shell (and CI step).
  nohup setsid "$bin" "${args[@]}" </dev/null >>"$LOG_FILE" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  local waited=0
  until port_open; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "FerretDB exited during startup; last log lines:"
      tail -n 30 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      die "FerretDB failed to start on $HOST:$PORT"
    fi
    if (( waited >= START_TIMEOUT * 5 )); then
      log "FerretDB did not accept connections on $HOST:$PORT within ${START_TIMEOUT}s; last log lines:"
      tail -n 30 "$LOG_FILE" >&2
      die "FerretDB start timed out (pid $pid left running; stop it with: $0 stop)"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  log "FerretDB is up on $HOST:$PORT (pid $pid)"
}

cmd_stop() {
  if ! pid_alive; then
    rm -f "$PID_FILE"
    if port_open; then log "something answers on $HOST:$PORT but it was not started by this script; leaving it alone"
    else log "not running"
    fi
    return 0
  fi
  local pid i
  pid=$(cat "$PID_FILE")
  log "stopping FerretDB (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still running after 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  if port_open; then
    if pid_alive; then log "running: pid $(cat "$PID_FILE") on $HOST:$PORT ($BACKEND backend), log: $LOG_FILE"
    else log "something answers on $HOST:$PORT (not started by this script)"
    fi
    return 0
  fi
  if pid_alive; then log "process $(cat "$PID_FILE") is alive but $HOST:$PORT does not answer; see $LOG_FILE"
  else log "not running (start it with: scripts/ferretdb.sh start)"
  fi
  return 3
}

case ${1:-} in
  build) cmd_build >/dev/null ;;
  path) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  *) echo "usage: $0 {build|start|stop|status|restart|path}" >&2; exit 2 ;;
esac
