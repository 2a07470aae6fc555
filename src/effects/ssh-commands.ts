/*
 * What the SSH host runs, as data: the argv of every `ssh`/`ssh-keyscan` call and the remote shell
 * text, built by pure functions and tested as exact arrays and strings. `ssh-host.ts` is the one
 * place that runs them.
 *
 * The remote side gets one string that the login shell parses, so every word is single-quoted here;
 * the longer remote steps are POSIX sh scripts run as `sh -c SCRIPT sh ARG…`, so their inputs arrive
 * as positional parameters and are never spliced into script text.
 */
import { createHash } from "node:crypto";
import { SlipwayError } from "../errors/slipway-error.js";

/** Where and how to reach a host: everything the ssh command line needs. */
export interface SshTarget {
  user?: string;
  host: string;
  port: number;
  /** A private key file; without it, ssh uses the agent (and its default keys). */
  identityFile?: string;
  /** The known_hosts file slipway keeps for its targets (not the user's ~/.ssh/known_hosts). */
  knownHostsFile: string;
  /** The control master's socket, in a private (0700) folder. */
  controlPath: string;
}

/** How long an idle control master outlives its last use: slipway closes it, this bounds a killed run. */
export const controlPersistSeconds = 60;

const safeWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word for a POSIX shell: as is when it has only safe characters, else single-quoted (a `'` becomes `'\''`). */
export function shellQuote(word: string): string {
  if (safeWord.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one remote shell command line: each word quoted, so the remote shell splits it back exactly. */
export function remoteCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/** `sh -c SCRIPT sh ARG…` as a remote command line: the script reads its inputs as $1, $2, … */
export function remoteScript(script: string, args: readonly string[]): string {
  return remoteCommand(["sh", "-c", script, "sh", ...args]);
}

/** `deploy@server`, `deploy@server:2222`, `server`, `deploy@[::1]:2222` → user, host, port (default 22). */
export function parseSshDestination(text: string): { user?: string; host: string; port: number } {
  const match = /^(?:([A-Za-z0-9._][A-Za-z0-9._-]*)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[3] === undefined ? 22 : Number(match[3]);
  if (!match?.[2] || match[2].startsWith("-") || port < 1 || port > 65535) {
    throw new SlipwayError("USAGE", `not an SSH destination: ${JSON.stringify(text)}`, {
      hint: "Write it as user@host or user@host:port (an IPv6 address in brackets).",
    });
  }
  const host = match[2].replace(/^\[(.*)\]$/, "$1");
  return match[1] === undefined ? { host, port } : { user: match[1], host, port };
}

/** ssh's -o values are split on whitespace unless quoted. */
function optionPath(path: string): string {
  return /\s/.test(path) ? `"${path}"` : path;
}

/** The options every ssh call shares: no prompts, the pinned key file only, the control socket. */
export function sshOptions(target: SshTarget): string[] {
  return [
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${optionPath(target.knownHostsFile)}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "UpdateHostKeys=no",
    "-o",
    "CheckHostIP=no",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    `ControlPath=${optionPath(target.controlPath)}`,
    ...(target.identityFile === undefined ? [] : ["-o", "IdentitiesOnly=yes", "-i", target.identityFile]),
    "-p",
    String(target.port),
  ];
}

function destination(target: SshTarget): string {
  return target.user === undefined ? target.host : `${target.user}@${target.host}`;
}

/** Starts the control master in the background once it is authenticated (`-f`); its messages go to `logFile`. */
export function masterArgv(target: SshTarget, logFile: string): string[] {
  return [
    "ssh",
    ...sshOptions(target),
    "-o",
    "ControlMaster=yes",
    "-o",
    `ControlPersist=${controlPersistSeconds}`,
    "-E",
    logFile,
    "-N",
    "-f",
    "--",
    destination(target),
  ];
}

/**
 * Runs one remote command line over the master (or, when it is gone, over a connection of its own).
 * `tty`: the remote command gets a terminal (`-tt`: a console or shell; the local terminal is passed
 * through by ssh itself), else none (`-T`: output arrives as written, line by line).
 */
export function execArgv(target: SshTarget, remote: string, options: { tty?: boolean } = {}): string[] {
  return ["ssh", ...sshOptions(target), "-o", "ControlMaster=no", options.tty ? "-tt" : "-T", "--", destination(target), remote];
}

/** Asks the control master to exit. */
export function exitMasterArgv(target: SshTarget): string[] {
  return ["ssh", ...sshOptions(target), "-O", "exit", "--", destination(target)];
}

/** Fetches the host's public keys without logging in, to show their fingerprints. */
export function keyscanArgv(host: string, port: number): string[] {
  return ["ssh-keyscan", "-T", "10", "-p", String(port), host];
}

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export interface HostKey {
  /** The known_hosts name (`[127.0.0.1]:2222`). */
  name: string;
  type: string;
  /** The key blob, base64. */
  key: string;
}

/** The plain (unhashed, no marker) entries of a known_hosts or ssh-keyscan text. */
export function parseKnownHosts(text: string): HostKey[] {
  const keys: HostKey[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("@")) continue;
    const [names, type, key] = line.split(/\s+/);
    if (names === undefined || type === undefined || key === undefined) continue;
    for (const name of names.split(",")) keys.push({ name, type, key });
  }
  return keys;
}

/** The keys pinned for one known_hosts name. */
export function pinnedKeys(text: string, name: string): HostKey[] {
  return parseKnownHosts(text).filter((entry) => entry.name === name);
}

/** OpenSSH's SHA256 fingerprint of a key blob, as `ssh-keygen -l` prints it: `SHA256:` + unpadded base64. */
export function keyFingerprint(keyBase64: string): string {
  const digest = createHash("sha256").update(Buffer.from(keyBase64, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

/** One known_hosts line for a key. */
export function knownHostsLine(key: HostKey): string {
  return `${key.name} ${key.type} ${key.key}\n`;
}

/**
 * What to do with the keys a host presents when none is pinned: pin the one whose fingerprint the
 * user accepted, or refuse and show them all.
 */
export function choosePinnedKey(
  scanned: readonly HostKey[],
  accepted: string | undefined,
): { pin: HostKey } | { refuse: "no-keys" | "not-accepted" | "wrong-fingerprint"; fingerprints: string[] } {
  const fingerprints = [...new Set(scanned.map((key) => `${keyFingerprint(key.key)} (${key.type})`))];
  if (scanned.length === 0) return { refuse: "no-keys", fingerprints };
  if (accepted === undefined) return { refuse: "not-accepted", fingerprints };
  const match = scanned.find((key) => keyFingerprint(key.key) === accepted.trim());
  return match === undefined ? { refuse: "wrong-fingerprint", fingerprints } : { pin: match };
}

/** What ssh says when the pinned key does not match the host's. */
export function isHostKeyMismatch(sshLog: string): boolean {
  return /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key for .* has changed/i.test(sshLog);
}

/** What ssh (not the remote command) says when it could not connect or lost the connection. */
export function isConnectionFailure(line: string): boolean {
  return /^(ssh: |Host key verification failed|Permission denied \(|Connection (closed|reset|timed out) |kex_exchange_identification|Control socket connect)/.test(
    line,
  );
}

/** A /proc/<pid>/stat line's state, process group and start time (field 22, clock ticks since boot). */
export function parseProcStat(text: string): { state: string; pgrp: number; startTime: string } | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(" ");
  const [state, , pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

/** Ports with a socket in /proc/net/tcp{,6} text: `listening` only those in LISTEN state (0A). */
export function socketPorts(procNetTcp: string, listening: boolean): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetTcp.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    if (local === undefined || state === undefined || !/^[0-9A-F]+:[0-9A-F]{4}$/i.test(local)) continue;
    if (listening && state !== "0A") continue;
    ports.add(Number.parseInt(local.slice(local.indexOf(":") + 1), 16));
  }
  return ports;
}

/** A port in 20000–32767 (below Linux's ephemeral range, so no outgoing connection takes it) that no socket uses. */
export function pickFreePort(used: ReadonlySet<number>, random: () => number): number | undefined {
  const low = 20_000;
  const count = 32_768 - low;
  const start = Math.floor(random() * count);
  for (let i = 0; i < count; i++) {
    const port = low + ((start + i) % count);
    if (!used.has(port)) return port;
  }
  return undefined;
}

/** The environment as `env -i` arguments, in a stable order. */
function envArgs(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env)
    .sort()
    .map((name) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new SlipwayError("USAGE", `not an environment variable name: ${JSON.stringify(name)}`, {
          hint: "Names are letters, digits and underscores, not starting with a digit.",
        });
      }
      return `${name}=${env[name]}`;
    });
}

/** How the remote steps mark their own refusals on stderr, apart from anything the command prints. */
export const refusalPrefix = "slipway-host: ";

/**
 * Runs `command` in `cwd` with exactly `env` (nothing from the SSH session). A missing folder or
 * program exits 97 with a `refusalPrefix` line, so it is told apart from the command's own exit 127.
 * With `timeoutMs`, the host's `timeout` stops it a second after slipway gives up: a command without
 * a terminal is not signalled when its SSH session closes, so killing the local `ssh` alone would
 * leave it running.
 */
export const runScript = `cwd=$1; path=$2; prog=$3; shift 3
cd "$cwd" 2>/dev/null || { echo "${refusalPrefix}the folder $cwd does not exist" >&2; exit 97; }
(PATH=$path; command -v "$prog") >/dev/null 2>&1 || { echo "${refusalPrefix}$prog was not found on PATH=$path" >&2; exit 97; }
exec "$@"`;

export function runRemote(command: readonly string[], cwd: string, env: Readonly<Record<string, string>>, timeoutMs?: number): string {
  const [program] = command;
  if (program === undefined) throw new SlipwayError("INTERNAL", "run: empty command");
  const limit = timeoutMs === undefined ? [] : ["timeout", "-k", "5", `${Math.ceil(timeoutMs / 1000) + 1}`];
  return remoteScript(runScript, [cwd, env.PATH ?? "/usr/bin:/bin", program, ...limit, "env", "-i", ...envArgs(env), ...command]);
}

/**
 * Starts a command detached (its own session, stdin from /dev/null, output appended to the log) and
 * prints `PID STARTTIME`. Exits 97 when the folder is missing, 98 when the program is not found.
 * A background job of a non-interactive shell leads no process group, so `setsid` makes the session
 * without forking and `$!` is the program's pid.
 */
export const startScript = `cwd=$1; log=$2; pidfile=$3; path=$4; prog=$5; shift 5
cd "$cwd" 2>/dev/null || { echo "the folder $cwd does not exist" >&2; exit 97; }
(PATH=$path; command -v "$prog") >/dev/null 2>&1 || { echo "$prog was not found on PATH=$path" >&2; exit 98; }
mkdir -p "$(dirname "$log")" && { [ -e "$log" ] || (umask 027; : >>"$log"); } || exit 96
setsid "$@" </dev/null >>"$log" 2>&1 &
pid=$!
read -r stat <"/proc/$pid/stat"
set -- \${stat##*) }
shift 19
if [ -n "$pidfile" ]; then
  mkdir -p "$(dirname "$pidfile")" && printf '%s\\n%s\\n' "$pid" "$1" >"$pidfile.$$.tmp" && mv -f "$pidfile.$$.tmp" "$pidfile" || exit 96
fi
echo "$pid $1"`;

export function startRemote(request: {
  command: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  logFile: string;
  pidFile?: string | undefined;
}): string {
  const [program] = request.command;
  if (program === undefined) throw new SlipwayError("INTERNAL", "start: empty command");
  return remoteScript(startScript, [
    request.cwd,
    request.logFile,
    request.pidFile ?? "",
    request.env.PATH ?? "/usr/bin:/bin",
    program,
    "env",
    "-i",
    ...envArgs(request.env),
    ...request.command,
  ]);
}

/**
 * Stops a process by identity, like `stopProcess` does here: nothing is sent unless /proc/PID/stat
 * still shows the recorded start time; a process group leader is signalled with its group; SIGTERM,
 * then SIGKILL after the grace period (in tenths of a second). Prints `not-ours`, `stopped` or `forced`.
 */
export const stopScript = `pid=$1; want=$2; grace=$3
fields() { read -r line <"/proc/$1/stat" 2>/dev/null || return 1; printf '%s' "\${line##*) }"; }
ours() { f=$(fields "$pid") || return 1; set -- $f; [ "$1" != Z ] && [ "$1" != X ] && shift 19 && [ "$1" = "$want" ]; }
members() { for s in /proc/[0-9]*; do f=$(fields "\${s#/proc/}") || continue; set -- $f; [ "$3" = "$pid" ] && [ "$1" != Z ] && [ "$1" != X ] && return 0; done; return 1; }
gone() { ours && return 1; [ "$dest" = "$pid" ] && return 0; f=$(fields "$pid") && { set -- $f; shift 19; [ "$1" = "$want" ] || return 0; }; ! members; }
ours || { echo not-ours; exit 0; }
set -- $f
if [ "$3" = "$pid" ]; then dest=-$pid; else dest=$pid; fi
kill -s TERM -- "$dest" 2>/dev/null || { echo not-ours; exit 0; }
i=0
while [ "$i" -lt "$grace" ]; do gone && { echo stopped; exit 0; }; sleep 0.1; i=$((i + 1)); done
gone && { echo stopped; exit 0; }
kill -s KILL -- "$dest" 2>/dev/null
i=0
while [ "$i" -lt 100 ]; do gone && break; sleep 0.1; i=$((i + 1)); done
echo forced`;

export function stopRemote(pid: number, startTime: string, graceMs: number): string {
  return remoteScript(stopScript, [String(pid), startTime, String(Math.max(0, Math.ceil(graceMs / 100)))]);
}

/** Replaces a file in one step: stdin to a private temp file beside it, its mode, then `mv`. */
export const writeScript = `t="$1.slipway-$$.tmp"
(umask 077; cat >"$t") && chmod "$2" "$t" && mv -f "$t" "$1" && exit 0
status=$?; rm -f "$t"; exit "$status"`;

export function writeRemote(path: string, mode: number): string {
  return remoteScript(writeScript, [path, mode.toString(8).padStart(4, "0")]);
}

/** Prints the file, or exits 3 when it does not exist. */
export function readRemote(path: string): string {
  return remoteScript('[ -e "$1" ] || exit 3; exec cat -- "$1"', [path]);
}

export function tailRemote(path: string, lines: number): string {
  return remoteScript('[ -f "$1" ] || exit 0; exec tail -n "$2" -- "$1"', [path, String(Math.max(0, Math.floor(lines)))]);
}

export function existsRemote(path: string): string {
  return remoteCommand(["test", "-e", path]);
}

export function makeDirRemote(path: string): string {
  return remoteCommand(["mkdir", "-p", "--", path]);
}

export function removeRemote(path: string): string {
  return remoteCommand(["rm", "-rf", "--", path]);
}

export function procStatRemote(pid: number): string {
  return remoteCommand(["cat", `/proc/${pid}/stat`]);
}

export const procNetTcpRemote = remoteCommand(["cat", "/proc/net/tcp", "/proc/net/tcp6"]);

/** One GET from the host with its curl: headers and body on stdout (`-i`), a total deadline. */
export function curlRemote(url: string, timeoutMs: number, headers: Readonly<Record<string, string>>): string {
  const headerArgs = Object.keys(headers)
    .sort()
    .flatMap((name) => ["-H", `${name}: ${headers[name]}`]);
  return remoteCommand([
    "curl",
    "-sS",
    "-i",
    "--max-time",
    (Math.max(1, timeoutMs) / 1000).toFixed(3),
    "-H",
    "Connection: close",
    ...headerArgs,
    "--url",
    url,
  ]);
}

/** curl's exit code → the probe's error classes (see `httpProbe`). */
export function classifyCurlExit(code: number): "refused" | "timeout" | "reset" | "failed" {
  switch (code) {
    case 7:
      return "refused";
    case 28:
      return "timeout";
    case 52:
    case 56:
      return "reset";
    default:
      return "failed";
  }
}

/** `curl -i` output → status, lowercase headers, body (cut at 2 KB like `httpProbe`). */
export function parseCurlResponse(output: string): { status: number; headers: Record<string, string>; body: string } | undefined {
  const end = output.indexOf("\r\n\r\n");
  const head = end < 0 ? output : output.slice(0, end);
  const [statusLine, ...headerLines] = head.split("\r\n");
  const status = /^HTTP\/[\d.]+ (\d{3})/.exec(statusLine ?? "")?.[1];
  if (status === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const body = end < 0 ? "" : output.slice(end + 4);
  return { status: Number(status), headers, body: Buffer.from(body).subarray(0, 2048).toString("utf8") };
}
