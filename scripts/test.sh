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
if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi
# All tests: the host target's suites (project integration-host: sshd, Podman, Caddy, no cluster) in a
# second Vitest process beside the first (unit, then the cluster-backed integration project). One
# process would run them after each other: vitest queues every project without file parallelism into
# one sequential group. Both streams spend most of their time waiting on real parts, so on 2 cores
# this cuts the run by about the host suites' length. Their output is printed after the first
# process's, whole, and the run fails if either fails.
host_log="$(mktemp "${TMPDIR:-/tmp}/slipway-test-host.XXXXXX")"
main_log="$(mktemp "${TMPDIR:-/tmp}/slipway-test-main.XXXXXX")"
trap 'rm -f "$host_log" "$main_log"' EXIT
echo "integration-host runs beside the other projects; its output follows theirs (live: $host_log)" >&2
npx vitest run --project integration-host >"$host_log" 2>&1 &
host_pid=$!
main_status=0
npx vitest run --project unit --project integration 2>&1 | tee "$main_log" || main_status=$?
host_status=0
wait "$host_pid" || host_status=$?
step "tests (vitest, project integration-host, run beside the above)"
cat "$host_log"
# The end of the log says how both went; a failure of the first process is repeated here so that
# it is not buried above the second's output.
step "tests: summary"
if [ "$main_status" -ne 0 ]; then sed -n '/Failed Tests/,$p' "$main_log"; fi
printf 'unit + integration (exit %s): %s\n' "$main_status" "$(grep -E '^[0-9]+ passed, ' "$main_log" | tail -1)"
printf 'integration-host (exit %s): %s\n' "$host_status" "$(grep -E '^[0-9]+ passed, ' "$host_log" | tail -1)"
if [ "$main_status" -ne 0 ] || [ "$host_status" -ne 0 ]; then exit 1; fi
