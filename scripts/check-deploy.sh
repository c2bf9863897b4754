#!/usr/bin/env bash
# Offline checks of everything MicroRide deploys (CI runs this; no cluster, no Docker):
#
#   1. generated files are up to date: regenerate knative/, charts/microride/{values,Chart}.yaml,
#      eventing/*.yaml and eventing/README.md's tables (scripts/generate.ts, the one generator);
#      any difference fails
#   2. helm lint --strict: charts/microride (default and prod values), charts/rabbitmq-cluster
#   3. helm template: default values, values-prod.yaml, event authentication on
#      (eventAuth.oidc.enabled; enabling it for the RabbitMQ broker without
#      brokerSendsTokens must fail), and the values helmfile computes for its dev and prod
#      environments (helmfile write-values, offline); charts/rabbitmq-cluster
#   4. kubeconform -strict on every rendered object and every committed manifest (knative/,
#      eventing/), with JSON schemas built from Go modules' own definitions: Kubernetes
#      (k8s.io/kubernetes swagger.json), Knative Serving, Eventing + Sources, eventing-rabbitmq,
#      RabbitMQ cluster operator, Gateway API CRDs (scripts/deploy/schemas.ts); an object whose
#      kind has no schema fails too. Self-check first: a deliberately broken manifest must fail.
#   5. consistency (scripts/deploy/verify.ts): one Knative Service per catalog function, one
#      Trigger per subscription, one SinkBinding per emitting function, one PingSource per tick;
#      the chart renders exactly the committed manifests; `kn service create … --target` (via
#      scripts/kn-deploy.sh) gives the same image, args, env, scaling, probes and resources;
#      helmfile's PostgreSQL max_connections holds one pod of every PostgreSQL function; the
#      NetworkPolicies select every function and the notifier and admit only Knative's data
#      plane and the Broker's dispatchers; with OIDC off the render warns, with it on every
#      receiver checks tokens for exactly the audience its Triggers send.
#
# Tools: helm, helmfile, kn, kubeconform from scripts/go-tools.sh (built from the Go module proxy,
# cached in ${MICRORIDE_CACHE:-~/.cache/microride}). If one is neither cached nor buildable the
# check is skipped with a message (exit 0), unless CHECK_DEPLOY_REQUIRE_TOOLS=1.
# Schema versions (override with the env variables below); converted schemas are cached.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CACHE=${MICRORIDE_CACHE:-$HOME/.cache/microride}
K8S_VERSION=${K8S_VERSION:-v1.34.2}
KNATIVE_SERVING_VERSION=${KNATIVE_SERVING_VERSION:-v0.48.0}     # Knative 1.21
KNATIVE_EVENTING_VERSION=${KNATIVE_EVENTING_VERSION:-v0.47.0}   # Knative 1.20 (the proxy's v0.48.0 fails checksum verification)
EVENTING_RABBITMQ_VERSION=${EVENTING_RABBITMQ_VERSION:-v0.48.0}
RABBITMQ_OPERATOR_VERSION=${RABBITMQ_OPERATOR_VERSION:-v2.16.0}
GATEWAY_API_VERSION=${GATEWAY_API_VERSION:-v1.6.3}
NAMESPACE=microride

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'check-deploy: FAIL: %s\n' "$*" >&2; exit 1; }
skip() {
  printf 'check-deploy: SKIPPED: %s\n' "$*" >&2
  [[ ${CHECK_DEPLOY_REQUIRE_TOOLS:-0} == 1 ]] && exit 1
  exit 0
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
tsx() { node --import tsx "$@"; }

# ── 1. generated files up to date ───────────────────────────────────────────────────
step "1. generated files are up to date"
snapshot() {
  { find knative charts eventing -maxdepth 4 -type f \( -name '*.yaml' -o -name '*.tpl' -o -name '*.txt' -o -name '*.gotmpl' \) -print0 2>/dev/null
    printf '%s\0' eventing/README.md; } | sort -z | xargs -0 sha256sum
}
snapshot >"$WORK/before"
tsx scripts/generate.ts >/dev/null
snapshot >"$WORK/after"
if ! diff -u "$WORK/before" "$WORK/after" >"$WORK/drift"; then
  grep -E '^[-+][0-9a-f]{64}' "$WORK/drift" | awk '{print $2}' | sort -u | sed 's/^/  changed: /' >&2
  git --no-pager diff --stat -- knative charts eventing >&2 || true
  fail "generated deployment files were out of date (now regenerated): run 'npm run generate', review and commit"
fi
if [[ ${CI:-} == true ]] && git rev-parse --git-dir >/dev/null 2>&1; then
  git diff --exit-code --stat -- knative charts eventing/broker.yaml eventing/triggers.yaml eventing/README.md || fail "generated files differ from the commit"
  untracked=$(git ls-files --others --exclude-standard -- knative charts eventing/broker.yaml eventing/triggers.yaml)
  [[ -z $untracked ]] || fail "generated files not committed: $untracked"
fi
echo "ok  knative/, charts/microride, eventing/*.yaml, eventing/README.md match the catalog and the workloads"

# ── tools ───────────────────────────────────────────────────────────────────────────
step "tools (scripts/go-tools.sh)"
[[ -x scripts/go-tools.sh ]] || [[ -f scripts/go-tools.sh ]] || skip "scripts/go-tools.sh does not exist yet (helm, helmfile, kn, kubeconform)"
if ! TOOLS_BIN=$(bash scripts/go-tools.sh --path 2>"$WORK/go-tools.log"); then
  tail -5 "$WORK/go-tools.log" >&2
  skip "helm/helmfile/kn/kubeconform are not cached and could not be built (see above)"
fi
export PATH="$TOOLS_BIN:$PATH"
for t in helm helmfile kn kubeconform; do command -v "$t" >/dev/null || skip "$t missing from $TOOLS_BIN"; done
printf 'helm %s | helmfile %s | kn %s | kubeconform %s\n' \
  "$(helm version --template '{{.Version}}')" "$(helmfile --version 2>/dev/null | awk '{print $NF}')" \
  "$(kn version 2>/dev/null | awk '/^Version/{print $2}')" "$(kubeconform -v)"

# ── 2. helm lint ────────────────────────────────────────────────────────────────────
step "2. helm lint"
helm lint --strict charts/microride >"$WORK/lint" 2>&1 || { cat "$WORK/lint"; fail "helm lint charts/microride"; }
helm lint --strict charts/microride -f charts/microride/values-prod.yaml >"$WORK/lint" 2>&1 || { cat "$WORK/lint"; fail "helm lint charts/microride (prod values)"; }
helm lint --strict charts/rabbitmq-cluster >"$WORK/lint" 2>&1 || { cat "$WORK/lint"; fail "helm lint charts/rabbitmq-cluster"; }
echo "ok  charts/microride (default, prod), charts/rabbitmq-cluster"

# ── 3. helm template ────────────────────────────────────────────────────────────────
step "3. helm template (default, prod, event authentication on, helmfile dev, helmfile prod)"
R=$WORK/rendered
mkdir -p "$R"
helm template microride charts/microride -n "$NAMESPACE" >"$R/default.yaml"
helm template microride charts/microride -n "$NAMESPACE" -f charts/microride/values-prod.yaml >"$R/prod.yaml"
helm template microride charts/microride -n "$NAMESPACE" --set eventAuth.oidc.enabled=true --set eventAuth.oidc.brokerSendsTokens=true >"$R/oidc.yaml"
# eventing-rabbitmq's dispatcher sends no token: OIDC on that broker alone would refuse every event.
if helm template microride charts/microride -n "$NAMESPACE" --set eventAuth.oidc.enabled=true >/dev/null 2>"$WORK/oidc-rmq.err"; then
  fail "eventAuth.oidc.enabled with the RabbitMQ broker rendered; it must fail (its dispatcher sends no token)"
fi
grep -q "sends no OIDC token" "$WORK/oidc-rmq.err" || { cat "$WORK/oidc-rmq.err" >&2; fail "eventAuth.oidc with RabbitMQBroker failed for another reason"; }
# helmfile computes each release's values from its environment (offline: no chart is fetched).
export MICRORIDE_IMAGE=registry.invalid/microride:0.1.0 MICRORIDE_DB_PASSWORD=check MICRORIDE_MONGO_PASSWORD=check \
  MICRORIDE_REDIS_PASSWORD=check MICRORIDE_QUOTE_SECRET=0123456789abcdef0123456789abcdef \
  MICRORIDE_JWT_PRIVATE_KEY=$'-----BEGIN PRIVATE KEY-----\ncheck\n-----END PRIVATE KEY-----' \
  MICRORIDE_JWT_PUBLIC_KEY=$'-----BEGIN PUBLIC KEY-----\ncheck\n-----END PUBLIC KEY-----'
for env in dev prod; do
  helmfile -e "$env" list >/dev/null || fail "helmfile -e $env list"
  helmfile -e "$env" write-values --skip-deps --output-file-template "$WORK/helmfile-$env/{{ .Release.Name }}.yaml" >"$WORK/hf.log" 2>&1 \
    || { cat "$WORK/hf.log" >&2; fail "helmfile -e $env write-values"; }
  helm template microride charts/microride -n "$NAMESPACE" -f "$WORK/helmfile-$env/microride.yaml" >"$R/helmfile-$env.yaml"
  helm template rabbitmq charts/rabbitmq-cluster -n "$NAMESPACE" -f "$WORK/helmfile-$env/rabbitmq.yaml" >"$R/rabbitmq-$env.yaml"
done
for f in "$R"/*.yaml; do printf '  %-24s %3d objects\n' "$(basename "$f")" "$(grep -c '^kind:' "$f")"; done

# ── 4. schemas + kubeconform ────────────────────────────────────────────────────────
step "4. kubeconform -strict with schemas from the Go modules' definitions"
SCHEMAS=$CACHE/schemas/k8s-$K8S_VERSION.serving-$KNATIVE_SERVING_VERSION.eventing-$KNATIVE_EVENTING_VERSION.rabbitmq-$EVENTING_RABBITMQ_VERSION.operator-$RABBITMQ_OPERATOR_VERSION.gateway-$GATEWAY_API_VERSION
if [[ ! -f $SCHEMAS/.complete ]]; then
  GO=$(command -v go || echo /usr/local/go/bin/go)
  [[ -x $GO ]] || skip "no Go toolchain to download the schema modules"
  moddir() {
    local out
    out=$(cd "$WORK" && GOFLAGS=-mod=mod "$GO" mod download -json "$1" 2>&1) || { echo "$out" >&2; return 1; }
    sed -n 's/^\s*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$out"
  }
  K8S=$(moddir "k8s.io/kubernetes@$K8S_VERSION") || skip "cannot download k8s.io/kubernetes@$K8S_VERSION"
  SERVING=$(moddir "knative.dev/serving@$KNATIVE_SERVING_VERSION") || skip "cannot download knative.dev/serving"
  EVENTING=$(moddir "knative.dev/eventing@$KNATIVE_EVENTING_VERSION") || skip "cannot download knative.dev/eventing"
  RMQ=$(moddir "knative.dev/eventing-rabbitmq@$EVENTING_RABBITMQ_VERSION") || skip "cannot download knative.dev/eventing-rabbitmq"
  OPERATOR=$(moddir "github.com/rabbitmq/cluster-operator/v2@$RABBITMQ_OPERATOR_VERSION") || skip "cannot download the RabbitMQ cluster operator"
  GATEWAY=$(moddir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION") || skip "cannot download sigs.k8s.io/gateway-api"
  rm -rf "$SCHEMAS.tmp" && mkdir -p "$SCHEMAS.tmp"
  tsx scripts/deploy/schemas.ts --out "$SCHEMAS.tmp" --swagger "$K8S/api/openapi-spec/swagger.json" --crds \
    "$SERVING/config/core/300-resources" "$EVENTING/config/core/resources" \
    "$RMQ/config/broker/300-rabbitmqbrokerconfig.yaml" "$OPERATOR/config/crd/bases/rabbitmq.com_rabbitmqclusters.yaml" \
    "$GATEWAY/config/crd/standard"
  touch "$SCHEMAS.tmp/.complete"
  rm -rf "$SCHEMAS" && mv "$SCHEMAS.tmp" "$SCHEMAS"
fi
LOCATION="$SCHEMAS/$(tsx -e "import('./scripts/deploy/schemas.ts').then(m => process.stdout.write(m.SCHEMA_LOCATION_TEMPLATE))")"
kubeconform_() { kubeconform -strict -schema-location "$LOCATION" "$@"; }

# Self-check: the validation must reject a broken Knative Service and an unknown kind.
cat >"$WORK/broken.yaml" <<'EOF'
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: broken
spec:
  template:
    spec:
      containerConcurency: 10
      containers:
        - image: microride:0.1.0
          args: dist/functions/broken.mjs
EOF
cat >"$WORK/unknown.yaml" <<'EOF'
apiVersion: example.invalid/v1
kind: NotAKind
metadata:
  name: x
EOF
if kubeconform_ "$WORK/broken.yaml" >"$WORK/self" 2>&1; then cat "$WORK/self"; fail "self-check: kubeconform accepted a broken Knative Service"; fi
grep -q "containerConcurency" "$WORK/self" || { cat "$WORK/self"; fail "self-check: the unknown field was not reported"; }
if kubeconform_ "$WORK/unknown.yaml" >/dev/null 2>&1; then fail "self-check: kubeconform accepted a kind without schema"; fi
echo "ok  self-check: a typo'd field and an unknown kind are rejected"

kubeconform_ -summary "$R" knative eventing/broker.yaml eventing/triggers.yaml || fail "kubeconform: invalid manifests (above)"

# ── 5. consistency: catalog ↔ manifests ↔ chart ↔ kn ────────────────────────────────
step "5. catalog, committed manifests, chart and kn agree"
bash scripts/kn-deploy.sh --target "$WORK/kn" --namespace "$NAMESPACE" >/dev/null || fail "kn service create --target"
tsx scripts/deploy/verify.ts --helm "$R/default.yaml" --helm-prod "$R/prod.yaml" --helm-oidc "$R/oidc.yaml" --kn "$WORK/kn" || fail "consistency"
for env in dev prod; do
  tsx scripts/deploy/verify.ts --helm-prod "$R/helmfile-$env.yaml" --pg-values "$WORK/helmfile-$env/postgresql.yaml" >/dev/null \
    || fail "consistency (helmfile $env)"
done

printf '\ncheck-deploy: all deployment checks passed\n'
