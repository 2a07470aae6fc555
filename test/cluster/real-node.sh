#!/usr/bin/env bash
# One real node beside the kwok nodes of a start.sh cluster: containerd + runc + the bridge CNI
# plugin + the kubelet and kube-proxy (nftables mode, so Service ClusterIPs answer on the node)
# built by `build.sh kubelet`. Called by start.sh --real-node and stop.sh;
# `state` is for tests (what the machine looks like, to compare before start and after stop).
#
# Usage: bash test/cluster/real-node.sh up   CLUSTER_DIR KUBECONFIG
#        bash test/cluster/real-node.sh down CLUSTER_DIR [KUBECONFIG]
#        bash test/cluster/real-node.sh state
#        bash test/cluster/real-node.sh can-run      # exit 0, or 1 with the reason on stdout
#        bash test/cluster/real-node.sh import CLUSTER_DIR ARCHIVE.tar
#
# Everything it changes on the machine is listed in $CLUSTER_DIR/realnode/prestate and undone by
# `down`: a veth pair (node IP 198.51.100.2, TEST-NET-2), the bridge slipwayrn0 (pods in
# 198.18.0.0/24, the benchmarking range), sysctls the kubelet and the bridge plugin set, the KUBE-*
# iptables chains the kubelet makes, kube-proxy's nftables tables (ip/ip6 kube-proxy), the kubepods cgroups, mounts under the node's folders and
# /run/netns/cni-*, and /var/lib/kubelet/device-plugins, /var/log/containers, /var/log/pods,
# /run/containerd, /var/lib/cni (removed only when absent before, and only while empty).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test"
K8S_BIN="$CACHE_ROOT/kubernetes-$KUBERNETES_VERSION/bin"
KUBELET_DIR="$CACHE_ROOT/kubelet-$KUBERNETES_VERSION"
REGISTRY_BIN="$CACHE_ROOT/registry-$GGCR_VERSION/bin/registry"
CRANE_BIN="$CACHE_ROOT/crane-$GGCR_VERSION/bin/crane"

NODE_NAME=slipway-real-0
NODE_IP=198.51.100.2
# The node IP lives on a veth pair of its own (the dummy driver is not in every kernel).
NODE_LINK=slipwayrn-node
NODE_PEER=slipwayrn-peer
BRIDGE=slipwayrn0
POD_SUBNET=198.18.0.0/24
NODE_LABEL=slipway.test/real-node
REGISTRY_HOST=slipway.test
PAUSE_IMAGE=$REGISTRY_HOST/pause:1
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv6.conf.all.forwarding
  net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait net.netfilter.nf_conntrack_tcp_be_liberal)
# kube-proxy's nftables tables (one per family; `nft delete table` removes every rule in them).
NFT_TABLES=("ip kube-proxy" "ip6 kube-proxy")
# Paths the kubelet and containerd create outside the node's own folders: removed with their
# contents when they were absent before (no other program on a test machine uses them).
OWNED_PATHS=(/var/lib/kubelet/device-plugins /var/lib/kubelet /var/log/containers /var/log/pods /run/containerd)
# Paths the CNI plugins create, which podman may use too: removed only while empty.
SHARED_PATHS=(/var/lib/cni/networks /var/lib/cni/results /var/lib/cni /run/netns)

log() { printf '==> real node: %s\n' "$*" >&2; }
die() { printf 'real-node.sh: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# can_run: why a real node cannot run here (nothing printed when it can).
can_run() {
  [[ "$(id -u)" == 0 ]] || { echo "not root (containerd and the kubelet need root)"; return 1; }
  local b
  for b in containerd ctr runc ip iptables nft; do
    command -v "$b" >/dev/null 2>&1 || { echo "$b is not installed (Debian: containerd runc containernetworking-plugins iproute2 iptables nftables)"; return 1; }
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] ||
    { echo "the CNI plugins are not in /usr/lib/cni (Debian: containernetworking-plugins)"; return 1; }
  [[ -x "$KUBELET_DIR/bin/kubelet" && -x "$KUBELET_DIR/bin/kube-proxy" && -x "$KUBELET_DIR/bin/pause" ]] ||
    { echo "kubelet not built - run: bash test/cluster/build.sh kubelet"; return 1; }
  [[ -x "$REGISTRY_BIN" && -x "$CRANE_BIN" ]] ||
    { echo "registry/crane not built - run: bash test/cluster/build.sh registry"; return 1; }
  [[ -w /sys/fs/cgroup ]] || [[ -d /sys/fs/cgroup/memory ]] || { echo "no writable cgroup hierarchy"; return 1; }
  # One real node per machine: the links, the node IP and the kubepods cgroups are fixed.
  if ip link show "$NODE_LINK" >/dev/null 2>&1 || ip link show "$BRIDGE" >/dev/null 2>&1; then
    echo "another real node is running on this machine ($NODE_LINK or $BRIDGE exists; stop it with stop.sh)"
    return 1
  fi
  ip link add slipwayrn-prb0 type veth peer name slipwayrn-prb1 2>/dev/null || { echo "cannot create a veth network interface"; return 1; }
  ip link del slipwayrn-prb0 2>/dev/null || true
  if ip -o addr show | awk '{print $4}' | grep -q "^${NODE_IP}/"; then
    echo "$NODE_IP is already in use on this machine"
    return 1
  fi
}

# state: one line per fact that the real node may change; `down` must bring it back.
state() {
  set +e
  local s
  for s in "${SYSCTLS[@]}"; do
    printf 'sysctl %s=%s\n' "$s" "$(sysctl -n "$s" 2>/dev/null || echo absent)"
  done
  local p
  for p in "${OWNED_PATHS[@]}" "${SHARED_PATHS[@]}"; do
    # /run/netns itself is not compared: Podman (netavark) makes it too, as a shared bind mount of
    # itself that it leaves in place (seen on a fresh machine: the host target's tests created it while
    # the cluster ran, and the comparison blamed the real node). The node's own part of it, its pods'
    # cni-* namespaces, is compared below; `down` still removes the folder when it is empty and was
    # absent before.
    [[ "$p" == /run/netns ]] && continue
    [[ -e "$p" ]] && printf 'path %s\n' "$p"
  done
  local t
  for t in filter nat mangle; do
    iptables -w -t "$t" -S 2>/dev/null | awk -v t="$t" '$1 == "-N" && $2 ~ /^KUBE-/ { print "iptables " t " " $2 }'
    ip6tables -w -t "$t" -S 2>/dev/null | awk -v t="$t" '$1 == "-N" && $2 ~ /^KUBE-/ { print "ip6tables " t " " $2 }'
  done
  # nftables tables other than iptables-nft's own (those are covered by the chain lines above).
  nft list tables 2>/dev/null | awk '$1 == "table" && !($3 ~ /^(filter|nat|mangle|raw|security)$/ && $2 ~ /^ip6?$/) { print "nft " $2 " " $3 }'
  ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^slipwayrn/ { sub(/@.*/, "", $2); print "link " $2 }'
  local c
  for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d "$c" ]] && printf 'cgroup %s\n' "$c"
  done
  awk '$5 ~ /(slipway-test\/kwok-workdir|^\/run\/slipway-|^\/var\/lib\/kubelet)/ { print "mount " $5 }' /proc/self/mountinfo | sort -u
  # Network namespaces no process uses (a pod's that was not torn down; podman's are in use).
  local used ns
  used="$( (find /proc/[0-9]*/ns/net -maxdepth 0 -exec readlink {} + 2>/dev/null || true) | sort -u)"
  for ns in /run/netns/cni-*; do
    [[ -e "$ns" ]] || continue
    grep -qxF "net:[$(stat -L -c %i "$ns" 2>/dev/null)]" <<<"$used" || printf 'netns-unused %s\n' "$ns"
  done
  local pid
  for pid in $(pgrep -f 'slipway-rn-|/realnode/containerd.toml|/kubelet-v[0-9.]*/bin/kube(let|-proxy)' || true); do
    [[ "$pid" == "$$" ]] && continue
    printf 'process %s\n' "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
  done
  true
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

wait_for() {
  local what="$1" limit="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { printf 'real-node.sh: timed out after %ss waiting for %s\n' "$limit" "$what" >&2; return 1; }
    sleep 0.2
  done
}

paths_for() {
  CLUSTER_DIR="$1"
  NAME="$(basename "$CLUSTER_DIR")"
  RN="$CLUSTER_DIR/realnode"
  # Short, so the unix socket paths under it (containerd, the kubelet root dir: pod-resources/…)
  # stay under 108 bytes; the name marks every process.
  RUN="/run/slipway-rn-$NAME"
  SOCK="$RUN/containerd.sock"
  LOGS="$CLUSTER_DIR/logs"
  CNI_NET="slipway-realnode-$NAME"
}

ctr_() { ctr --address "$SOCK" -n k8s.io "$@"; }

import_image() {
  local t0
  t0="$(now)"
  ctr_ images import --no-unpack=false "$1" >/dev/null || return 1
  log "imported $1 in $(elapsed "$t0") s"
}

up() {
  paths_for "$1"
  local kubeconfig="$2"
  local why
  why="$(can_run)" || die "cannot run a real node here: $why"
  [[ ! -e "$RN" ]] || die "$RN exists already"
  mkdir -p "$RN" "$LOGS" "$RUN"
  # What the machine looked like, for `down` (and for the test that compares).
  state >"$RN/prestate"
  ls -1 /run/netns 2>/dev/null | sed 's/^/netns /' >>"$RN/prestate" || true
  ls -1 /var/lib/cni/results 2>/dev/null | sed 's/^/cniresult /' >>"$RN/prestate" || true

  log "interface $NODE_LINK (veth, peer $NODE_PEER) with $NODE_IP"
  ip link add "$NODE_LINK" type veth peer name "$NODE_PEER"
  ip addr add "$NODE_IP/32" dev "$NODE_LINK"
  ip link set "$NODE_PEER" up
  ip link set "$NODE_LINK" up

  mkdir -p "$RN/cni/net.d" "$RN/containerd/root" "$RUN/kubelet" "$RN/pods-logs"
  cat >"$RN/cni/net.d/10-slipway.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NET",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_SUBNET" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    }
  ]
}
EOF
  cat >"$RN/containerd.toml" <<EOF
# containerd for the real test node of cluster $NAME (slipway-realnode)
version = 2
root = "$RN/containerd/root"
state = "$RUN/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$RUN/containerd.sock.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$RN/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$RUN/runc"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$RN/certs.d"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RN/cni/net.d"
    max_conf_num = 1
EOF
  # The registry containerd pulls slipway.test/* from (slipway renders imagePullPolicy: Always):
  # go-containerregistry's reference registry (in memory, on localhost, a free port), the one the
  # image-build tests use too; tests push to it with crane. Its argv[0] names it for `state`.
  setsid bash -c 'exec -a "slipway-rn-registry-$1" "$2" -port 0' registry "$NAME" "$REGISTRY_BIN" \
    >"$LOGS/registry.log" 2>&1 </dev/null &
  echo $! >"$RN/registry.pid"
  registry_serving() { grep -q 'serving on port [0-9]' "$LOGS/registry.log"; }
  wait_for "the test registry" 15 registry_serving || { cat "$LOGS/registry.log" >&2; return 1; }
  local registry
  registry="127.0.0.1:$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$LOGS/registry.log" | head -n 1)"
  echo "$registry" >"$RN/registry.address"
  # `server` replaces https://slipway.test itself, so a missing tag is a 404 from the registry,
  # never a DNS lookup of slipway.test; its own address is plain HTTP too (images pushed there by
  # `slipway build --push` are deployed as 127.0.0.1:PORT/NAME@sha256:...).
  local h
  for h in "$REGISTRY_HOST" "$registry"; do
    mkdir -p "$RN/certs.d/$h"
    cat >"$RN/certs.d/$h/hosts.toml" <<EOF
server = "http://$registry"
[host."http://$registry"]
  capabilities = ["pull", "resolve"]
EOF
  done
  log "test registry for $REGISTRY_HOST/* at $registry"

  log "starting containerd ($SOCK)"
  setsid containerd --config "$RN/containerd.toml" >>"$LOGS/containerd.log" 2>&1 </dev/null &
  echo $! >"$RN/containerd.pid"
  wait_for "containerd" 30 ctr --address "$SOCK" version || return 1

  local img="$RN/images"
  mkdir -p "$img/pause-root"
  cp "$KUBELET_DIR/bin/pause" "$img/pause-root/pause"
  bash "$HERE/image-tar.sh" "$img/pause-root" "$PAUSE_IMAGE" "$img/pause.tar" '["/pause"]' 65535
  import_image "$img/pause.tar" || return 1

  local port
  port="$(free_port)" || die "no free port for the kubelet"
  local pki="$CLUSTER_DIR/pki"
  cp "$kubeconfig" "$RN/kubelet.kubeconfig"
  cat >"$RN/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $port
readOnlyPort: 0
healthzPort: 0
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
maxOpenFiles: 20000
containerRuntimeEndpoint: unix://$SOCK
imageServiceEndpoint: unix://$SOCK
podLogsDir: $RN/pods-logs
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $pki/ca.crt }
authorization:
  mode: Webhook
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1% }
nodeStatusUpdateFrequency: 2s
syncFrequency: 5s
fileCheckFrequency: 5s
containerLogMaxSize: 10Mi
EOF
  log "starting kubelet $NODE_NAME ($NODE_IP:$port)"
  setsid "$KUBELET_DIR/bin/kubelet" --config "$RN/kubelet.yaml" --kubeconfig "$RN/kubelet.kubeconfig" \
    --root-dir "$RUN/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --node-labels "type=real,$NODE_LABEL=true" --register-with-taints "$NODE_LABEL=true:NoSchedule" \
    --v=1 >>"$LOGS/kubelet.log" 2>&1 </dev/null &
  echo $! >"$RN/kubelet.pid"
  local k=("$K8S_BIN/kubectl" --kubeconfig "$kubeconfig")
  node_ready() {
    [[ "$("${k[@]}" get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
  }
  wait_for "node $NODE_NAME to be Ready" 90 node_ready || { tail -n 30 "$LOGS/kubelet.log" >&2; return 1; }

  # kube-proxy, so that Service ClusterIPs answer from the node's pods (and from this machine).
  # nftables mode: all its rules live in two tables of its own, which `down` deletes whole.
  # masqueradeAll: a pod reaching a Service whose endpoint is on the same bridge gets the reply
  # back through the host whether or not bridged traffic passes netfilter (br_netfilter).
  # conntrack values of 0: leave the machine's conntrack sysctls alone.
  local healthz metrics
  healthz="$(free_port)" && metrics="$(free_port)" || die "no free port for kube-proxy"
  cp "$kubeconfig" "$RN/kube-proxy.kubeconfig"
  cat >"$RN/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
hostnameOverride: $NODE_NAME
clientConnection: { kubeconfig: $RN/kube-proxy.kubeconfig }
clusterCIDR: $POD_SUBNET
detectLocalMode: ClusterCIDR
nftables: { masqueradeAll: true }
nodePortAddresses: ["$NODE_IP/32"]
healthzBindAddress: 127.0.0.1:$healthz
metricsBindAddress: 127.0.0.1:$metrics
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s }
EOF
  log "starting kube-proxy (nftables, healthz 127.0.0.1:$healthz)"
  setsid "$KUBELET_DIR/bin/kube-proxy" --config "$RN/kube-proxy.yaml" --v=1 >>"$LOGS/kube-proxy.log" 2>&1 </dev/null &
  echo $! >"$RN/kube-proxy.pid"
  proxy_synced() { nft list chain ip kube-proxy services; }
  wait_for "kube-proxy's rules" 60 proxy_synced || { tail -n 30 "$LOGS/kube-proxy.log" >&2; return 1; }
  printf 'REAL_NODE=%s\nREAL_NODE_LABEL=%s\nCONTAINERD_ADDRESS=%s\nREGISTRY=%s\n' "$NODE_NAME" "$NODE_LABEL" "$SOCK" "$registry"
}

stop_pid() {
  local f="$1" sig="${2:-TERM}" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# kill_cgroup DIR: SIGKILL every process in a cgroup tree (the containers of the node).
kill_cgroup() {
  local dir="$1" pids
  [[ -d "$dir" ]] || return 0
  for _ in $(seq 1 30); do
    pids="$(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)"
    [[ -n "$pids" ]] || return 0
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
}

rmdir_tree() { [[ -d "$1" ]] && find "$1" -depth -type d -exec rmdir {} + 2>/dev/null; true; }

down() {
  # A teardown goes on past any step that fails: stopping half-way would leave the rest behind.
  set +e
  paths_for "$1"
  local kubeconfig="${2:-$RN/kubelet.kubeconfig}"
  [[ -d "$RN" ]] || return 0
  # Read once: the file goes with $RN before the shared paths are looked at.
  local pre
  pre="$(cat "$RN/prestate" 2>/dev/null || true)"
  # Without a record of the machine before, assume everything was there: remove only our own.
  had() { [[ -z "$pre" ]] || grep -qxF -- "$1" <<<"$pre"; }

  # Gracefully first: the kubelet stops its pods through CRI (CNI DEL, netns removed).
  if [[ -n "$kubeconfig" && -f "$kubeconfig" && -f "$RN/kubelet.pid" ]] && kill -0 "$(cat "$RN/kubelet.pid")" 2>/dev/null; then
    local k=("$K8S_BIN/kubectl" --kubeconfig "$kubeconfig" --request-timeout=5s)
    # Cordoned first, so that their controllers' replacements cannot land here; then deleted with a
    # short grace period (a NoExecute taint would evict them with their own, up to 35 s for a PID 1
    # that ignores SIGTERM, and meanwhile replacements got scheduled).
    "${k[@]}" cordon "$NODE_NAME" >/dev/null 2>&1 || true
    if "${k[@]}" delete pods -A --field-selector "spec.nodeName=$NODE_NAME" --grace-period=1 --wait=false >/dev/null 2>&1; then
      no_pods() { [[ -z "$("${k[@]}" get pods -A --field-selector "spec.nodeName=$NODE_NAME" -o name 2>/dev/null)" ]]; }
      no_sandboxes() { [[ -z "$(ctr_ tasks ls -q 2>/dev/null)" ]]; }
      wait_for "pods on $NODE_NAME to go" 30 no_pods || true
      wait_for "containers on $NODE_NAME to stop" 15 no_sandboxes || true
    fi
  fi
  stop_pid "$RN/kubelet.pid"
  stop_pid "$RN/kube-proxy.pid"
  # Whatever is left: kill the containers, then the shims of this containerd, then containerd.
  local c
  for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    had "cgroup $c" || kill_cgroup "$c"
  done
  local pid
  for pid in $(pgrep -f "containerd-shim.*-address $SOCK" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  stop_pid "$RN/containerd.pid"
  stop_pid "$RN/registry.pid"

  # Mounts under the node's folders and the pods' network namespaces (deepest first).
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(awk -v rn="$RN" -v run="$RUN" 'index($5, rn "/") == 1 || $5 == rn || index($5, run "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r -u)
  # The pods' network namespaces: new since the start and used by no process any more (podman
  # may hold cni-* namespaces of its own containers at the same time; those have processes).
  local ns used
  used="$( (find /proc/[0-9]*/ns/net -maxdepth 0 -exec readlink {} + 2>/dev/null || true) | sort -u)"
  for ns in /run/netns/cni-*; do
    [[ -e "$ns" ]] || continue
    had "netns $(basename "$ns")" && [[ -n "$pre" ]] && continue
    grep -qxF "net:[$(stat -L -c %i "$ns" 2>/dev/null)]" <<<"$used" && continue
    umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null || true
    rm -f "$ns"
  done

  had "link $BRIDGE" || ip link del "$BRIDGE" 2>/dev/null || true
  had "link $NODE_LINK" || ip link del "$NODE_LINK" 2>/dev/null || true
  for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    had "cgroup $c" || rmdir_tree "$c"
  done

  # iptables chains the kubelet made (only those that were not there before).
  local cmd t chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null 2>&1 || continue
    for t in filter nat mangle; do
      for chain in $("$cmd" -w -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        had "$cmd $t $chain" && continue
        # Drop the rules that jump to it, then the chain.
        "$cmd" -w -t "$t" -S 2>/dev/null | grep -E -- "-j $chain( |\$)" | sed 's/^-A /-D /' |
          while read -r rule; do eval "$cmd -w -t $t $rule" 2>/dev/null || true; done || true
      done
      for chain in $("$cmd" -w -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        had "$cmd $t $chain" && continue
        "$cmd" -w -t "$t" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd" -w -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        had "$cmd $t $chain" && continue
        "$cmd" -w -t "$t" -X "$chain" 2>/dev/null || true
      done
    done
  done

  # kube-proxy's tables, with every rule in them.
  local table
  for table in "${NFT_TABLES[@]}"; do
    had "nft $table" && continue
    # shellcheck disable=SC2086 # "ip kube-proxy": family and name, two words
    nft list table $table >/dev/null 2>&1 && nft delete table $table 2>/dev/null
  done

  # Sysctls back to what they were.
  local line key value
  while read -r line; do
    [[ "$line" == "sysctl "* ]] || continue
    key="${line#sysctl }"
    value="${key#*=}"
    key="${key%%=*}"
    [[ "$value" == absent ]] && continue
    [[ "$(sysctl -n "$key" 2>/dev/null)" == "$value" ]] || sysctl -q -w "$key=$value" >/dev/null 2>&1 || true
  done <<<"$pre"

  # The node's own folders, then the shared ones it created (only while empty: others may use them).
  rm -rf "/var/lib/cni/networks/$CNI_NET" 2>/dev/null || true
  # CNI result caches of sandboxes that were killed rather than torn down: new since the start
  # and written for a Kubernetes pod (containerd passes K8S_POD_INFRA_CONTAINER_ID).
  local f
  for f in /var/lib/cni/results/*; do
    [[ -f "$f" ]] || continue
    had "cniresult $(basename "$f")" && [[ -n "$pre" ]] && continue
    grep -q K8S_POD_INFRA_CONTAINER_ID "$f" 2>/dev/null && rm -f "$f"
  done
  rm -rf "$RUN"
  rm -rf "$RN"
  local p
  for p in "${OWNED_PATHS[@]}"; do
    [[ -e "$p" ]] || continue
    had "path $p" || rm -rf "$p"
  done
  for p in "${SHARED_PATHS[@]}"; do
    [[ -e "$p" ]] || continue
    had "path $p" || rmdir "$p" 2>/dev/null || true
  done
  log "removed $NODE_NAME (cluster $NAME)"
}

case "${1:-}" in
  up) [[ $# -eq 3 ]] || die "usage: real-node.sh up CLUSTER_DIR KUBECONFIG"; up "$2" "$3" ;;
  down) [[ $# -ge 2 ]] || die "usage: real-node.sh down CLUSTER_DIR [KUBECONFIG]"; down "$2" "${3:-}" ;;
  state) state ;;
  can-run) can_run ;;
  import) [[ $# -eq 3 ]] || die "usage: real-node.sh import CLUSTER_DIR ARCHIVE"; paths_for "$2"; import_image "$3" ;;
  *) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
