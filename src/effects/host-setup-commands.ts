/*
 * `slipway host setup`'s commands as data: the probe script that reads the server's facts in one
 * SSH session, the readers of its output, and the argv of every change (packages, folders, the
 * deploy user). Pure, unit-tested as exact scripts and arrays. Paths, package names, user names and
 * keys are passed as `$1…` to fixed scripts, never pasted into script text.
 */
import type { ContainerRuntime } from "./container-commands.js";

/**
 * Prints `key=value` lines: the OS (`os.ID=…` from os-release), the user id, passwordless sudo, the
 * programs found on PATH, each folder's mode and owner, the command line of every running dockerd,
 * whether /etc/docker/daemon.json names a TCP socket, and whether the user in $1 exists.
 * Arguments: USER (may be empty), then the folders and files to describe (mode and owner).
 */
export const probeScript = `user=$1; shift
for f in /etc/os-release /usr/lib/os-release; do
  if [ -r "$f" ]; then grep -E '^(ID|ID_LIKE|VERSION_ID|PRETTY_NAME)=' "$f" | sed 's/^/os./'; break; fi
done
echo "uid=$(id -u)"
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then echo sudo=yes; else echo sudo=no; fi
for p in curl podman docker apt-get; do
  if command -v "$p" >/dev/null 2>&1; then echo "have=$p"; fi
done
for d in "$@"; do
  if [ -d "$d" ]; then echo "dir=$(stat -c '%a %U' "$d") $d"; elif [ -f "$d" ]; then echo "file=$(stat -c '%a %U' "$d") $d"; fi
done
for p in /proc/[0-9]*; do
  if [ "$(cat "$p/comm" 2>/dev/null)" = dockerd ]; then echo "dockerd=$(tr '\\000' ' ' < "$p/cmdline")"; fi
done
if [ -r /etc/docker/daemon.json ] && grep -q 'tcp://' /etc/docker/daemon.json; then echo daemonjson=tcp; fi
if [ -n "$user" ] && id -u "$user" >/dev/null 2>&1; then echo user=exists; fi
exit 0`;

/** The probe as an argv for `Host.run`. */
export function probeArgv(user: string | undefined, dirs: readonly string[]): string[] {
  return ["sh", "-c", probeScript, "sh", user ?? "", ...dirs];
}

export interface HostFacts {
  os: { id: string; idLike: string; versionId: string; pretty: string };
  uid: number;
  /** The ssh user may run `sudo` without a password. */
  sudo: boolean;
  /** Of curl, podman, docker, apt-get: those on PATH. */
  programs: ReadonlySet<string>;
  /** Existing folders: octal mode (e.g. "700") and owner name. */
  dirs: ReadonlyMap<string, { mode: string; owner: string }>;
  /** Existing regular files among the paths asked about, likewise. */
  files: ReadonlyMap<string, { mode: string; owner: string }>;
  /** Command lines of running dockerd processes. */
  dockerd: readonly string[];
  /** /etc/docker/daemon.json mentions tcp://. */
  daemonJsonTcp: boolean;
  userExists: boolean;
}

const unquote = (value: string) => value.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");

/** Reads the probe's output. */
export function parseProbe(text: string): HostFacts {
  const os = { id: "", idLike: "", versionId: "", pretty: "" };
  const programs = new Set<string>();
  const dirs = new Map<string, { mode: string; owner: string }>();
  const files = new Map<string, { mode: string; owner: string }>();
  const dockerd: string[] = [];
  let uid = -1;
  let sudo = false;
  let daemonJsonTcp = false;
  let userExists = false;
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "os.ID") os.id = unquote(value);
    else if (key === "os.ID_LIKE") os.idLike = unquote(value);
    else if (key === "os.VERSION_ID") os.versionId = unquote(value);
    else if (key === "os.PRETTY_NAME") os.pretty = unquote(value);
    else if (key === "uid") uid = Number(value);
    else if (key === "sudo") sudo = value === "yes";
    else if (key === "have") programs.add(value);
    else if (key === "dir" || key === "file") {
      const match = /^(\d+) (\S+) (.*)$/.exec(value);
      if (match?.[1] && match[2] && match[3] !== undefined)
        (key === "dir" ? dirs : files).set(match[3], { mode: match[1], owner: match[2] });
    } else if (key === "dockerd") dockerd.push(value.trim());
    else if (key === "daemonjson") daemonJsonTcp = value === "tcp";
    else if (key === "user") userExists = value === "exists";
  }
  return { os, uid, sudo, programs, dirs, files, dockerd, daemonJsonTcp, userExists };
}

/** undefined for Debian, Ubuntu and their derivatives; else why the server is not supported. */
export function unsupportedOs(os: HostFacts["os"]): string | undefined {
  const family = `${os.id} ${os.idLike}`.split(/\s+/);
  if (family.includes("debian") || family.includes("ubuntu")) return undefined;
  const name = os.pretty || os.id || "an OS without /etc/os-release";
  return `the server runs ${name} (ID=${os.id || "?"}${os.idLike ? `, ID_LIKE=${os.idLike}` : ""}); slipway supports Debian and Ubuntu servers`;
}

/** The Debian package of each program `host setup` needs. */
const packageOf: Record<string, string> = { curl: "curl", podman: "podman", docker: "docker.io" };

/** Debian packages to install for what is missing: the runtime and curl (health checks, Caddy's admin socket); Caddy is a container. */
export function missingPackages(facts: Pick<HostFacts, "programs">, runtime: ContainerRuntime): string[] {
  return [runtime, "curl"].filter((program) => !facts.programs.has(program)).map((program) => packageOf[program] as string);
}

const installScript = 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"';

/** Installs Debian packages: as root directly, else through passwordless sudo. */
export function installArgv(packages: readonly string[], root: boolean): string[] {
  return [...(root ? [] : ["sudo", "-n"]), "sh", "-c", installScript, "sh", ...packages];
}

/** What a person runs on the server to install the packages (shown when slipway does not install). */
export function installHint(packages: readonly string[], root: boolean): string {
  return `${root ? "" : "sudo "}apt-get update && ${root ? "" : "sudo "}apt-get install -y ${packages.join(" ")}`;
}

/** `podman info` / `docker info`: answers only when the runtime works over its local socket. */
export function runtimeInfoArgv(runtime: ContainerRuntime): string[] {
  return [runtime, "info"];
}

const tcpHostFlag = /(?:^|\s)(?:-H[=\s]?\s*|--host[=\s]\s*)tcp:\/\/\S*/;

/**
 * Where the runtime's API would be reachable over the network: a dockerd started with
 * `-H tcp://…`, a daemon.json with a TCP host, or DOCKER_HOST/CONTAINER_HOST pointing at TCP in
 * the server's settings. Each problem is a sentence with the fact.
 */
export function runtimeExposure(facts: Pick<HostFacts, "dockerd" | "daemonJsonTcp">, hostEnv: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const args of facts.dockerd) {
    const flag = tcpHostFlag.exec(args)?.[0]?.trim();
    if (flag !== undefined) problems.push(`dockerd runs with \`${flag}\` (its API on a TCP port)`);
  }
  if (facts.daemonJsonTcp) problems.push("/etc/docker/daemon.json lists a tcp:// host (dockerd's API on a TCP port)");
  for (const name of ["DOCKER_HOST", "CONTAINER_HOST"]) {
    const value = hostEnv[name];
    if (value !== undefined && /^tcp:\/\//i.test(value)) problems.push(`${name}=${value} in host.env (the runtime reached over TCP)`);
  }
  return problems;
}

export interface FolderChange {
  path: string;
  /** What changes, for the report: "created (0700)", "mode 755 → 0700", "owner root → deploy". */
  change: string;
  argv: string[];
}

/**
 * The changes that bring slipway's folders to mode 0700 (and to `owner` when given), parents
 * first. `dirs` are absolute paths; existing folders come from the probe.
 */
export function folderChanges(dirs: readonly string[], existing: HostFacts["dirs"], owner?: string): FolderChange[] {
  const changes: FolderChange[] = [];
  for (const path of dirs) {
    const now = existing.get(path);
    if (!now) {
      changes.push({ path, change: "created (0700)", argv: ["mkdir", "-p", "-m", "0700", path] });
      if (owner !== undefined) changes.push({ path, change: `owner → ${owner}`, argv: ["chown", owner, path] });
      continue;
    }
    if (now.mode !== "700") changes.push({ path, change: `mode ${now.mode} → 0700`, argv: ["chmod", "0700", path] });
    if (owner !== undefined && now.owner !== owner)
      changes.push({ path, change: `owner ${now.owner} → ${owner}`, argv: ["chown", owner, path] });
  }
  return changes;
}

/**
 * An existing file (host.env) brought to mode 0600 and to `owner` when given; a file that does not
 * exist yet is written 0600 by `writeFileAtomic`, then only its owner may need changing.
 */
export function fileChanges(path: string, existing: HostFacts["files"], owner?: string): FolderChange[] {
  const now = existing.get(path);
  const changes: FolderChange[] = [];
  if (now && now.mode !== "600") changes.push({ path, change: `mode ${now.mode} → 0600`, argv: ["chmod", "0600", path] });
  if (owner !== undefined && now?.owner !== owner)
    changes.push({ path, change: `owner ${now?.owner ?? "root"} → ${owner}`, argv: ["chown", owner, path] });
  return changes;
}

/** `KEY=VALUE` lines of host.env (comments and other lines skipped). */
export function parseHostEnv(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of (text ?? "").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) env[match[1]] = match[2];
  }
  return env;
}

/** A `--runtime-env KEY=VALUE` word, or undefined when it is not one (value without a line break). */
export function parseSetting(word: string): [string, string] | undefined {
  const match = /^([A-Z_][A-Z0-9_]*)=([^\n\r]*)$/.exec(word);
  return match?.[1] !== undefined && match[2] !== undefined ? [match[1], match[2]] : undefined;
}

/**
 * host.env's content: the settings already there, with `set` applied (an empty value removes
 * the key), sorted by name under a fixed header. The same settings give the same bytes, so a
 * second setup writes nothing.
 */
export function renderHostEnv(current: string | undefined, set: Readonly<Record<string, string>>): string {
  const merged: Record<string, string> = { ...parseHostEnv(current) };
  for (const [key, value] of Object.entries(set)) {
    if (value === "") delete merged[key];
    else merged[key] = value;
  }
  const lines = Object.keys(merged)
    .sort()
    .map((key) => `${key}=${merged[key]}\n`);
  return `# The container runtime's settings on this server (slipway host setup; KEY=VALUE lines).\n${lines.join("")}`;
}

/**
 * Creates the deploy user when missing (no password: `*`, so only keys log in, and sshd accepts
 * the key even with UsePAM no) and adds the public key to its authorized_keys when absent. Prints
 * `created-user` and `added-key` for what it did. Arguments: USER, the public key line.
 */
export const deployUserScript = `user=$1; key=$2
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --create-home --user-group --shell /bin/sh --password '*' "$user" || exit 1
  echo created-user
fi
home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$home" ] || { echo "no home folder for $user" >&2; exit 1; }
mkdir -p "$home/.ssh" && chmod 0700 "$home/.ssh" || exit 1
touch "$home/.ssh/authorized_keys" && chmod 0600 "$home/.ssh/authorized_keys" || exit 1
if ! grep -qxF "$key" "$home/.ssh/authorized_keys"; then
  printf '%s\\n' "$key" >> "$home/.ssh/authorized_keys" || exit 1
  echo added-key
fi
chown -R "$user:" "$home/.ssh"`;

export function deployUserArgv(user: string, publicKey: string): string[] {
  return ["sh", "-c", deployUserScript, "sh", user, publicKey];
}

/** A user name `useradd` accepts on Debian (and that cannot be read as an option). */
export function isUserName(name: string): boolean {
  return /^[a-z_][a-z0-9_-]{0,31}$/.test(name);
}

/** Where `host setup` keeps the kernel setting across reboots. */
export const sysctlConfFile = "/etc/sysctl.d/60-slipway.conf";

/*
 * net.ipv4.tcp_migrate_req = 1 (Linux 5.14+): a config load into Caddy (the first route after setup,
 * a port or TLS change; a switch renames a link instead) binds a new SO_REUSEPORT socket beside the
 * old one and then closes the old one; by default the kernel
 * resets the connections still queued on the closed socket, so clients under load see
 * `ECONNRESET`. With the setting, the kernel hands them to the new socket. Measured with Caddy
 * 2.6.2 (bench/caddy-reload.mjs, 30 config loads under 4 request loops): 13 failed requests
 * without it, 0 with it. It is per network namespace (Caddy runs in the server's own).
 */
const migrateScript = `f=$2
[ -r "$f" ] || { echo absent; exit 0; }
[ "$(cat "$f")" = 1 ] && [ -f "$1" ] && { echo kept; exit 0; }
if [ "$(id -u)" = 0 ]; then s=""; elif sudo -n true 2>/dev/null; then s="sudo -n"; else echo needs-root; exit 0; fi
printf '%s\\n' "# slipway host setup: a config reload of Caddy hands queued connections to its new listener" "net.ipv4.tcp_migrate_req = 1" | $s tee "$1" >/dev/null || exit 1
echo 1 | $s tee "$f" >/dev/null || exit 1
echo changed`;

/** Sets net.ipv4.tcp_migrate_req = 1 now and in sysctlConfFile; prints changed, kept, needs-root or absent (an older kernel). */
export function tcpMigrateArgv(confFile: string = sysctlConfFile, procFile = "/proc/sys/net/ipv4/tcp_migrate_req"): string[] {
  return ["sh", "-c", migrateScript, "sh", confFile, procFile];
}

export type TcpMigrateOutcome = "changed" | "kept" | "needs-root" | "absent";

/** The outcome `tcpMigrateArgv` printed (its last line); undefined when it printed something else. */
export function parseTcpMigrate(lines: readonly string[]): TcpMigrateOutcome | undefined {
  const last = lines.at(-1)?.trim();
  return last === "changed" || last === "kept" || last === "needs-root" || last === "absent" ? last : undefined;
}
