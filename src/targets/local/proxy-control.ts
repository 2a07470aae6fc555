import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Host } from "../../effects/host.js";
import { localHost } from "../../effects/local-host.js";
import { formatPidFile, parsePidFile } from "../../effects/processes.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { proxyCommand } from "./commands.js";
import {
  formatRoutes,
  invalidRoutes,
  parseAck,
  parseRoutes,
  proxyFiles,
  proxyPidHeader,
  proxyPingHeader,
  revisionHeader,
  routesDigest,
} from "./proxy-routes.js";
import type { ProxyAck, ProxyRoutes } from "./runtime.js";

/**
 * The proxy daemon's own script: `proxy-main.js` beside this module once built (dist/bundle/ in the
 * bundle, dist/targets/local/ from tsc). Run it as `node <script> --state DIR --host H --port P`.
 */
export function proxyEntryScript(): string {
  return fileURLToPath(new URL("./proxy-main.js", import.meta.url));
}

/** `[node, proxyEntryScript()]`: an `entry` for `ensureProxy`. */
export function proxyEntryCommand(): readonly string[] {
  return [process.execPath, proxyEntryScript()];
}

export interface EnsureProxyOptions {
  /** The proxy's state folder (routes.json, routes.ack, proxy.pid, proxy.log). */
  stateDir: string;
  host: string;
  port: number;
  /** The command that runs the daemon; `--state DIR --host H --port P` are appended. */
  entry: readonly string[];
  /** The daemon's environment. Default: PATH only. */
  env?: Readonly<Record<string, string>>;
  /** How long the daemon may take to answer. Default 15 000 ms. */
  timeoutMs?: number;
  /** The machine the proxy runs on. Default: this one. */
  on?: Host;
}

type PingResult = { kind: "proxy"; pid: number; revision: number } | { kind: "other"; detail: string } | { kind: "closed" };

/** Asks host:port whether it is a slipway proxy (the proxy answers the ping header itself). */
async function pingProxy(host: string, port: number, on: Host): Promise<PingResult> {
  const probe = await on.httpGet(`http://${host}:${port}/`, 2_000, { [proxyPingHeader]: "1" });
  if (!probe.ok) return probe.error === "refused" ? { kind: "closed" } : { kind: "other", detail: probe.message };
  const pid = Number(probe.headers[proxyPidHeader]);
  if (probe.status === 204 && Number.isInteger(pid)) return { kind: "proxy", pid, revision: Number(probe.headers[revisionHeader]) };
  return { kind: "other", detail: `it answers HTTP ${probe.status}` };
}

/**
 * Starts the proxy daemon detached unless it already runs (its pid alive and its port answering as a
 * slipway proxy). Returns its pid. Throws LOCAL_PORT_IN_USE when another program (or another
 * project's proxy) holds the port, LOCAL_PROXY_FAILED when the daemon does not come up.
 */
export async function ensureProxy(options: EnsureProxyOptions): Promise<{ pid: number; started: boolean }> {
  const on = options.on ?? localHost;
  const stateDir = resolve(options.stateDir);
  await on.makeDir(stateDir);
  const pidFile = join(stateDir, proxyFiles.pid);
  const logFile = join(stateDir, proxyFiles.log);
  const ours = async (pid: number): Promise<boolean> => {
    const recorded = await readPid(on, pidFile);
    return recorded?.pid === pid && (await on.isAlive(recorded));
  };

  const before = await pingProxy(options.host, options.port, on);
  if (before.kind === "proxy") {
    if (await ours(before.pid)) return { pid: before.pid, started: false };
    if (await isProxyOf(before.pid, stateDir, on)) {
      // This folder's own proxy, whose pid file is gone (the state folder was deleted while it ran):
      // adopt it. It reads routes.json from this folder's path again once the file is back.
      await on.writeFileAtomic(pidFile, formatPidFile({ pid: before.pid, startTime: await on.startTimeOf(before.pid) }));
      return { pid: before.pid, started: false };
    }
    throw portInUse(options, `another slipway proxy (pid ${before.pid}, another project or environment) serves it`);
  }
  if (before.kind === "other") throw portInUse(options, `another program holds it (${before.detail})`);

  // Nothing answers. A daemon of ours that is alive but not listening is stuck: replace it.
  const stale = await readPid(on, pidFile);
  if (stale && (await on.isAlive(stale))) await on.stop(stale, { graceMs: 2_000 });

  const child = await on.start({
    command: proxyCommand(options.entry, { stateDir, host: options.host, port: options.port }),
    cwd: stateDir,
    env: options.env ?? { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    logFile,
  });
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const ping = await pingProxy(options.host, options.port, on);
    // Listening, then the pid file, then routes.json loaded and acknowledged: wait for all three, so
    // the next call sees a running proxy and the first request gets the routes already written.
    if (ping.kind === "proxy" && ping.pid === child.pid && (await ours(child.pid)) && (await readAck(stateDir, on))?.pid === child.pid)
      return { pid: child.pid, started: true };
    const exit = child.exit();
    if (exit !== undefined || Date.now() > deadline) {
      // A concurrent slipway may have started the daemon first: this one then found the port taken.
      if (ping.kind === "proxy" && (await ours(ping.pid))) return { pid: ping.pid, started: false };
      if (exit === undefined) await on.stop(child, { graceMs: 2_000 });
      const lines = await on.tail(logFile, 10);
      if (lines.some((line) => /LOCAL_PORT_IN_USE|EADDRINUSE|already in use/.test(line))) {
        throw portInUse(options, ping.kind === "other" ? `another program holds it (${ping.detail})` : "another program took it");
      }
      const why = exit === undefined ? `did not answer within ${options.timeoutMs ?? 15_000} ms` : `exited (${exit.code ?? exit.signal})`;
      throw new SlipwayError("LOCAL_PROXY_FAILED", withLines(`the proxy on ${options.host}:${options.port} ${why}`, lines), {
        hint: `See ${logFile}.`,
      });
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * Whether `pid` is the proxy daemon of `stateDir`, judged by the process itself: its arguments name
 * this state folder (`--state DIR`, as `ensureProxy` starts it) and it runs as this user.
 */
export async function isProxyOf(pid: number, stateDir: string, on: Host = localHost): Promise<boolean> {
  const facts = await on.processFacts(pid);
  if (facts === undefined) return false;
  if (on.uid !== undefined && facts.uid !== on.uid) return false;
  const at = facts.argv.indexOf("--state");
  return at > 0 && facts.argv[at + 1] === resolve(stateDir);
}

function portInUse(options: { host: string; port: number }, why: string): SlipwayError {
  return new SlipwayError("LOCAL_PORT_IN_USE", `port ${options.port} on ${options.host} is already in use: ${why}`, {
    hint: `Stop the program that uses it (\`ss -ltnp 'sport = :${options.port}'\` names it), or set another port: targets.<name>.port in slipway.yaml.`,
  });
}

function withLines(message: string, lines: readonly string[]): string {
  return lines.length === 0 ? message : `${message} — last log lines:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}

/**
 * Hands the proxy new routes: routes.json is replaced atomically, then this waits until the proxy
 * acknowledges exactly these routes in routes.ack (from then on every new request goes to them).
 * Fails fast with LOCAL_PROXY_FAILED when the proxy is not running, and after `timeoutMs` (default
 * 10 000) when it does not acknowledge.
 */
export async function setRoutes(stateDir: string, routes: ProxyRoutes, options: { timeoutMs?: number; on?: Host } = {}): Promise<ProxyAck> {
  const invalid = invalidRoutes(routes);
  if (invalid !== undefined) throw new SlipwayError("INTERNAL", `setRoutes: ${invalid}`);
  const on = options.on ?? localHost;
  const dir = resolve(stateDir);
  await on.makeDir(dir);
  await on.writeFileAtomic(join(dir, proxyFiles.routes), formatRoutes(routes));
  const digest = routesDigest(routes);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastAck: ProxyAck | undefined;
  for (let round = 0; ; round++) {
    lastAck = await readAck(dir, on);
    if (lastAck?.revision === routes.revision && lastAck.digest === digest) return lastAck;
    if (round % 10 === 0 && !(await proxyRunning(dir, on))) {
      throw new SlipwayError("LOCAL_PROXY_FAILED", `the proxy of ${dir} is not running, so nothing serves revision ${routes.revision}`, {
        hint: "Deploy again: it starts the proxy, which then serves the routes already written.",
      });
    }
    if (Date.now() > deadline) {
      const lines = await on.tail(join(dir, proxyFiles.log), 10);
      throw new SlipwayError(
        "LOCAL_PROXY_FAILED",
        withLines(
          `the proxy did not take revision ${routes.revision} within ${timeoutMs} ms (it serves ${lastAck ? `revision ${lastAck.revision}` : "nothing yet"})`,
          lines,
        ),
        { hint: `See ${join(dir, proxyFiles.log)}.` },
      );
    }
    await new Promise((done) => setTimeout(done, 20));
  }
}

/**
 * Waits until no request is in flight on revisions older than the served one (or `timeoutMs`
 * passes: a websocket may stay open for ever). Returns whether it drained and what is left.
 */
export async function waitForDrain(
  stateDir: string,
  options: { timeoutMs: number; on?: Host },
): Promise<{ drained: boolean; inFlight: number }> {
  const on = options.on ?? localHost;
  const dir = resolve(stateDir);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const ack = await readAck(dir, on);
    if (ack === undefined || ack.draining === 0 || !(await proxyRunning(dir, on))) return { drained: true, inFlight: 0 };
    if (Date.now() > deadline) return { drained: false, inFlight: ack.draining };
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** What routes.ack says, when there is one. */
export async function readAck(stateDir: string, on: Host = localHost): Promise<ProxyAck | undefined> {
  const text = await on.readText(join(resolve(stateDir), proxyFiles.ack));
  return text === undefined ? undefined : parseAck(text);
}

/** The routes last handed to the proxy (routes.json), when there are any. */
export async function readRoutes(stateDir: string, on: Host = localHost): Promise<ProxyRoutes | undefined> {
  const text = await on.readText(join(resolve(stateDir), proxyFiles.routes));
  if (text === undefined) return undefined;
  const parsed = parseRoutes(text);
  return "routes" in parsed ? parsed.routes : undefined;
}

/** The revision the running proxy serves; undefined when no proxy runs. */
export async function readServedRevision(stateDir: string, on: Host = localHost): Promise<number | undefined> {
  const dir = resolve(stateDir);
  if (!(await proxyRunning(dir, on))) return undefined;
  return (await readAck(dir, on))?.revision;
}

/** The proxy daemon's pid when it runs. */
export async function proxyPid(stateDir: string, on: Host = localHost): Promise<number | undefined> {
  const recorded = await readPid(on, join(resolve(stateDir), proxyFiles.pid));
  return recorded && (await on.isAlive(recorded)) ? recorded.pid : undefined;
}

async function proxyRunning(dir: string, on: Host): Promise<boolean> {
  return (await proxyPid(dir, on)) !== undefined;
}

/** Stops the proxy daemon (it finishes requests in flight first). Returns whether it was running. */
export async function stopProxy(stateDir: string, options: { graceMs?: number; on?: Host } = {}): Promise<boolean> {
  const on = options.on ?? localHost;
  const recorded = await readPid(on, join(resolve(stateDir), proxyFiles.pid));
  if (!recorded || !(await on.isAlive(recorded))) return false;
  await on.stop(recorded, { graceMs: options.graceMs ?? 15_000 });
  return true;
}

/** The pid file's pid and start time; undefined when there is none (or it is unreadable as one). */
async function readPid(on: Host, path: string): Promise<{ pid: number; startTime?: string } | undefined> {
  const text = await on.readText(path).catch(() => undefined);
  return text === undefined ? undefined : parsePidFile(text);
}
