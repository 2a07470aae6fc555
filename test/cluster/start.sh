#!/usr/bin/env bash
# Starts a throwaway Kubernetes control plane for the integration tests: the locally built
# kube-apiserver, kube-controller-manager, kube-scheduler and etcd run as plain processes under
# `kwokctl --runtime binary`, bound to 127.0.0.1, and kwok fakes the nodes and pod lifecycles
# (test/cluster/stages/*.yaml plus kwok's own node and pod-delete stages). kwok also serves pod
# logs and exec for the apiserver, from Logs/ClusterLogs and Exec/ClusterExec objects that tests
# create (see README.md, "Pod logs and exec").
#
# Usage: bash test/cluster/start.sh [--name NAME] [--kubeconfig PATH] [--nodes N] [--real-node]
#   --name        cluster name (default: slipway-<epoch>-<pid>, unique per run)
#   --kubeconfig  where to write the cluster's kubeconfig
#                 (default: $KWOK_WORKDIR/clusters/<name>/slipway.kubeconfig)
#   --nodes       number of fake nodes, spread round-robin over zones zone-a and zone-b (default 4)
#   --real-node   also join one real node (containerd + kubelet, root only; see real-node.sh):
#                 labelled and tainted slipway.test/real-node=true, so only pods that ask land there
#
# Environment: KWOK_WORKDIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test/kwok-workdir);
# SLIPWAY_KEEP_FAILED_CLUSTER=1 keeps a cluster that failed to start, for its logs.
# On success the last lines on stdout are KEY=value pairs (CLUSTER_NAME, KUBECONFIG, KWOK_WORKDIR,
# READY_SECONDS) so that callers can parse them; progress goes to stderr.
# Stop it with: bash test/cluster/stop.sh --name NAME
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test"
K8S_BIN="$CACHE_ROOT/kubernetes-$KUBERNETES_VERSION/bin"
ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION/bin"
KWOK_DIR="$CACHE_ROOT/kwok-$KWOK_VERSION"
export KWOK_WORKDIR="${KWOK_WORKDIR:-$CACHE_ROOT/kwok-workdir}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'start.sh: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

name="slipway-$(date +%s)-$$"
kubeconfig=""
nodes=4
real_node=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --kubeconfig) kubeconfig="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --real-node) real_node=1; shift ;;
    -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ "$name" =~ ^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$ ]] || die "invalid cluster name: $name"
[[ "$nodes" =~ ^[1-9][0-9]?$ ]] || die "invalid node count: $nodes"

missing=()
for b in "$K8S_BIN/kube-apiserver" "$K8S_BIN/kube-controller-manager" "$K8S_BIN/kube-scheduler" \
  "$K8S_BIN/kubectl" "$ETCD_BIN/etcd" "$KWOK_DIR/bin/kwok" "$KWOK_DIR/bin/kwokctl"; do
  [[ -x "$b" ]] || missing+=("$b")
done
[[ -d "$KWOK_DIR/stages/upstream" ]] || missing+=("$KWOK_DIR/stages/upstream/")
if [[ -n "$real_node" ]]; then
  why="$(bash "$HERE/real-node.sh" can-run)" || die "--real-node: cannot run a real node here: $why"
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  die "missing $(printf '%s ' "${missing[@]}")- run: bash test/cluster/build.sh kubernetes etcd kwok"
fi

# kwokctl runs `kubectl` from PATH (and would try to download one otherwise).
export PATH="$K8S_BIN:$PATH"
kwokctl() { "$KWOK_DIR/bin/kwokctl" --name "$name" "$@"; }
workdir="$KWOK_WORKDIR/clusters/$name"
[[ ! -e "$workdir" ]] || die "cluster $name already exists ($workdir); stop it first: bash test/cluster/stop.sh --name $name"
[[ -n "$kubeconfig" ]] || kubeconfig="$workdir/slipway.kubeconfig"

t0="$(now)"
mkdir -p "$KWOK_WORKDIR"
config="$(mktemp "$KWOK_WORKDIR/.config-$name-XXXXXX.yaml")"
nodes_yaml="$(mktemp "$KWOK_WORKDIR/.nodes-$name-XXXXXX.yaml")"
trap 'rm -f "$config" "$nodes_yaml"' EXIT

# One config file: the kwokctl options and every Stage. Giving any Stage disables kwok's
# defaults, so kwok's own node initialize / heartbeat-with-lease and pod delete stages (copied
# from the kwok module by build.sh) come first, then ours.
{
  cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeVersion: $KUBERNETES_VERSION
  securePort: true
  kubeAuthorization: true
  kubeAdmission: true
  kubeApiserverBinary: $K8S_BIN/kube-apiserver
  kubeControllerManagerBinary: $K8S_BIN/kube-controller-manager
  kubeSchedulerBinary: $K8S_BIN/kube-scheduler
  kubectlBinary: $K8S_BIN/kubectl
  etcdBinary: $ETCD_BIN/etcd
  kwokControllerBinary: $KWOK_DIR/bin/kwok
  # Pod logs and exec are served by kwok's own kubelet API from Logs/ClusterLogs and
  # Exec/ClusterExec objects that tests create (kwokctl installs these CRDs).
  enableCRDs: [Logs, ClusterLogs, Exec, ClusterExec]
EOF
  if [[ -n "$real_node" ]]; then
    # The real node (real-node.sh): kwok keeps to the fake nodes (annotated kwok.x-k8s.io/node=fake
    # below); the apiserver reaches the real kubelet for logs/exec with the admin pair (its x509
    # client CA is the cluster CA) at the node's InternalIP (fake nodes only have a Hostname); and
    # PodNodeSelector + PodTolerationRestriction let a namespace annotation put every pod of a
    # test namespace on the real node without changing what slipway renders.
    cat <<EOF
componentsPatches:
- name: kube-apiserver
  extraArgs:
  - { key: kubelet-client-certificate, value: $workdir/pki/admin.crt }
  - { key: kubelet-client-key, value: $workdir/pki/admin.key }
  - { key: kubelet-preferred-address-types, value: "InternalIP,Hostname" }
  - { key: enable-admission-plugins, value: "PodNodeSelector,PodTolerationRestriction" }
- name: kwok-controller
  extraArgs:
  - { key: manage-all-nodes, value: "false", override: true }
  - { key: manage-nodes-with-annotation-selector, value: kwok.x-k8s.io/node=fake }
EOF
  fi
  for f in "$KWOK_DIR"/stages/upstream/*.yaml "$HERE"/stages/*.yaml; do
    printf -- '---\n# from %s\n' "${f#"$CACHE_ROOT"/}"
    cat "$f"
    printf '\n'
  done
} >"$config"

log "creating cluster $name (kwokctl --runtime binary, Kubernetes $KUBERNETES_VERSION, workdir $workdir)"
if ! out="$(kwokctl -c "$config" create cluster --runtime binary \
  --kube-apiserver-binary "$K8S_BIN/kube-apiserver" \
  --kube-controller-manager-binary "$K8S_BIN/kube-controller-manager" \
  --kube-scheduler-binary "$K8S_BIN/kube-scheduler" \
  --kwok-controller-binary "$KWOK_DIR/bin/kwok" \
  --etcd-binary "$ETCD_BIN/etcd" \
  --kubeconfig "" --timeout 3m 2>&1)"; then
  printf '%s\n' "$out" >&2
  printf 'start.sh: kwokctl create cluster failed; component logs: %s/logs\n' "$workdir" >&2
  if [[ -d "$workdir" ]]; then
    [[ -z "${SLIPWAY_KEEP_FAILED_CLUSTER:-}" ]] || die "kept $workdir (SLIPWAY_KEEP_FAILED_CLUSTER is set)"
    kwokctl delete cluster >/dev/null 2>&1 || true
  fi
  exit 1
fi

mkdir -p "$(dirname "$kubeconfig")"
(umask 077 && kwokctl get kubeconfig >"$kubeconfig")
k() { "$K8S_BIN/kubectl" --kubeconfig "$kubeconfig" "$@"; }

# wait_for DESCRIPTION SECONDS CMD...: polls CMD every 0.2 s until it succeeds, bounded.
wait_for() {
  local what="$1" limit="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      "$@" >&2 || true
      printf 'start.sh: timed out after %ss waiting for %s\n' "$limit" "$what" >&2
      return 1
    fi
    sleep 0.2
  done
}

fail() {
  printf 'start.sh: %s; component logs: %s/logs\n' "$1" "$workdir" >&2
  [[ -z "${SLIPWAY_KEEP_FAILED_CLUSTER:-}" ]] || die "kept $workdir (SLIPWAY_KEEP_FAILED_CLUSTER is set)"
  [[ -z "$real_node" ]] || bash "$HERE/real-node.sh" down "$workdir" >&2 || true
  kwokctl delete cluster >/dev/null 2>&1 || true
  exit 1
}

wait_for "the apiserver to be ready" 60 k get --raw /readyz || fail "apiserver not ready"

# Fake nodes: round-robin over two zones, big enough for any test workload.
{
  for ((i = 0; i < nodes; i++)); do
    zone="zone-$([[ $((i % 2)) -eq 0 ]] && echo a || echo b)"
    node="kwok-$zone-$((i / 2))"
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $node
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $node
    topology.kubernetes.io/region: slipway-test
    topology.kubernetes.io/zone: $zone
    node.kubernetes.io/instance-type: kwok-16c-64g
status:
  allocatable: {cpu: "16", memory: 64Gi, pods: "110", ephemeral-storage: 200Gi}
  capacity: {cpu: "16", memory: 64Gi, pods: "110", ephemeral-storage: 200Gi}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: $KUBERNETES_VERSION
EOF
  done
} >"$nodes_yaml"
k apply -f "$nodes_yaml" >&2 || fail "could not create the fake nodes"

all_nodes_ready() {
  local ready
  ready="$(k get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$')"
  [[ "$ready" -eq "$nodes" ]]
}
wait_for "$nodes nodes to be Ready" 60 all_nodes_ready || fail "nodes not ready"
# Pods can only be created once the service account controller made the default account.
wait_for "the default service account" 60 k -n default get serviceaccount default || fail "no default service account"

real_kv=""
if [[ -n "$real_node" ]]; then
  real_kv="$(bash "$HERE/real-node.sh" up "$workdir" "$kubeconfig")" || fail "the real node did not come up"
fi

ready="$(elapsed "$t0")"
log "cluster $name ready in ${ready} s ($nodes nodes in zone-a/zone-b${real_node:+ + real node}); export KUBECONFIG=$kubeconfig"
[[ -z "$real_kv" ]] || printf '%s\n' "$real_kv"
printf 'CLUSTER_NAME=%s\nKUBECONFIG=%s\nKWOK_WORKDIR=%s\nREADY_SECONDS=%s\n' "$name" "$kubeconfig" "$KWOK_WORKDIR" "$ready"
