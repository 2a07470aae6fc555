import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, open, readdir, readFile } from "node:fs/promises";
import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { connect, createServer } from "node:net";
import { dirname } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { SlipwayError } from "../errors/slipway-error.js";
import { describeFsError } from "./files.js";
import type { DetachedProcess, ProcessExit, SpawnRequest } from "./process-types.js";
import { writeFileAtomic } from "./state-files.js";

/** A detached process started by this slipway process: its exit is observable while slipway runs. */
export interface SpawnedProcess extends DetachedProcess {
  /** Settles when the process exits (never rejects). Only this slipway process can observe it. */
  readonly exited: Promise<ProcessExit>;
  /** The exit, once it happened; undefined while the process runs. */
  exit(): ProcessExit | undefined;
}

/**
 * Starts `command` detached: its own session and process group, stdin from /dev/null, stdout and
 * stderr appended to `logFile`, not waited for. It keeps running when slipway exits or is killed.
 * Throws LOCAL_PROCESS_START_FAILED when the program cannot be started (not found, not executable).
 */
export async function spawnDetached(request: SpawnRequest): Promise<SpawnedProcess> {
  const [program, ...args] = request.command;
  if (program === undefined) throw new SlipwayError("INTERNAL", "spawnDetached: empty command");
  await mkdir(dirname(request.logFile), { recursive: true });
  const log = await open(request.logFile, "a", 0o640);
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      cwd: request.cwd,
      env: { ...request.env },
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
      ...(request.runAs ? { uid: request.runAs.uid, gid: request.runAs.gid } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (error) {
    throw startFailed(request.command, request.cwd, error);
  } finally {
    await log.close();
  }
  // An error after a successful spawn (a failed kill, say) must not crash slipway.
  child.on("error", () => {});
  const pid = child.pid;
  if (pid === undefined) throw startFailed(request.command, request.cwd, new Error("no pid"));
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  child.unref();
  const startTime = processStartTime(pid);
  const spawned: SpawnedProcess = {
    pid,
    logFile: request.logFile,
    exited,
    exit: () => exit,
    ...(startTime === undefined ? {} : { startTime }),
  };
  if (request.pidFile) await writePidFile(request.pidFile, spawned);
  return spawned;
}

/** Writes `pid` (and the start time on a second line) atomically. */
export async function writePidFile(path: string, process: { pid: number; startTime?: string }): Promise<void> {
  await writeFileAtomic(path, formatPidFile(process));
}

/** A pid file's text: the pid, and the start time on a second line when known. */
export function formatPidFile(process: { pid: number; startTime?: string | undefined }): string {
  return process.startTime === undefined ? `${process.pid}\n` : `${process.pid}\n${process.startTime}\n`;
}

/** A pid file's pid and start time; undefined when its first line is not a pid. */
export function parsePidFile(text: string): { pid: number; startTime?: string } | undefined {
  const [first, second] = text.split("\n");
  const pid = Number(first?.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const startTime = second?.trim();
  return startTime ? { pid, startTime } : { pid };
}

/** Reads a pid file written by `writePidFile` (or any file whose first line is a pid). */
export async function readPidFile(path: string): Promise<{ pid: number; startTime?: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  return parsePidFile(text);
}

function startFailed(command: readonly string[], cwd: string, error: unknown): SlipwayError {
  const code = (error as { code?: string }).code;
  const program = command[0] ?? "";
  const why =
    code === "ENOENT"
      ? `${program} was not found (or the folder ${cwd} does not exist)`
      : code === "EACCES"
        ? `${program} is not executable (permission denied)`
        : describeFsError(error);
  return new SlipwayError("LOCAL_PROCESS_START_FAILED", `cannot start \`${command.join(" ")}\`: ${why}`, {
    hint: "Check the command in slipway.yaml and that its program is installed and on PATH.",
    cause: error,
  });
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTime: string;
}

/** Fields of /proc/<pid>/stat; undefined when there is no such process or no /proc. */
function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, , pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

/** The kernel's start time of `pid` (clock ticks since boot), to recognise the same process later. */
export function processStartTime(pid: number): string | undefined {
  return readProcStat(pid)?.startTime;
}

/**
 * Whether `pid` runs (a zombie does not count). With `startTime`, also whether it is still the
 * process that had that start time, not a later one that reuses the pid. Synchronous and cheap.
 */
export function isAlive(pid: number, startTime?: string): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code !== "EPERM") return false;
  }
  const info = readProcStat(pid);
  if (info === undefined) return process.platform !== "linux";
  if (info.state === "Z" || info.state === "X") return false;
  return startTime === undefined || info.startTime === startTime;
}

/**
 * A process as slipway recorded it: its pid and the kernel's start time of that process. A pid alone
 * names whatever process has it now (after a restart or a long uptime, an unrelated one), so slipway
 * signals only identities whose start time still matches; one without a start time is never signalled.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime?: string | undefined;
}

export interface StopOptions {
  /** How long to wait after SIGTERM before SIGKILL. Default 10 000 ms. */
  graceMs?: number;
}

export interface StopResult {
  /** Whether the process was running (and was the recorded one) when asked to stop. */
  wasRunning: boolean;
  /** Whether it had to be killed with SIGKILL after the grace period. */
  forced: boolean;
  /** The exit, when this slipway process started it (a SpawnedProcess); undefined otherwise. */
  exit?: ProcessExit;
}

/**
 * Stops a process: SIGTERM, up to `graceMs` to exit, then SIGKILL. A process that leads its own
 * process group (as `spawnDetached` makes it) is signalled with its whole group, so the children of
 * a wrapper (`npm start`, a shell) stop with it. Nothing is sent unless the pid still has the
 * recorded start time (see `ProcessIdentity`).
 */
export async function stopProcess(target: ProcessIdentity | SpawnedProcess, options: StopOptions = {}): Promise<StopResult> {
  const graceMs = options.graceMs ?? 10_000;
  const exitOf = (): ProcessExit | undefined => ("exit" in target ? target.exit() : undefined);
  const first = signalProcess(target, "SIGTERM");
  if (first === "not-ours") return withExit({ wasRunning: false, forced: false }, exitOf());
  const group = first === "sent-group";
  const gone = async (): Promise<boolean> => {
    if (isAlive(target.pid, target.startTime)) return false;
    if (!group) return true;
    try {
      process.kill(-target.pid, 0);
    } catch {
      return true;
    }
    // The leader is gone but its group still has members (zombies do not count).
    return !(await groupHasLiveMembers(target.pid));
  };
  if (await pollUntil(gone, graceMs)) return withExit({ wasRunning: true, forced: false }, await settledExit(target));
  signalProcess(target, "SIGKILL", { group });
  await pollUntil(gone, 10_000);
  return withExit({ wasRunning: true, forced: true }, await settledExit(target));
}

type SignalOutcome = "sent" | "sent-group" | "not-ours";

/**
 * The one place slipway sends a signal to a process it started. It reads /proc/<pid>/stat first and
 * sends only when the pid still has the recorded start time (a pid reused by an unrelated process,
 * even one of root's, is left alone). A leader that started its own process group is signalled with
 * the group. With `group` (a stop in progress whose leader exited), the leftover group members are
 * signalled while no other process has taken the leader's pid: Linux keeps a pid number allocated while
 * a process group of that id has members, so members of group `pid` are then still the leader's.
 */
function signalProcess(identity: ProcessIdentity, name: NodeJS.Signals, options: { group?: boolean } = {}): SignalOutcome {
  const { pid, startTime } = identity;
  // pid 0 (or -0) would signal slipway's own process group, 1 is init; no start time, no proof.
  if (!Number.isSafeInteger(pid) || pid <= 1 || startTime === undefined) return "not-ours";
  const info = readProcStat(pid);
  const leaderRuns = info !== undefined && info.startTime === startTime && info.state !== "Z" && info.state !== "X";
  let destination: number;
  if (leaderRuns) destination = info.pgrp === pid ? -pid : pid;
  else if (options.group && (info === undefined || info.startTime === startTime)) destination = -pid;
  else return "not-ours";
  try {
    process.kill(destination, name);
  } catch {
    return "not-ours";
  }
  return destination < 0 ? "sent-group" : "sent";
}

function withExit(result: StopResult, exit: ProcessExit | undefined): StopResult {
  return exit === undefined ? result : { ...result, exit };
}

async function settledExit(target: ProcessIdentity | SpawnedProcess): Promise<ProcessExit | undefined> {
  if (!("exited" in target)) return undefined;
  // The exit event follows the process's end by a moment; wait for it briefly.
  return await Promise.race([target.exited, sleep(1_000).then(() => target.exit())]);
}

async function groupHasLiveMembers(pgid: number): Promise<boolean> {
  // Scans /proc: only reached once the leader is gone, to find children it left in its group.
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcStat(Number(entry));
    if (info && info.pgrp === pgid && info.state !== "Z" && info.state !== "X") return true;
  }
  return false;
}

async function pollUntil(condition: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port on 127.0.0.1 that is free right now (the OS picks it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("the OS gave no port"))));
    });
  });
}

/** Whether something accepts TCP connections on host:port. */
export function isPortOpen(port: number, host = "127.0.0.1", timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export type PortWait = { ok: true } | { ok: false; reason: "exited" | "timeout"; exitCode?: number | null; signal?: string | null };

export interface WaitForPortOptions {
  timeoutMs: number;
  /** Whether the process that should open the port still runs; checked before every attempt. */
  isAlive?: () => boolean | Promise<boolean>;
  /** The process that should open the port, when this slipway process started it: adds its exit code. */
  process?: SpawnedProcess;
  host?: string;
  intervalMs?: number;
}

/**
 * Waits until host:port accepts connections. Fails fast: when the process that should open the port
 * is gone (`isAlive` / `process`), it returns `exited` at once instead of waiting out the timeout.
 */
export async function waitForPort(port: number, options: WaitForPortOptions): Promise<PortWait> {
  const deadline = Date.now() + options.timeoutMs;
  const host = options.host ?? "127.0.0.1";
  const exited = async (): Promise<PortWait | undefined> => {
    const exit = options.process?.exit();
    if (exit !== undefined) return { ok: false, reason: "exited", exitCode: exit.code, signal: exit.signal };
    if (options.isAlive && !(await options.isAlive())) return { ok: false, reason: "exited" };
    return undefined;
  };
  for (;;) {
    const gone = await exited();
    if (gone) return gone;
    if (await isPortOpen(port, host, Math.max(50, Math.min(1_000, deadline - Date.now())))) return { ok: true };
    if (Date.now() >= deadline) return (await exited()) ?? { ok: false, reason: "timeout" };
    await sleep(Math.min(options.intervalMs ?? 100, Math.max(1, deadline - Date.now())));
  }
}

export type HttpProbeError = "refused" | "timeout" | "reset" | "failed";

/** `ok`: an HTTP answer came back (any status; check `status`). Otherwise why there was none. */
export type HttpProbeResult =
  | { ok: true; status: number; body: string; headers: Readonly<Record<string, string>> }
  | { ok: false; error: HttpProbeError; message: string };

const probeBodyBytes = 2048;

/**
 * One GET to `url` on a fresh connection with a total deadline; the body is cut at 2 KB. Never
 * throws: connection problems come back classified (refused, timeout, reset, failed).
 */
export function httpProbe(url: string, timeoutMs: number, headers: Readonly<Record<string, string>> = {}): Promise<HttpProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let request: ClientRequest | undefined;
    const finish = (result: HttpProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: "timeout", message: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (): void => {
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        finish({
          ok: true,
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).subarray(0, probeBodyBytes).toString("utf8"),
          headers: responseHeaders,
        });
      };
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= probeBodyBytes) answer();
      });
      response.on("end", answer);
      response.on("error", answer);
    };
    try {
      request = httpRequest(url, { method: "GET", agent: false, headers: { ...headers, connection: "close" } }, onResponse);
    } catch (error) {
      // node refuses some requests before any I/O (a line break in a header value, a malformed URL).
      finish({ ok: false, error: "failed", message: error instanceof Error ? error.message : String(error) });
      return;
    }
    request.on("error", (error) => finish({ ok: false, ...classifyConnectionError(error) }));
    request.end();
  });
}

/** Maps a socket error to refused / timeout / reset / failed. */
export function classifyConnectionError(error: unknown): { error: HttpProbeError; message: string } {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "ECONNREFUSED":
      return { error: "refused", message: "connection refused" };
    case "ETIMEDOUT":
      return { error: "timeout", message };
    case "ECONNRESET":
    case "EPIPE":
      return { error: "reset", message: "connection reset by the server" };
    default:
      return message === "socket hang up"
        ? { error: "reset", message: "connection closed before an answer" }
        : { error: "failed", message };
  }
}

/** The last `lines` lines of a text file (reads at most the last 256 KB); [] when there is no file. */
export async function tailFile(path: string, lines = 50): Promise<string[]> {
  const maxBytes = 256 * 1024;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const all = buffer.toString("utf8").split("\n");
    // A cut-off first line is dropped unless the file was read from its start.
    if (size > length) all.shift();
    if (all.at(-1) === "") all.pop();
    return all.slice(-lines).map((line) => line.replace(/\r$/, ""));
  } finally {
    await handle.close();
  }
}

export interface RunCommandRequest {
  command: readonly string[];
  cwd: string;
  /** The complete environment of the command: nothing is inherited. */
  env: Readonly<Record<string, string>>;
  /** The command is stopped (SIGTERM, then SIGKILL after 5 s) when it runs longer; beyond 2^31-1 ms (24.8 days), never. */
  timeoutMs: number;
  /** Called with every line of output as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Output is also appended here when given. */
  logFile?: string;
  /** Text written to the command's stdin (then closed); stdin is empty otherwise. */
  input?: string;
  /** How many of the last lines to return. Default 50. */
  lastLineCount?: number;
  runAs?: { uid: number; gid: number };
  /** Aborting stops the command like a timeout does. */
  signal?: AbortSignal;
}

export interface RunCommandResult {
  exitCode: number | null;
  signal: string | null;
  /** Whether the command was stopped because it ran past `timeoutMs`. */
  timedOut: boolean;
  /** The last lines of stdout and stderr, interleaved as they arrived. */
  lastLines: string[];
}

const maxLineLength = 8 * 1024;

/** The longest delay `setTimeout` honours. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Runs a command to completion, streaming its output line by line (migrations, pg_ctl, the mysql
 * client). The command gets its own process group so a timeout stops its children too.
 * Throws LOCAL_PROCESS_START_FAILED when it cannot be started; a non-zero exit is a result, not an error.
 */
export async function runCommand(request: RunCommandRequest): Promise<RunCommandResult> {
  const [program, ...args] = request.command;
  if (program === undefined) throw new SlipwayError("INTERNAL", "runCommand: empty command");
  const keep = request.lastLineCount ?? 50;
  const lastLines: string[] = [];
  const log = request.logFile === undefined ? undefined : await openLog(request.logFile);
  const child = spawn(program, args, {
    cwd: request.cwd,
    env: { ...request.env },
    detached: true,
    stdio: [request.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(request.runAs ? { uid: request.runAs.uid, gid: request.runAs.gid } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (error) {
    log?.end();
    throw startFailed(request.command, request.cwd, error);
  }
  child.on("error", () => {});
  if (request.input !== undefined && child.stdin) {
    child.stdin.on("error", () => {});
    child.stdin.end(request.input);
  }

  const emit = (line: string, stream: "stdout" | "stderr"): void => {
    const cut = line.length > maxLineLength ? `${line.slice(0, maxLineLength)}…` : line;
    lastLines.push(cut);
    if (lastLines.length > keep) lastLines.shift();
    request.onLine?.(cut, stream);
  };
  const follow = (source: NodeJS.ReadableStream | null, stream: "stdout" | "stderr"): Promise<void> =>
    new Promise((resolve) => {
      if (source === null) return resolve();
      const decoder = new StringDecoder("utf8");
      let pending = "";
      source.on("data", (chunk: Buffer) => {
        log?.write(chunk);
        pending += decoder.write(chunk);
        let newline = pending.indexOf("\n");
        while (newline >= 0) {
          emit(pending.slice(0, newline).replace(/\r$/, ""), stream);
          pending = pending.slice(newline + 1);
          newline = pending.indexOf("\n");
        }
      });
      source.on("end", () => {
        pending += decoder.end();
        if (pending !== "") emit(pending.replace(/\r$/, ""), stream);
        resolve();
      });
      source.on("error", () => resolve());
    });

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const identity: ProcessIdentity = { pid: child.pid ?? 0, startTime: processStartTime(child.pid ?? 0) };
  const stop = (): void => {
    if (killTimer !== undefined || child.exitCode !== null || child.signalCode !== null) return;
    signalProcess(identity, "SIGTERM");
    killTimer = setTimeout(() => signalProcess(identity, "SIGKILL", { group: true }), 5_000);
  };
  // A timer cannot wait longer than 2^31-1 ms (about 24.8 days): Node fires a longer one after 1 ms
  // (`logs --follow` asked for a year and was stopped at once). Longer means no limit.
  const timer =
    request.timeoutMs > maxTimerMs
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stop();
        }, request.timeoutMs);
  request.signal?.addEventListener("abort", stop, { once: true });
  if (request.signal?.aborted) stop();

  const exit = new Promise<ProcessExit>((resolve) => child.once("exit", (code, sig) => resolve({ code, signal: sig })));
  const streams = Promise.all([follow(child.stdout, "stdout"), follow(child.stderr, "stderr")]);
  const result = await exit;
  // A background process the command left behind may hold its output open: stop reading soon after exit.
  const drained = await Promise.race([streams.then(() => true), sleep(2_000).then(() => false)]);
  if (!drained) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  clearTimeout(timer);
  if (killTimer !== undefined) clearTimeout(killTimer);
  request.signal?.removeEventListener("abort", stop);
  if (log) await new Promise<void>((resolve) => log.end(resolve));
  return { exitCode: result.code, signal: result.signal, timedOut, lastLines };
}

async function openLog(path: string): Promise<ReturnType<typeof createWriteStream>> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: "a", mode: 0o640 });
  stream.on("error", () => {});
  return stream;
}
