#!/usr/bin/env bash
# The Podman environment of the image-build tests: writes a containers.conf and a storage.conf
# under the test tool cache and prints the variables that point Podman at them, one
# `export KEY=value` line each (test/helpers/podman.ts reads them; a shell can eval them):
#
#   eval "$(bash test/runtime/podman-env.sh)" && podman images
#
# Nothing under /etc/containers or /var/lib/containers is written or read for storage: images live
# in ${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test/podman/overlay (overlay driver), run state in
# ${TMPDIR:-/tmp}/slipway-test-podman-<uid>. The settings are the ones measured in
# /work/shared/design/test-host-notes.md: runc (crun cannot set RLIMIT_NOFILE here and rejects the
# hybrid cgroup layout), cgroupfs (PID 1 is not systemd), explicit ulimits (root lacks
# CAP_SYS_RESOURCE), and the host network namespace for RUN steps so a build creates no bridge or
# iptables rule on the machine.
#
# Exits 3 with a reason on stderr when podman or runc is not installed (tests skip on it).
set -euo pipefail

for tool in podman runc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "podman-env.sh: $tool is not installed (apt-get install -y podman runc busybox-static)" >&2
    exit 3
  fi
done

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test"
DIR="$CACHE_ROOT/podman"
RUN_DIR="${TMPDIR:-/tmp}/slipway-test-podman-$(id -u)"
mkdir -p "$DIR/overlay" "$DIR/networks" "$RUN_DIR/runroot" "$RUN_DIR/tmp"

write_if_changed() {
  local path="$1" content="$2"
  if [[ ! -f "$path" || "$(cat "$path")" != "$content" ]]; then
    printf '%s\n' "$content" >"$path.tmp.$$"
    mv "$path.tmp.$$" "$path"
  fi
}

write_if_changed "$DIR/containers.conf" "# Written by test/runtime/podman-env.sh; do not edit.
[containers]
default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]
netns = \"host\"

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
tmp_dir = \"$RUN_DIR/tmp\"

[network]
network_config_dir = \"$DIR/networks\""

write_if_changed "$DIR/storage.conf" "# Written by test/runtime/podman-env.sh; do not edit.
[storage]
driver = \"overlay\"
graphroot = \"$DIR/overlay\"
runroot = \"$RUN_DIR/runroot\""

echo "export CONTAINERS_CONF=$DIR/containers.conf"
echo "export CONTAINERS_STORAGE_CONF=$DIR/storage.conf"
