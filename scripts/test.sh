#!/usr/bin/env bash
# The one test command (npm test): build, type-check, lint, build the pinned test tools (cached),
# then run every test — unit and integration (a real kube-apiserver under kwok, real helm,
# a real PostgreSQL). Pass vitest arguments through, e.g. `npm test -- --project unit`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "build"
npm run --silent build
step "typecheck (tsc --noEmit)"
npx tsc --noEmit
step "lint (biome)"
npx biome check .
step "test tools (pinned, cached under \${XDG_CACHE_HOME:-\$HOME/.cache}/slipway-test)"
bash test/cluster/build.sh
step "tests (vitest)"
npx vitest run "$@"
