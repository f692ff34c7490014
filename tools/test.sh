#!/usr/bin/env bash
# `npm test`: services, dependencies, lint, types, unit, integration and e2e tests.
# Exits non-zero on the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=0
# `terraform validate` needs the AWS provider; it runs when a local provider mirror is present
# (TF_PLUGIN_DIR, a CLI config, or /opt/tf-plugins: infra/terraform/README.md), and is skipped
# otherwise. Every skipped test is named, with its reason, in the summary at the end.

log=$(mktemp)
trap 'rm -f "$log"' EXIT
stage() { echo; echo "=== $1"; }

stage "services (PostgreSQL 5432, Redis 6379, NATS 4222)"
bash tools/ensure-services.sh

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  stage "dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

stage "lint"
npx nx run-many -t lint --parallel=2 --outputStyle=static
stage "typecheck"
npx tsc -p tsconfig.json --noEmit
stage "unit tests"
npx nx run-many -t test --parallel=2 --outputStyle=static --skipNxCache 2>&1 | tee -a "$log"
stage "integration tests (real redis-server, Redis Cluster, NATS JetStream, PostgreSQL: a database or namespace per suite)"
npx nx run-many -t integration --parallel=1 --outputStyle=static 2>&1 | tee -a "$log"
stage "build"
node tools/build.js
node -r ./tools/register-paths.js tools/readme-config.js
stage "e2e tests (policy service + enforcers + redis-servers on free ports, a database and NATS namespace per suite)"
npx nx run e2e:e2e --outputStyle=static 2>&1 | tee -a "$log"

count() { { grep -E '^Tests:' "$log" || true; } | { grep -oE "[0-9]+ $1" || true; } | awk '{s+=$1} END {print s+0}'; }
passed=$(count passed)
failed=$(count failed)
skipped=$(count skipped)
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
# Lines printed by tools/jest-skip-reporter.js: each skipped test with the reason in its title.
grep -oE 'skipped: .*' "$log" | sort -u || true
