/*
 * After a reboot: the script that brings a host environment back, and the systemd unit that runs it.
 *
 * Why a script of slipway's and not the runtime's restart policies: Podman has no daemon, and its
 * boot service (podman-restart.service, Podman 4.3 as in Debian bookworm) starts only containers
 * with `--restart always`, every one of them, including the retired releases slipway keeps stopped
 * for their logs; Docker's `unless-stopped` would also start those. What
 * must come back is exactly what served when the server went down: the database container, the
 * containers of the release Caddy routes to (where the proxy's `current` link points, as a deploy
 * reads it), then Caddy's container. After `slipway down` (which removes that container) it starts nothing.
 * Every command in it is one the deploy itself runs (`runRemote`/`startRemote`), with host.env's
 * settings; the script holds no secret.
 */
import { join } from "node:path";
import type { ContainerRuntime } from "./container-commands.js";
import { remoteCommand, runRemote, shellQuote } from "./ssh-commands.js";

export interface BootScriptInput {
  app: string;
  environment: string;
  runtime: ContainerRuntime;
  /** What every command runs with on the server: PATH plus host.env's settings. */
  hostEnv: Readonly<Record<string, string>>;
  /** <dir>/<app>/<env>/proxy: caddy.json, the `current` link, admin.sock. */
  proxyDir: string;
  /** The release containers' name prefix, `slipway-<app>-<env>-r`. */
  containerPrefix: string;
  /** The database accessory: its container and the runtime command (runtime first) that exits 0 once it accepts connections. */
  database?: { container: string; readyArgv: readonly string[] } | undefined;
  /** Caddy's container (`slipway down` removes it). */
  proxyContainer: string;
  /** Caddy's admin check (curl over its socket), exit 0 when Caddy answers. */
  caddyAnswersArgv: readonly string[];
  /** The names of this environment's containers (`listArgv`: the runtime first). */
  listArgv: readonly string[];
}

export function bootScriptPath(envDir: string): string {
  return join(envDir, "boot.sh");
}

export function bootUnitName(app: string, environment: string): string {
  return `slipway-${app}-${environment}.service`;
}

export const bootUnitPath = (app: string, environment: string) => join("/etc/systemd/system", bootUnitName(app, environment));

/** The whole script, deterministic for the same input. */
export function bootScript(input: BootScriptInput): string {
  const q = shellQuote;
  const rt = runRemote([input.runtime], "/", input.hostEnv);
  const answers = runRemote(input.caddyAnswersArgv, "/", input.hostEnv);
  const lines = [
    "#!/bin/sh",
    `# slipway: brings ${input.app} (${input.environment}) back when the server starts. Written by`,
    "# `slipway host setup` and by every deploy; run by the systemd unit",
    `# ${bootUnitName(input.app, input.environment)} (or by hand: sh THIS_FILE). It starts the database`,
    "# container, the containers of the release Caddy routes to (its `current` link), then Caddy's container.",
    "# After `slipway down` there is no Caddy container and it starts nothing. Running it twice is harmless.",
    "set -u",
    `proxy=${q(input.proxyDir)}`,
    `rt() { ${rt} "$@"; }`,
    `if ! rt inspect --format '{{.State.Status}}' ${q(input.proxyContainer)} >/dev/null 2>&1; then`,
    `  echo ${q(`slipway: ${input.app} (${input.environment}) is down or was never deployed: nothing to start`)}`,
    "  exit 0",
    "fi",
    "status=0",
  ];
  if (input.database) {
    const db = input.database.container;
    lines.push(
      `rt start ${q(db)} >/dev/null || { echo ${q(`slipway: cannot start the database container ${db}`)} >&2; status=1; }`,
      "i=0",
      `until rt ${remoteCommand(input.database.readyArgv.slice(1))} >/dev/null 2>&1; do`,
      `  i=$((i + 1)); [ "$i" -ge 120 ] && { echo ${q(`slipway: the database in ${db} did not answer within 60 s`)} >&2; status=1; break; }`,
      "  sleep 0.5",
      "done",
    );
  }
  lines.push(
    `rev=$(readlink "$proxy/current" 2>/dev/null | sed -n 's|^releases/r\\([0-9][0-9]*\\)$|\\1|p')`,
    'if [ -n "$rev" ]; then',
    `  for name in $(rt ${remoteCommand(input.listArgv.slice(1))}); do`,
    `    case "$name" in ${q(input.containerPrefix)}"$rev"-*)`,
    '      rt start "$name" >/dev/null && echo "slipway: started $name" || { echo "slipway: cannot start $name" >&2; status=1; } ;;',
    "    esac",
    "  done",
    "fi",
    `if ${answers} >/dev/null 2>&1; then`,
    "  echo 'slipway: caddy already answers'",
    "else",
    '  rm -f "$proxy/admin.sock"',
    `  if rt start ${q(input.proxyContainer)} >/dev/null; then`,
    "    i=0",
    `    until ${answers} >/dev/null 2>&1; do`,
    `      i=$((i + 1)); [ "$i" -ge 150 ] && { echo ${q(`slipway: caddy did not answer within 15 s; its log: ${input.runtime} logs ${input.proxyContainer}`)} >&2; status=1; break; }`,
    "      sleep 0.1",
    "    done",
    `    echo ${q(`slipway: started ${input.proxyContainer}`)}`,
    "  else",
    `    echo ${q(`slipway: cannot start ${input.proxyContainer}`)} >&2; status=1`,
    "  fi",
    "fi",
    'exit "$status"',
    "",
  );
  return lines.join("\n");
}

/** The unit: once per boot, after the network (and Docker's daemon when the runtime is Docker). */
export function bootUnit(input: { app: string; environment: string; runtime: ContainerRuntime; script: string }): string {
  const after = ["network-online.target", ...(input.runtime === "docker" ? ["docker.service"] : [])].join(" ");
  return [
    "[Unit]",
    `Description=slipway: start ${input.app} (${input.environment}) after boot`,
    "Wants=network-online.target",
    `After=${after}`,
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/bin/sh ${input.script}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Prints `systemd` when systemd runs the server (PID 1), else `none`. */
export function initSystemArgv(): string[] {
  return ["sh", "-c", "if [ -d /run/systemd/system ]; then echo systemd; else echo none; fi"];
}

/**
 * Makes systemd read the unit (when `reload`: its file changed) and start it at every boot, as root
 * or through passwordless sudo. Prints `changed` when it enabled it, `kept` when it already was.
 */
export function enableUnitArgv(unit: string, root: boolean, reload: boolean): string[] {
  const sudo = root ? [] : ["sudo", "-n"];
  const script = [
    ...(reload ? ["systemctl daemon-reload || exit 1"] : []),
    'if systemctl is-enabled --quiet "$1"; then echo kept; exit 0; fi',
    'systemctl enable --quiet "$1" && echo changed',
  ].join("\n");
  return [...sudo, "sh", "-c", script, "sh", unit];
}
