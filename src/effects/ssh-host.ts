/*
 * A `Host` on another machine, reached with the system `ssh` client. One control master per host
 * carries every command (a fresh SSH login costs a key exchange and authentication; a session over
 * the master costs one round trip — docs/host-target.md has the numbers). The master's socket is
 * in a private 0700 folder and it exits `controlPersistSeconds` after its last use, so a killed
 * slipway leaves nothing behind for long.
 *
 * The host key is checked against a known_hosts file that slipway keeps (never the user's): a host
 * without a pinned key is refused with its fingerprints until the user accepts one, and a host whose
 * key changed is refused outright.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import type { Host, ProcessIdentity } from "./host.js";
import type { PortWait, RunCommandRequest, RunCommandResult, SpawnedProcess, StopResult } from "./processes.js";
import { runCommand } from "./processes.js";
import {
  choosePinnedKey,
  classifyCurlExit,
  curlRemote,
  execArgv,
  existsRemote,
  exitMasterArgv,
  isConnectionFailure,
  isHostKeyMismatch,
  keyFingerprint,
  keyscanArgv,
  knownHostsLine,
  knownHostsName,
  makeDirRemote,
  masterArgv,
  parseCurlResponse,
  parseKnownHosts,
  parseProcStat,
  parseSshDestination,
  pickFreePort,
  pinnedKeys,
  procNetTcpRemote,
  procStatRemote,
  readRemote,
  refusalPrefix,
  removeRemote,
  runRemote,
  type SshTarget,
  socketPorts,
  startRemote,
  stopRemote,
  tailRemote,
  writeRemote,
} from "./ssh-commands.js";
import { readTextIfExists, writeFileAtomic } from "./state-files.js";

export interface SshHostOptions {
  /** `user@host[:port]`. */
  destination: string;
  /** A private key file; the agent otherwise. */
  identityFile?: string;
  /** slipway's pinned known_hosts file for its targets. */
  knownHostsFile: string;
  /** A fingerprint (`SHA256:…`) the user accepted for a host that has no pinned key yet. */
  acceptHostKey?: string;
  /** The ssh agent's socket; default: slipway's own SSH_AUTH_SOCK. */
  agentSocket?: string;
}

/** A host over SSH: a `Host`, plus closing its control master. */
export interface SshHost extends Host {
  readonly destination: string;
  /**
   * The local ssh argv (and its environment) that runs `command` on the host with exactly `env`,
   * over the control master: for streams a `run` cannot carry, such as an image archive on stdin.
   */
  localArgv(
    command: readonly string[],
    env: Readonly<Record<string, string>>,
    options?: { tty?: boolean },
  ): { argv: string[]; env: Record<string, string> };
  /** Ends the control master and removes its private folder. */
  close(): Promise<void>;
}

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The local ssh client's environment: its PATH, HOME (for ~/.ssh/config) and the agent's socket. */
function clientEnv(agentSocket: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "USER", "SSH_AUTH_SOCK"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  if (agentSocket !== undefined) env.SSH_AUTH_SOCK = agentSocket;
  return env;
}

/** Runs a local program to completion, collecting its output (a missing program is exit 127). */
function execLocal(argv: readonly string[], env: Record<string, string>, input?: string, timeoutMs = 60_000): Promise<Exec> {
  const [program, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(program ?? "false", args, {
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout: "", stderr: error.message });
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    if (input !== undefined && child.stdin) {
      child.stdin.on("error", () => {});
      child.stdin.end(input);
    }
  });
}

function sshFailed(destination: string, what: string, stderr: string): SlipwayError {
  const detail = stderr.trim().split("\n").slice(-3).join(" | ");
  return new SlipwayError("HOST_SSH_FAILED", `${destination}: ${what}${detail ? `: ${detail}` : ""}`, {
    hint: "Check that the host is up, that `ssh` reaches it with this user and key, and that the folder or file is the host's own path.",
  });
}

function notSupported(what: string): SlipwayError {
  return new SlipwayError("HOST_NOT_SUPPORTED", `${what} is not supported on a host over SSH yet`, {
    hint: "This operation runs only on the local target for now.",
  });
}

/** The fingerprints the host presents now, for error messages. */
async function scanKeys(host: string, port: number): Promise<ReturnType<typeof parseKnownHosts>> {
  const scan = await execLocal(keyscanArgv(host, port), clientEnv(undefined), undefined, 20_000);
  return parseKnownHosts(scan.stdout);
}

/**
 * Connects: checks the host key against the pinned file (pinning an accepted one), starts the control
 * master and learns the remote user id. Throws HOST_KEY_UNKNOWN, HOST_KEY_MISMATCH or HOST_SSH_FAILED.
 */
export async function connectSshHost(options: SshHostOptions): Promise<SshHost> {
  const { user, host, port } = parseSshDestination(options.destination);
  const name = knownHostsName(host, port);
  const pinned = pinnedKeys((await readTextIfExists(options.knownHostsFile)) ?? "", name);
  if (pinned.length === 0) await pinAcceptedKey(options, host, port, name);

  // mkdtemp makes the folder 0700: only this user can reach the master's socket.
  const controlDir = await mkdtemp(join(tmpdir(), "slipway-ssh-"));
  const target: SshTarget = {
    ...(user === undefined ? {} : { user }),
    host,
    port,
    ...(options.identityFile === undefined ? {} : { identityFile: options.identityFile }),
    knownHostsFile: options.knownHostsFile,
    controlPath: join(controlDir, "master"),
  };
  const masterLog = join(controlDir, "master.log");
  const env = clientEnv(options.agentSocket);
  const started = await execLocal(masterArgv(target, masterLog), env, undefined, 30_000);
  if (started.code !== 0) {
    const log = `${(await readTextIfExists(masterLog)) ?? ""}${started.stderr}`;
    await rm(controlDir, { recursive: true, force: true });
    if (isHostKeyMismatch(log)) {
      const now = (await scanKeys(host, port)).map((key) => `${keyFingerprint(key.key)} (${key.type})`);
      const was = pinned.map((key) => `${keyFingerprint(key.key)} (${key.type})`);
      throw new SlipwayError(
        "HOST_KEY_MISMATCH",
        `${options.destination}: the host key changed: pinned ${was.join(", ")}, the host presents ${now.join(", ") || "no key"}`,
        {
          hint: `If the server was really rebuilt, confirm its new fingerprint with its administrator, remove the ${name} line from ${options.knownHostsFile} and connect again with --accept-host-key.`,
        },
      );
    }
    throw sshFailed(options.destination, "cannot connect", log);
  }
  return sshHost(options.destination, target, env, controlDir, await remoteUid(target, env, options.destination));
}

async function pinAcceptedKey(options: SshHostOptions, host: string, port: number, name: string): Promise<void> {
  const decision = choosePinnedKey(await scanKeys(host, port), options.acceptHostKey);
  if ("pin" in decision) {
    await mkdir(dirname(options.knownHostsFile), { recursive: true, mode: 0o700 });
    const existing = (await readTextIfExists(options.knownHostsFile)) ?? "";
    const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
    await writeFileAtomic(options.knownHostsFile, `${existing}${separator}${knownHostsLine(decision.pin)}`, 0o600);
    return;
  }
  if (decision.refuse === "no-keys") throw sshFailed(options.destination, `no SSH host key could be read from ${name}`, "");
  const first = decision.fingerprints[0]?.split(" ")[0] ?? "SHA256:…";
  const shown = decision.fingerprints.join(", ");
  throw new SlipwayError(
    "HOST_KEY_UNKNOWN",
    decision.refuse === "wrong-fingerprint"
      ? `${options.destination}: the accepted fingerprint ${options.acceptHostKey} is not one the host presents (${shown})`
      : `${options.destination}: the host key is not pinned yet; the host presents ${shown}`,
    {
      hint: `Compare the fingerprint with the server's own (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on it), then pass --accept-host-key ${first}.`,
    },
  );
}

async function remoteUid(target: SshTarget, env: Record<string, string>, destination: string): Promise<number | undefined> {
  const result = await execLocal(execArgv(target, "id -u"), env);
  if (result.code !== 0) throw sshFailed(destination, "`id -u` failed", result.stderr);
  const uid = Number(result.stdout.trim());
  return Number.isSafeInteger(uid) ? uid : undefined;
}

function sshHost(
  destination: string,
  target: SshTarget,
  env: Record<string, string>,
  controlDir: string,
  uid: number | undefined,
): SshHost {
  /** Runs a remote command line; exit 255 with ssh's own message is a broken connection, not a result. */
  const exec = async (remote: string, input?: string, timeoutMs?: number): Promise<Exec> => {
    const result = await execLocal(execArgv(target, remote), env, input, timeoutMs);
    if (result.code === 255 && result.stderr.split("\n").some(isConnectionFailure)) {
      throw sshFailed(destination, "the SSH connection failed", result.stderr);
    }
    return result;
  };
  const must = async (what: string, remote: string, input?: string): Promise<string> => {
    const result = await exec(remote, input);
    if (result.code !== 0) throw sshFailed(destination, what, result.stderr);
    return result.stdout;
  };
  const procStat = async (pid: number): Promise<ReturnType<typeof parseProcStat>> => {
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    const result = await exec(procStatRemote(pid));
    return result.code === 0 ? parseProcStat(result.stdout) : undefined;
  };
  const isAlive = async (identity: ProcessIdentity): Promise<boolean> => {
    const stat = await procStat(identity.pid);
    if (stat === undefined || stat.state === "Z" || stat.state === "X") return false;
    return identity.startTime === undefined || stat.startTime === identity.startTime;
  };
  const listeningPorts = async (): Promise<Set<number>> => socketPorts(await must("cannot read /proc/net/tcp", procNetTcpRemote), true);

  return {
    destination,
    uid,
    localArgv: (command, commandEnv, options = {}) => ({
      argv: execArgv(target, runRemote(command, "/", commandEnv), options),
      env: { ...env },
    }),

    async run(request: RunCommandRequest): Promise<RunCommandResult> {
      if (request.runAs !== undefined) throw notSupported("running a command as another user");
      if (request.logFile !== undefined) throw notSupported("a log file for `run`");
      let connectionError = false;
      const result = await runCommand({
        ...request,
        command: execArgv(target, runRemote(request.command, request.cwd, request.env, request.timeoutMs)),
        cwd: "/",
        env,
        onLine: (line, stream) => {
          if (stream === "stderr" && isConnectionFailure(line)) connectionError = true;
          request.onLine?.(line, stream);
        },
      });
      if (result.exitCode === 255 && connectionError)
        throw sshFailed(destination, "the SSH connection failed", result.lastLines.join("\n"));
      const refusal = result.exitCode === 97 ? result.lastLines.findLast((line) => line.startsWith(refusalPrefix)) : undefined;
      if (refusal !== undefined) {
        const why = refusal.slice(refusalPrefix.length);
        throw new SlipwayError("LOCAL_PROCESS_START_FAILED", `cannot start \`${request.command.join(" ")}\` on ${destination}: ${why}`, {
          hint: "Check the command and that its program is installed on the host and on its PATH.",
        });
      }
      return result;
    },

    async start(request): Promise<SpawnedProcess> {
      if (request.runAs !== undefined) throw notSupported("starting a process as another user");
      const result = await exec(startRemote(request));
      const [pid, startTime] = result.stdout.trim().split(" ");
      if (result.code !== 0 || pid === undefined || startTime === undefined) {
        const why = result.stderr.trim() || `exit ${result.code}`;
        throw new SlipwayError("LOCAL_PROCESS_START_FAILED", `cannot start \`${request.command.join(" ")}\` on ${destination}: ${why}`, {
          hint: "Check the command and that its program is installed on the host and on its PATH.",
        });
      }
      // A remote process's exit is not observable from here: `exited` never settles, `exit()` stays
      // undefined, and callers poll `isAlive` (as they do for processes an earlier slipway started).
      return {
        pid: Number(pid),
        startTime,
        logFile: request.logFile,
        exited: new Promise(() => {}),
        exit: () => undefined,
      };
    },

    async stop(identity, options = {}): Promise<StopResult> {
      if (identity.startTime === undefined || !Number.isSafeInteger(identity.pid) || identity.pid <= 1) {
        return { wasRunning: false, forced: false };
      }
      const graceMs = options.graceMs ?? 10_000;
      const result = await exec(stopRemote(identity.pid, identity.startTime, graceMs), undefined, graceMs + 30_000);
      const outcome = result.stdout.trim();
      if (result.code !== 0 || !["not-ours", "stopped", "forced"].includes(outcome)) {
        throw sshFailed(destination, `cannot stop process ${identity.pid}`, result.stderr);
      }
      return { wasRunning: outcome !== "not-ours", forced: outcome === "forced" };
    },

    isAlive,
    startTimeOf: async (pid) => (await procStat(pid))?.startTime,
    listProcesses: async () => {
      throw notSupported("listing the host's processes");
    },
    processFacts: async () => {
      throw notSupported("reading a process's facts");
    },

    async writeFileAtomic(path, content, mode = 0o644) {
      await must(`cannot write ${path}`, writeRemote(path, mode), content);
    },
    async readText(path) {
      const result = await exec(readRemote(path));
      if (result.code === 3) return undefined;
      if (result.code !== 0) throw sshFailed(destination, `cannot read ${path}`, result.stderr);
      return result.stdout;
    },
    async tail(path, lines) {
      const result = await exec(tailRemote(path, lines));
      if (result.code !== 0) return [];
      const all = result.stdout.split("\n");
      if (all.at(-1) === "") all.pop();
      return all.map((line) => line.replace(/\r$/, ""));
    },
    async exists(path) {
      return (await exec(existsRemote(path))).code === 0;
    },
    async makeDir(path) {
      await must(`cannot make the folder ${path}`, makeDirRemote(path));
    },
    async remove(path) {
      await must(`cannot remove ${path}`, removeRemote(path));
    },

    async freePort() {
      const used = socketPorts(await must("cannot read /proc/net/tcp", procNetTcpRemote), false);
      const port = pickFreePort(used, Math.random);
      if (port === undefined) throw sshFailed(destination, "no free port in 20000–32767", "");
      return port;
    },
    async waitForPort(port, options): Promise<PortWait> {
      // Listening sockets from /proc/net/tcp: one round trip over the master per attempt, no client needed on the host.
      const deadline = Date.now() + options.timeoutMs;
      const exited = async (): Promise<PortWait | undefined> => {
        const exit = options.process?.exit();
        if (exit !== undefined) return { ok: false, reason: "exited", exitCode: exit.code, signal: exit.signal };
        if (options.isAlive && !(await options.isAlive())) return { ok: false, reason: "exited" };
        return undefined;
      };
      for (;;) {
        const gone = await exited();
        if (gone) return gone;
        if ((await listeningPorts()).has(port)) return { ok: true };
        if (Date.now() >= deadline) return (await exited()) ?? { ok: false, reason: "timeout" };
        await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs ?? 100, Math.max(1, deadline - Date.now()))));
      }
    },
    async httpGet(url, timeoutMs, headers = {}) {
      if (Object.entries(headers).some(([name, value]) => /[\r\n:]/.test(name) || /[\r\n]/.test(value))) {
        return { ok: false, error: "failed", message: "a header name or value has a line break" };
      }
      let result: Exec;
      try {
        result = await exec(curlRemote(url, timeoutMs, headers), undefined, timeoutMs + 10_000);
      } catch (error) {
        return { ok: false, error: "failed", message: error instanceof Error ? error.message : String(error) };
      }
      if (result.code === 127) return { ok: false, error: "failed", message: "curl is not installed on the host" };
      if (result.code !== 0)
        return { ok: false, error: classifyCurlExit(result.code ?? -1), message: result.stderr.trim() || `curl exit ${result.code}` };
      const response = parseCurlResponse(result.stdout);
      if (response === undefined) return { ok: false, error: "failed", message: "curl printed no HTTP status line" };
      return { ok: true, ...response };
    },

    async close() {
      await execLocal(exitMasterArgv(target), env, undefined, 10_000);
      await rm(controlDir, { recursive: true, force: true });
    },
  };
}
