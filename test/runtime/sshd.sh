#!/usr/bin/env bash
# A throwaway OpenSSH server for the SSH host tests: Debian's sshd as a plain process on 127.0.0.1,
# with its own host key, config, client key and authorized_keys in DIR. Nothing outside DIR changes
# except /run/sshd (sshd refuses to start without its privilege separation folder; it stays empty).
#
#   sshd.sh start DIR     starts it, prints the port; DIR/client_key logs in as the current user
#   sshd.sh rekey DIR     restarts it on the same port with a new host key (the "changed key" case)
#   sshd.sh stop DIR      stops it and removes DIR
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|rekey|stop DIR" >&2; exit 2; }
sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)

free_port() {
  # The kernel picks an unused port; sshd binds it a moment later (SO_REUSEADDR on both sides).
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

stop_server() {
  if [ -f "$dir/sshd.pid" ]; then
    pid=$(cat "$dir/sshd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/sshd.pid"
  fi
}

start_server() {
  port=$(cat "$dir/port")
  cat >"$dir/sshd_config" <<CONFIG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
AllowTcpForwarding yes
Subsystem sftp internal-sftp
CONFIG
  mkdir -p /run/sshd
  # -E: sshd's own log in DIR, not syslog. Without -D sshd daemonizes once it listens.
  "$sshd_bin" -f "$dir/sshd_config" -E "$dir/sshd.log"
  for _ in $(seq 1 50); do [ -s "$dir/sshd.pid" ] && break; sleep 0.1; done
  [ -s "$dir/sshd.pid" ] || { echo "sshd did not start; its log:" >&2; cat "$dir/sshd.log" >&2; exit 1; }
}

case "$cmd" in
  start)
    [ -x "$sshd_bin" ] || { echo "sshd is not installed (apt-get install openssh-server)" >&2; exit 3; }
    mkdir -p "$dir" && chmod 700 "$dir"
    ssh-keygen -q -t ed25519 -N '' -C slipway-test-host -f "$dir/host_ed25519_key"
    ssh-keygen -q -t ed25519 -N '' -C slipway-test-client -f "$dir/client_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    free_port >"$dir/port"
    start_server
    cat "$dir/port"
    ;;
  rekey)
    stop_server
    rm -f "$dir/host_ed25519_key" "$dir/host_ed25519_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C slipway-test-host -f "$dir/host_ed25519_key"
    start_server
    cat "$dir/port"
    ;;
  stop)
    stop_server
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|rekey|stop DIR" >&2
    exit 2
    ;;
esac
