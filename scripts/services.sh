#!/usr/bin/env bash
# Local services MicroRide needs (DESIGN.md §7): PostgreSQL, Redis, RabbitMQ, FerretDB.
#
#   scripts/services.sh check   one line per service that is down (with the command that starts it);
#                               exit 0 when all answer, 1 otherwise
#   scripts/services.sh up      start whatever is down, then wait until every service answers
#
# Works as root in CI (CI=true, no stdin): nothing here reads stdin or prompts.
# As a non-root user the system-service start commands are run through `sudo -n` when that works.
# SERVICES_TIMEOUT (default 90) bounds the wait per service in `up`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
AMQP_PORT=5672
FERRETDB_PORT=${FERRETDB_PORT:-27017}
TIMEOUT=${SERVICES_TIMEOUT:-90}
SERVICES=(postgresql redis rabbitmq ferretdb)

log() { printf '[services] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

pg_version() {
  # DESIGN.md uses $(ls /etc/postgresql); with several clusters installed take the newest.
  local v
  v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1 || true)
  echo "${v:-<version>}"
}

start_command() {
  case $1 in
    postgresql) echo "pg_ctlcluster --skip-systemctl-redirect $(pg_version) main start" ;;
    redis) echo 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log' ;;
    rabbitmq) echo 'rabbitmq-server -detached && rabbitmqctl await_startup' ;;
    ferretdb) echo "scripts/ferretdb.sh start" ;;
  esac
}

endpoint() {
  case $1 in
    postgresql) echo "$HOST:$PG_PORT" ;;
    redis) echo "$HOST:$REDIS_PORT" ;;
    rabbitmq) echo "$HOST:$AMQP_PORT" ;;
    ferretdb) echo "$HOST:$FERRETDB_PORT" ;;
  esac
}

# Does the service answer? Uses the service's own client when installed, else a TCP connect.
is_up() {
  case $1 in
    postgresql)
      if command -v pg_isready >/dev/null 2>&1; then pg_isready -q -h "$HOST" -p "$PG_PORT" -t 2 </dev/null
      else port_open "$PG_PORT"; fi
      ;;
    redis)
      if command -v redis-cli >/dev/null 2>&1; then
        [[ $(timeout 3 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null </dev/null) == PONG ]]
      else port_open "$REDIS_PORT"; fi
      ;;
    rabbitmq)
      # The AMQP listener opens last in RabbitMQ's boot, so an open 5672 means clients can connect
      # (rabbitmq-diagnostics ping takes seconds and needs the Erlang cookie, i.e. root).
      port_open "$AMQP_PORT"
      ;;
    ferretdb) port_open "$FERRETDB_PORT" ;;
  esac
}

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else "$@"
  fi
}

start_service() {
  case $1 in
    postgresql)
      command -v pg_ctlcluster >/dev/null 2>&1 || { log "pg_ctlcluster not found (apt-get install postgresql)"; return 1; }
      as_root pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start </dev/null
      ;;
    redis)
      command -v redis-server >/dev/null 2>&1 || { log "redis-server not found (apt-get install redis-server)"; return 1; }
      as_root mkdir -p /var/lib/redis /var/log/redis
      as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log </dev/null
      ;;
    rabbitmq)
      command -v rabbitmq-server >/dev/null 2>&1 || { log "rabbitmq-server not found (apt-get install rabbitmq-server)"; return 1; }
      as_root rabbitmq-server -detached </dev/null
      log "waiting for RabbitMQ: rabbitmqctl await_startup"
      # Right after -detached the node is not registered yet and await_startup fails at
      # once ("unable to perform an operation"), so ask again until the deadline.
      local deadline=$((SECONDS + TIMEOUT))
      until as_root timeout "$TIMEOUT" rabbitmqctl await_startup </dev/null >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log "RabbitMQ did not finish booting within ${TIMEOUT}s"; return 1; }
        sleep 2
      done
      ;;
    ferretdb)
      "$HERE/ferretdb.sh" start </dev/null
      ;;
  esac
}

wait_up() {
  local svc=$1 i
  for ((i = 0; i < TIMEOUT * 2; i++)); do
    is_up "$svc" && return 0
    sleep 0.5
  done
  return 1
}

cmd_check() {
  local svc down=0
  for svc in "${SERVICES[@]}"; do
    if ! is_up "$svc"; then
      echo "$svc is DOWN on $(endpoint "$svc"); start it with: $(start_command "$svc")  (or: scripts/services.sh up)" >&2
      down=1
    fi
  done
  ((down)) || log "all services up: ${SERVICES[*]}"
  return "$down"
}

cmd_up() {
  local svc failed=() started=()
  for svc in "${SERVICES[@]}"; do
    if is_up "$svc"; then
      log "$svc: already up ($(endpoint "$svc"))"
      continue
    fi
    log "$svc: down, starting: $(start_command "$svc")"
    if start_service "$svc"; then started+=("$svc")
    else log "$svc: start command failed"; failed+=("$svc")
    fi
  done
  for svc in "${started[@]}"; do
    if wait_up "$svc"; then log "$svc: up ($(endpoint "$svc"))"
    else
      echo "$svc did not answer on $(endpoint "$svc") within ${TIMEOUT}s after: $(start_command "$svc")" >&2
      failed+=("$svc")
    fi
  done
  if ((${#failed[@]})); then
    log "FAILED: ${failed[*]}"
    return 1
  fi
  log "all services up"
}

case ${1:-} in
  check) cmd_check ;;
  up) cmd_up ;;
  *) echo "usage: $0 {check|up}" >&2; exit 2 ;;
esac
