/*
 * The container runtime's commands as data: every argv the host target runs through `Host.run` for
 * Podman or Docker (same flags on both), and the readers of their output. Pure, unit-tested as
 * exact arrays. Secret values never appear here: a container's environment comes from an env file
 * slipway writes on the host (0600) and names with --env-file.
 */

export type ContainerRuntime = "podman" | "docker";

/** The labels every container of a release carries: how `ps` finds an environment's containers. */
export const labelKeys = { app: "dev.slipway.app", environment: "dev.slipway.environment", revision: "dev.slipway.revision" } as const;

export interface ContainerSpec {
  name: string;
  image: string;
  labels: Readonly<Record<string, string>>;
  /** The env file on the host (KEY=VALUE lines). */
  envFile: string;
  /** Published on 127.0.0.1 of the host only: the proxy reaches it, the network does not. */
  hostPort: number;
  /** The port the app listens on inside the container. */
  containerPort: number;
  /** The image's command replaced (app.command + app.args); undefined: the image's own. */
  command?: readonly string[] | undefined;
  /** The environment's own network (where its database accessory answers by name); undefined: the runtime's `bridge`. */
  network?: string | undefined;
  /** The pods' security settings and limits. */
  confinement: Confinement;
}

/**
 * What the Kubernetes target's pod securityContext and limits say, as the runtime's flags, so a
 * release runs the same way on a server as in a pod: the spec's non-root `app.runAs`, a read-only root
 * filesystem with a writable 256 MiB `/tmp` (the pods' emptyDir), no capability, no privilege
 * escalation (the runtime's default seccomp profile stays on, as RuntimeDefault), and the pods'
 * limits (memory = the request, cpu = the derived limit).
 */
export interface Confinement {
  user: number;
  group: number;
  /** A Kubernetes memory quantity (256Mi, 1Gi, 500M, 1000000). */
  memory: string;
  /** A Kubernetes CPU quantity (500m, 1, 1.5). */
  cpu: string;
}

/** The runtime's flags for a `Confinement` (same meaning on Podman and Docker). */
export function confinementArgs(runtime: ContainerRuntime, c: Confinement): string[] {
  return [
    "--user",
    `${c.user}:${c.group}`,
    "--read-only",
    // Podman 4.3 ignores a tmpfs `mode` (the mount stays root's 0755, measured on Debian bookworm's);
    // its `U` option gives the mount to the container's user. Docker honours `mode`.
    "--tmpfs",
    runtime === "podman" ? "/tmp:rw,size=256m,U" : "/tmp:rw,size=256m,mode=1777",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--memory",
    memoryFlag(c.memory),
    // A CFS quota rather than --cpus, which Docker refuses above the server's CPU count (a limit of
    // 4 on a 2-core server); the quota means the same and is taken as it is.
    "--cpu-period",
    "100000",
    "--cpu-quota",
    String(cpuQuota(c.cpu)),
  ];
}

const binaryUnits: Record<string, string> = { Ki: "k", Mi: "m", Gi: "g", Ti: "t" };
const decimalPowers: Record<string, number> = { K: 3, M: 6, G: 9, T: 12 };

/** A Kubernetes memory quantity as the runtime's `--memory` (which reads k/m/g/t as powers of 1024, b as bytes). */
export function memoryFlag(quantity: string): string {
  const m = /^([0-9]+)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity);
  if (!m?.[1]) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = m[2];
  if (unit === undefined) return `${m[1]}b`;
  const binary = binaryUnits[unit];
  if (binary !== undefined) return `${m[1]}${binary}`;
  return `${BigInt(m[1]) * 10n ** BigInt(decimalPowers[unit] ?? 0)}b`;
}

/** A Kubernetes CPU quantity as a CFS quota in µs per 100 ms period (500m → 50000; at least 1000, the kernel's floor). */
export function cpuQuota(quantity: string): number {
  const milli = /^([0-9]+)m$/.exec(quantity);
  const cpus = milli?.[1] ? Number(milli[1]) / 1000 : /^[0-9]+(\.[0-9]+)?$/.test(quantity) ? Number(quantity) : Number.NaN;
  if (Number.isNaN(cpus)) throw new Error(`not a CPU quantity: ${quantity}`);
  return Math.max(1000, Math.round(cpus * 100_000));
}

/** `podman load` / `docker load`: an image archive on stdin. */
export function loadArgv(runtime: ContainerRuntime): string[] {
  return [runtime, "load"];
}

/** `podman save IMG` / `docker save IMG`: the image archive on stdout (piped into `load` on the host). */
export function saveArgv(runtime: ContainerRuntime, image: string): string[] {
  return [runtime, "save", image];
}

/**
 * Fetches an image from its registry on the server, with the runtime's own settings there
 * (registries.conf, the credentials of `login`); a `repo@sha256:…` reference is fetched by digest.
 */
export function pullArgv(runtime: ContainerRuntime, image: string): string[] {
  return [runtime, "pull", image];
}

/** Exits 0 with the image id when the image is present. */
export function imageIdArgv(runtime: ContainerRuntime, image: string): string[] {
  return [runtime, "image", "inspect", "--format", "{{.Id}}", image];
}

/** Starts a release's container detached, with an init as PID 1 (SIGTERM reaches the app, zombies are reaped). */
export function runArgv(runtime: ContainerRuntime, spec: ContainerSpec): string[] {
  const labels = Object.entries(spec.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  return [
    runtime,
    "run",
    "--detach",
    "--init",
    "--name",
    spec.name,
    ...labels,
    "--env-file",
    spec.envFile,
    // The runtime's own bridge network, whatever its configuration's default: only the published port is reachable.
    "--network",
    spec.network ?? "bridge",
    "--publish",
    `127.0.0.1:${spec.hostPort}:${spec.containerPort}`,
    ...confinementArgs(runtime, spec.confinement),
    // No `--entrypoint` change: app.command replaces the image's CMD, as on Kubernetes.
    spec.image,
    ...(spec.command ?? []),
  ];
}

/** One-off container of an image (setup, migrate): removed when it exits, output streamed. */
export function runOnceArgv(
  runtime: ContainerRuntime,
  spec: {
    name: string;
    image: string;
    labels: Readonly<Record<string, string>>;
    envFile: string;
    command: readonly string[];
    /** The environment's network, so the command reaches the database accessory; undefined: the runtime's default. */
    network?: string | undefined;
    /** As the release's containers (the Kubernetes target's Jobs run with the pods' securityContext). */
    confinement: Confinement;
  },
): string[] {
  const labels = Object.entries(spec.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  const network = spec.network === undefined ? [] : ["--network", spec.network];
  return [
    runtime,
    "run",
    "--rm",
    "--init",
    "--name",
    spec.name,
    ...labels,
    "--env-file",
    spec.envFile,
    ...network,
    ...confinementArgs(runtime, spec.confinement),
    spec.image,
    ...spec.command,
  ];
}

/** The container's state as one JSON line (`{Status, Running, ExitCode, …}`). */
export function stateArgv(runtime: ContainerRuntime, name: string): string[] {
  return [runtime, "inspect", "--format", "{{json .State}}", name];
}

export interface ContainerState {
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
}

/** Reads `inspect --format '{{json .State}}'` (Podman and Docker name the fields alike); undefined when it is not that. */
export function parseState(output: string): ContainerState | undefined {
  // The runtime's warnings ("WARN[0003] …" on stderr, which the host's run merges into the lines)
  // may come before or after the JSON: the state is the last line that parses as an object.
  let value: unknown;
  for (const line of output.trim().split("\n").reverse()) {
    if (!line.trim().startsWith("{")) continue;
    try {
      value = JSON.parse(line.trim());
      break;
    } catch {}
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Status !== "string" || typeof v.Running !== "boolean") return undefined;
  return {
    status: v.Status,
    running: v.Running,
    exitCode: typeof v.ExitCode === "number" ? v.ExitCode : 0,
    oomKilled: v.OOMKilled === true,
  };
}

/**
 * The last `lines` lines of a container's output, stdout and stderr as one stream in the order the
 * container wrote them: the runtime prints them interleaved on its own stdout and stderr, which SSH
 * carries as two channels, so read apart they come back stdout first (a gunicorn's access log
 * before its boot lines). `2>&1` on the server keeps the order.
 */
export function logsArgv(runtime: ContainerRuntime, name: string, lines: number, follow = false): string[] {
  return [
    "sh",
    "-c",
    'exec "$@" 2>&1',
    "sh",
    runtime,
    "logs",
    "--tail",
    String(Math.max(0, Math.floor(lines))),
    ...(follow ? ["--follow"] : []),
    name,
  ];
}

/** SIGTERM to PID 1 (the init passes it on), SIGKILL after `graceSeconds`. */
export function stopArgv(runtime: ContainerRuntime, name: string, graceSeconds: number): string[] {
  return [runtime, "stop", "--time", String(Math.max(0, Math.ceil(graceSeconds))), name];
}

/** Removes a container, stopping it first if it still runs (a missing one fails: see isNoSuchContainer). */
export function removeArgv(runtime: ContainerRuntime, name: string): string[] {
  return [runtime, "rm", "--force", name];
}

/** Whether `rm`'s failure only says that the container did not exist. */
export function isNoSuchContainer(lines: readonly string[]): boolean {
  return lines.some((line) => /no such container|no container with (the )?name or id/i.test(line));
}

/** Names of the containers (running or not) with every one of these labels, one a line. */
export function listArgv(runtime: ContainerRuntime, labels: Readonly<Record<string, string>>): string[] {
  const filters = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([key, value]) => ["--filter", `label=${key}=${value}`]);
  return [runtime, "ps", "--all", ...filters, "--format", "{{.Names}}"];
}

/** Runs a command in a running container; `tty`: with a terminal (consoles, shells), else without one. */
export function execArgv(runtime: ContainerRuntime, name: string, command: readonly string[], options: { tty?: boolean } = {}): string[] {
  return [runtime, "exec", "--interactive", ...(options.tty ? ["--tty"] : []), name, ...command];
}

/** A release container's name: `slipway-<app>-<env>-r<revision>-<instance>` (app and env are DNS labels). */
export function containerName(app: string, environment: string, revision: number, instance: number): string {
  return `slipway-${app}-${environment}-r${revision}-${instance}`;
}

/**
 * An env file for --env-file: `KEY=VALUE` a line, taken as written (no quotes, no escapes). A
 * value with a line break cannot be written (the runtime would read its second line as another
 * variable): the names of such variables are returned so the caller refuses them with a clear error.
 */
export function envFileText(env: Readonly<Record<string, string>>): { text: string } | { multiLine: string[] } {
  const entries = Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const multiLine = entries.filter(([, value]) => /[\r\n\0]/.test(value)).map(([key]) => key);
  if (multiLine.length > 0) return { multiLine };
  return { text: entries.map(([key, value]) => `${key}=${value}\n`).join("") };
}
