#!/usr/bin/env bash
# Stops and deletes a cluster made by start.sh (its processes, etcd data, certificates and logs).
#
# Usage: bash test/cluster/stop.sh --name NAME   # one cluster
#        bash test/cluster/stop.sh --all         # every cluster under $KWOK_WORKDIR
# Environment: KWOK_WORKDIR, as for start.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test"
K8S_BIN="$CACHE_ROOT/kubernetes-$KUBERNETES_VERSION/bin"
KWOKCTL="$CACHE_ROOT/kwok-$KWOK_VERSION/bin/kwokctl"
export KWOK_WORKDIR="${KWOK_WORKDIR:-$CACHE_ROOT/kwok-workdir}"
export PATH="$K8S_BIN:$PATH"

die() { printf 'stop.sh: %s\n' "$*" >&2; exit 1; }

names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --name) names+=("$2"); shift 2 ;;
    --all)
      if [[ -d "$KWOK_WORKDIR/clusters" ]]; then
        for d in "$KWOK_WORKDIR"/clusters/*/; do
          [[ -d "$d" ]] && names+=("$(basename "$d")")
        done
      fi
      shift
      ;;
    -h | --help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ ${#names[@]} -gt 0 ]] || { echo "stop.sh: no cluster to stop" >&2; exit 0; }
[[ -x "$KWOKCTL" ]] || die "$KWOKCTL is missing - run: bash test/cluster/build.sh kwok"

rc=0
for name in "${names[@]}"; do
  if [[ ! -d "$KWOK_WORKDIR/clusters/$name" ]]; then
    echo "stop.sh: no cluster named $name under $KWOK_WORKDIR" >&2
    continue
  fi
  echo "==> deleting cluster $name" >&2
  # A real node (start.sh --real-node) goes first, while the apiserver can still drain it.
  if [[ -d "$KWOK_WORKDIR/clusters/$name/realnode" ]]; then
    bash "$HERE/real-node.sh" down "$KWOK_WORKDIR/clusters/$name" || rc=1
  fi
  if ! out="$("$KWOKCTL" --name "$name" delete cluster 2>&1)"; then
    printf '%s\nstop.sh: kwokctl delete cluster failed for %s\n' "$out" "$name" >&2
    rc=1
  fi
done
exit "$rc"
