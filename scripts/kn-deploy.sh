#!/usr/bin/env bash
# Deploys MicroRide with `kn` (and kubectl for the few objects kn has no command for) —
# the same functions, Broker, Triggers, SinkBindings and PingSources as the Helm chart and
# the committed manifests (knative/, eventing/), all derived from contracts/catalog.ts and
# contracts/workloads.ts through scripts/deploy/kn-plan.ts.
#
#   scripts/kn-deploy.sh --image REGISTRY/microride:TAG [--namespace NS]
#       deploy to the current kube context: ConfigMap, RabbitmqBrokerConfig, migration Job,
#       `kn service create|update` per function, `kn broker create|update`,
#       `kn source binding create|update` per emitting function, `kn trigger create|update`
#       per subscription (+ kubectl patch: delivery, parallelism), the notifier (kubectl),
#       `kn source ping create|update` per tick. Idempotent: run it again after a change.
#   scripts/kn-deploy.sh --target DIR [--image IMG] [--namespace NS]
#       offline: writes what `kn service create` would create to DIR/<ns>/ksvc/<name>.yaml
#       (kn's --target), and nothing else. CI compares these with knative/ (check-deploy.sh).
#   scripts/kn-deploy.sh --dry-run [--image IMG] [--namespace NS]
#       print every command instead of running it.
#
# Needs: kn (scripts/go-tools.sh builds one: PATH="$(scripts/go-tools.sh --path):$PATH"),
# kubectl for cluster mode, node + the repo's npm dependencies (to read the catalog).
# Before a cluster deploy: Knative Serving + Eventing + eventing-rabbitmq installed, a
# RabbitmqCluster named microride-rabbitmq and the Secret microride-secrets in the namespace
# (docs/deploy.md, "Deploy with kn").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=""
NAMESPACE=""
TARGET=""
DRY_RUN=0

while [[ $# -gt 0 ]]; do
  case $1 in
    --image) IMAGE=$2; shift 2 ;;
    --namespace|-n) NAMESPACE=$2; shift 2 ;;
    --target) TARGET=$2; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "kn-deploy: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z $TARGET && $DRY_RUN -eq 0 && -z $IMAGE ]]; then
  echo "kn-deploy: --image REGISTRY/microride:TAG is required to deploy (see --help)" >&2
  exit 2
fi

command -v kn >/dev/null 2>&1 || [[ $DRY_RUN -eq 1 ]] || {
  echo "kn-deploy: kn not found; build it with scripts/go-tools.sh kn and put \$(scripts/go-tools.sh --path) on PATH" >&2
  exit 3
}
if [[ -z $TARGET && $DRY_RUN -eq 0 ]]; then
  command -v kubectl >/dev/null 2>&1 || { echo "kn-deploy: kubectl not found" >&2; exit 3; }
fi

# Functions that call others directly get the callee's address, which names its namespace:
# deploying into the kube context's namespace, say which one it is.
if [[ -z $NAMESPACE && -z $TARGET && $DRY_RUN -eq 0 ]]; then
  NAMESPACE=$(kubectl config view --minify -o 'jsonpath={..namespace}')
  NAMESPACE=${NAMESPACE:-default}
fi

plan_args=()
[[ -n $IMAGE ]] && plan_args+=(--image "$IMAGE")
[[ -n $NAMESPACE ]] && plan_args+=(--namespace "$NAMESPACE")
ns_args=()
[[ -n $NAMESPACE ]] && ns_args+=(--namespace "$NAMESPACE")

PLAN=$(cd "$ROOT" && node --import tsx scripts/deploy/kn-plan.ts "${plan_args[@]}")

show() { printf '+'; printf ' %q' "$@"; printf '\n'; }
run() {
  show "$@"
  [[ $DRY_RUN -eq 1 ]] || "$@"
}
# `kn <noun…> create|update`: update when the object exists.
upsert() {
  local -a noun=()
  while [[ $1 != -- ]]; do noun+=("$1"); shift; done
  shift
  local name=$1
  if [[ $DRY_RUN -eq 0 ]] && kn "${noun[@]}" describe "$name" "${ns_args[@]}" >/dev/null 2>&1; then
    run kn "${noun[@]}" update "$@"
  else
    run kn "${noun[@]}" create "$@"
  fi
}
kapply() {
  if [[ $DRY_RUN -eq 1 ]]; then show kubectl apply "${ns_args[@]}" -f - ; printf '  %s\n' "$1"; return; fi
  printf '%s' "$1" | kubectl apply "${ns_args[@]}" -f -
}

if [[ -n $TARGET ]]; then
  mkdir -p "$TARGET"
  n=0
  while IFS=$'\x1f' read -r -a cmd; do
    [[ ${cmd[0]} == service ]] || continue
    run kn service create "${cmd[@]:1}" --target "$TARGET" >/dev/null
    n=$((n + 1))
  done <<<"$PLAN"
  echo "kn-deploy: wrote $n Knative Services under $TARGET (kn --target)"
  exit 0
fi

if [[ $DRY_RUN -eq 0 ]] && ! kubectl get secret microride-secrets "${ns_args[@]}" >/dev/null 2>&1; then
  echo "kn-deploy: the Secret microride-secrets is missing (keys DATABASE_URL, REDIS_URL, MONGO_URL, JWT_PUBLIC_KEY, JWT_PRIVATE_KEY, QUOTE_SECRET); see docs/deploy.md" >&2
  exit 4
fi

# Order: config and broker config, migrations, functions, broker, bindings, triggers, notifier, ticks.
for phase in apply migrate service broker binding trigger ping; do
  while IFS=$'\x1f' read -r -a cmd; do
    step=${cmd[0]}
    case $phase:$step in
      apply:apply) kapply "${cmd[1]}" ;;
      migrate:migrate)
        run kubectl delete job "${cmd[1]}" --ignore-not-found "${ns_args[@]}"
        kapply "${cmd[2]}"
        run kubectl wait --for=condition=complete --timeout=300s "job/${cmd[1]}" "${ns_args[@]}"
        ;;
      service:service) upsert service -- "${cmd[@]:1}" --no-wait ;;
      broker:broker) upsert broker -- "${cmd[@]:1}" ;;
      binding:binding) upsert source binding -- "${cmd[@]:1}" ;;
      trigger:trigger) upsert trigger -- "${cmd[@]:1}" ;;
      trigger:trigger-patch) run kubectl patch trigger "${cmd[1]}" --type merge -p "${cmd[2]}" "${ns_args[@]}" ;;
      ping:ping) upsert source ping -- "${cmd[@]:1}" ;;
    esac
  done <<<"$PLAN"
done

if [[ $DRY_RUN -eq 0 ]]; then
  run kubectl wait ksvc --all --for=condition=Ready --timeout=300s "${ns_args[@]}"
  while IFS=$'\x1f' read -r -a cmd; do
    if [[ ${cmd[0]} == rollout ]]; then run kubectl rollout status "${cmd[1]}" --timeout=300s "${ns_args[@]}"; fi
  done <<<"$PLAN"
  echo "kn-deploy: done. kn service list${NAMESPACE:+ -n $NAMESPACE} shows the URLs."
fi
