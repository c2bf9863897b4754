#!/usr/bin/env bash
# `npm test`: everything CI runs, on a fresh machine of this kind or a developer's.
#   1. dependencies and services (built and started if missing);
#   2. type check;
#   3. unit tests beside the code (no services), then integration tests (parallel files,
#      each isolated in its own schemas, Redis prefix, MongoDB database and broker names);
#   4. fault-injection tests (kill -9 of private RabbitMQ/FerretDB, the broker, a gateway worker), one file at a time;
#   5. offline deployment checks (generated manifests up to date, helm, schemas).
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export MICRORIDE_CACHE=${MICRORIDE_CACHE:-$HOME/.cache/microride}
mkdir -p .cache

step() { printf '\n=== %s ===\n' "$*"; }

step "dependencies"
bash scripts/ensure-deps.sh
step "services"
bash scripts/services.sh up
step "type check"
npm run --silent typecheck

status=0
step "unit tests (beside the code, no services needed)"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json=.cache/vitest-unit.json || status=1
step "integration tests"
npx vitest run --project main --reporter=default --reporter=json --outputFile.json=.cache/vitest-main.json || status=1
step "fault-injection tests (crashes)"
npx vitest run --project fault --passWithNoTests --reporter=default --reporter=json --outputFile.json=.cache/vitest-fault.json || status=1

if [[ -f scripts/check-deploy.sh ]]; then
  step "deployment checks (offline)"
  bash scripts/check-deploy.sh || status=1
fi

node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of [".cache/vitest-unit.json", ".cache/vitest-main.json", ".cache/vitest-fault.json"]) {
    if (!fs.existsSync(f)) { failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numFailedTestSuites || 0); skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
'
exit $status
