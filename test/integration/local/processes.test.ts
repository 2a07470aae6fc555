/**
 * src/effects/processes.ts with real processes: detached processes outlive their parent, stops reach
 * whole process groups, commands stream their output, and waits fail fast when a process dies.
 */
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  httpProbe,
  isAlive,
  processStartTime,
  readPidFile,
  runCommand,
  spawnDetached,
  stopProcess,
  tailFile,
  waitForPort,
} from "../../../src/effects/processes.js";
import { SlipwayError } from "../../../src/errors/slipway-error.js";
import { bundleScript, Cleanups, childEnv, eventually, tempDir } from "./helpers.js";

const cleanups = new Cleanups();
let dir = "";
let spawnAndExit = "";

/** Stops a pid at cleanup whatever the test did (the process that has it now, read at once). */
function stopLater(pid: number): void {
  const identity = { pid, startTime: processStartTime(pid) };
  cleanups.add(() => stopProcess(identity, { graceMs: 2_000 }));
}

beforeAll(async () => {
  dir = await tempDir(cleanups, "processes");
  spawnAndExit = await bundleScript(cleanups, "test/integration/local/fixtures/spawn-and-exit.ts");
});

afterAll(async () => {
  await cleanups.run();
});

describe("spawnDetached", () => {
  it("starts a process that outlives the process that started it", async () => {
    const port = await freePort();
    const logFile = join(dir, "survivor.log");
    const pidFile = join(dir, "survivor.pid");
    const parent = await runCommand({
      command: [process.execPath, spawnAndExit, logFile, pidFile, String(port)],
      cwd: dir,
      env: childEnv(),
      timeoutMs: 30_000,
    });
    expect(parent.exitCode).toBe(0);
    const started = JSON.parse(parent.lastLines.at(-1) ?? "{}") as { pid: number; startTime?: string };
    stopLater(started.pid);

    // The parent has exited; its child still runs and serves.
    expect(isAlive(started.pid, started.startTime)).toBe(true);
    expect(await waitForPort(port, { timeoutMs: 30_000, isAlive: () => isAlive(started.pid) })).toEqual({ ok: true });
    const probe = await httpProbe(`http://127.0.0.1:${port}/`, 5_000);
    expect(probe).toMatchObject({ ok: true, status: 200, body: `alive ${started.pid}` });
    expect(await readPidFile(pidFile)).toEqual({ pid: started.pid, ...(started.startTime ? { startTime: started.startTime } : {}) });
    expect(await readFile(logFile, "utf8")).toContain(`listening on ${port}`);

    // Its own session: not in the test runner's process group or session.
    const stat = (await readFile(`/proc/${started.pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
    expect(Number(stat[2])).toBe(started.pid); // process group
    expect(Number(stat[3])).toBe(started.pid); // session

    const stopped = await stopProcess(started, { graceMs: 10_000 });
    expect(stopped).toMatchObject({ wasRunning: true, forced: false });
    expect(isAlive(started.pid)).toBe(false);
    expect(await tailFile(logFile, 1)).toEqual(["SIGTERM"]);
  });

  it("gives the process exactly the environment asked for and appends its output to the log", async () => {
    const logFile = join(dir, "env.log");
    await writeFile(logFile, "earlier line\n");
    const child = await spawnDetached({
      command: [process.execPath, "-e", "console.log(JSON.stringify(Object.keys(process.env).sort())); console.error('to stderr')"],
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ONLY_THIS: "1" },
      logFile,
    });
    stopLater(child.pid);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const lines = await tailFile(logFile, 10);
    expect(lines[0]).toBe("earlier line");
    expect(lines).toContain(JSON.stringify(["ONLY_THIS", "PATH"]));
    expect(lines).toContain("to stderr");
  });

  it("fails with LOCAL_PROCESS_START_FAILED when the program does not exist", async () => {
    const error = await spawnDetached({
      command: ["/nonexistent/program", "x"],
      cwd: dir,
      env: childEnv(),
      logFile: join(dir, "missing.log"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ code: "LOCAL_PROCESS_START_FAILED" });
    expect((error as SlipwayError).message).toContain("/nonexistent/program was not found");
  });
});

describe("stopProcess", () => {
  it("kills a process that ignores SIGTERM once the grace period is over, and reports its exit", async () => {
    const logFile = join(dir, "stubborn.log");
    const child = await spawnDetached({
      command: [
        process.execPath,
        "-e",
        "process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000)",
      ],
      cwd: dir,
      env: childEnv(),
      logFile,
    });
    stopLater(child.pid);
    await eventually("the process to install its handler", async () => (await tailFile(logFile, 1))[0] === "ready");
    const result = await stopProcess(child, { graceMs: 300 });
    expect(result).toEqual({ wasRunning: true, forced: true, exit: { code: null, signal: "SIGKILL" } });
    expect(await tailFile(logFile, 1)).toEqual(["ignored"]);
    expect(isAlive(child.pid)).toBe(false);
  });

  it("stops the children a wrapper started (the whole process group)", async () => {
    const logFile = join(dir, "wrapper.log");
    const child = await spawnDetached({
      command: ["sh", "-c", `"${process.execPath}" -e "console.log('grandchild ' + process.pid); setInterval(() => {}, 1000)" & wait`],
      cwd: dir,
      env: childEnv(),
      logFile,
    });
    stopLater(child.pid);
    let grandchild = 0;
    await eventually("the grandchild to start", async () => {
      const line = (await tailFile(logFile, 5)).find((l) => l.startsWith("grandchild "));
      grandchild = Number(line?.split(" ")[1] ?? 0);
      return grandchild > 0;
    });
    stopLater(grandchild);
    expect(isAlive(grandchild)).toBe(true);
    const result = await stopProcess({ pid: child.pid, startTime: child.startTime }, { graceMs: 10_000 });
    expect(result.wasRunning).toBe(true);
    expect(isAlive(child.pid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
  });

  it("leaves a process alone when its start time says it is not the one recorded (a reused pid)", async () => {
    const child = await spawnDetached({
      command: [process.execPath, "-e", "setInterval(() => {}, 1000)"],
      cwd: dir,
      env: childEnv(),
      logFile: join(dir, "reuse.log"),
    });
    stopLater(child.pid);
    expect(isAlive(child.pid, "1")).toBe(false);
    expect(await stopProcess({ pid: child.pid, startTime: "1" })).toEqual({ wasRunning: false, forced: false });
    expect(isAlive(child.pid, child.startTime)).toBe(true);
    // A pid with no start time to check it by is never signalled.
    expect(await stopProcess({ pid: child.pid })).toEqual({ wasRunning: false, forced: false });
    expect(isAlive(child.pid, child.startTime)).toBe(true);
    expect(await stopProcess(child, { graceMs: 10_000 })).toMatchObject({
      wasRunning: true,
      forced: false,
      exit: { code: null, signal: "SIGTERM" },
    });
  });

  it("reports a process that is not running", async () => {
    const child = await spawnDetached({ command: [process.execPath, "-e", ""], cwd: dir, env: childEnv(), logFile: join(dir, "done.log") });
    await child.exited;
    expect(await stopProcess(child)).toEqual({ wasRunning: false, forced: false, exit: { code: 0, signal: null } });
  });
});

describe("runCommand", () => {
  it("streams lines as they come, from stdout and stderr, and returns the exit code and last lines", async () => {
    const seen: string[] = [];
    const logFile = join(dir, "migrate.log");
    const script =
      "for (let i = 1; i <= 60; i++) console.log('migration ' + i); console.error('warning: last'); process.stdout.write('no newline'); process.exitCode = 3";
    const result = await runCommand({
      command: [process.execPath, "-e", script],
      cwd: dir,
      env: childEnv(),
      timeoutMs: 30_000,
      logFile,
      lastLineCount: 5,
      onLine: (line, stream) => seen.push(`${stream}: ${line}`),
    });
    expect(result.exitCode).toBe(3);
    expect(result.signal).toBeNull();
    expect(result.timedOut).toBe(false);
    expect(seen.filter((l) => l.startsWith("stdout: migration "))).toEqual(
      Array.from({ length: 60 }, (_, i) => `stdout: migration ${i + 1}`),
    );
    expect(seen).toContain("stderr: warning: last");
    expect(seen).toContain("stdout: no newline");
    expect(result.lastLines).toHaveLength(5);
    expect(result.lastLines).toContain("no newline");
    expect(await readFile(logFile, "utf8")).toContain("migration 60\n");
  });

  it("passes stdin, and stops a command that runs past its timeout", async () => {
    const echoed = await runCommand({
      command: [process.execPath, "-e", "process.stdin.pipe(process.stdout)"],
      cwd: dir,
      env: childEnv(),
      timeoutMs: 30_000,
      input: "line one\nline two\n",
    });
    expect(echoed).toMatchObject({ exitCode: 0, lastLines: ["line one", "line two"] });

    const slow = await runCommand({
      command: [process.execPath, "-e", "console.log('started'); setInterval(() => {}, 1000)"],
      cwd: dir,
      env: childEnv(),
      timeoutMs: 500,
    });
    expect(slow).toMatchObject({ exitCode: null, signal: "SIGTERM", timedOut: true, lastLines: ["started"] });
  });

  it("lets a command with a timeout longer than a timer can hold run (a year: `logs --follow`), instead of stopping it at once", async () => {
    const started = Date.now();
    const long = await runCommand({
      command: [process.execPath, "-e", "setTimeout(() => console.log('still here'), 1500)"],
      cwd: dir,
      env: childEnv(),
      timeoutMs: 365 * 24 * 3600_000,
    });
    expect(long).toMatchObject({ exitCode: 0, timedOut: false, lastLines: ["still here"] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it("fails with LOCAL_PROCESS_START_FAILED when the command cannot start", async () => {
    await expect(runCommand({ command: ["no-such-command-slipway"], cwd: dir, env: childEnv(), timeoutMs: 5_000 })).rejects.toMatchObject({
      code: "LOCAL_PROCESS_START_FAILED",
    });
  });
});

describe("waitForPort", () => {
  // The waits below allow 10 minutes; the tests' own 20 s limit proves they return long before.
  it("fails fast with the exit code when the process exits before opening its port", { timeout: 20_000 }, async () => {
    const port = await freePort();
    const child = await spawnDetached({
      command: [process.execPath, "-e", "process.exit(7)"],
      cwd: dir,
      env: childEnv(),
      logFile: join(dir, "exit7.log"),
    });
    expect(await waitForPort(port, { timeoutMs: 600_000, process: child })).toEqual({
      ok: false,
      reason: "exited",
      exitCode: 7,
      signal: null,
    });
  });

  it("fails fast through isAlive for a process started elsewhere", { timeout: 20_000 }, async () => {
    const port = await freePort();
    const child = await spawnDetached({
      command: [process.execPath, "-e", "setTimeout(() => process.exit(1), 200)"],
      cwd: dir,
      env: childEnv(),
      logFile: join(dir, "exit1.log"),
    });
    const pid = child.pid;
    expect(await waitForPort(port, { timeoutMs: 600_000, isAlive: () => isAlive(pid) })).toEqual({ ok: false, reason: "exited" });
  });

  it("times out when nothing opens the port, and succeeds once something does", async () => {
    const port = await freePort();
    expect(await waitForPort(port, { timeoutMs: 200 })).toEqual({ ok: false, reason: "timeout" });
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    cleanups.add(() => new Promise((resolve) => server.close(resolve)));
    expect(await waitForPort(port, { timeoutMs: 10_000 })).toEqual({ ok: true });
  });
});

describe("httpProbe", () => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/big") res.end("x".repeat(10_000));
      else if (req.url === "/hang")
        return; // never answers
      else if (req.url === "/reset") req.socket.destroy();
      else res.writeHead(503, { "x-test": "yes" }).end("not ready");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
    cleanups.add(() => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    });
  });

  it("returns any status with the body (cut at 2 KB) and headers", async () => {
    expect(await httpProbe(`http://127.0.0.1:${port}/`, 5_000)).toMatchObject({
      ok: true,
      status: 503,
      body: "not ready",
      headers: { "x-test": "yes" },
    });
    const big = await httpProbe(`http://127.0.0.1:${port}/big`, 5_000);
    expect(big.ok && big.body.length).toBe(2048);
  });

  it("classifies refused, reset and timed-out connections", async () => {
    const closed = await freePort();
    expect(await httpProbe(`http://127.0.0.1:${closed}/`, 5_000)).toMatchObject({ ok: false, error: "refused" });
    expect(await httpProbe(`http://127.0.0.1:${port}/reset`, 5_000)).toMatchObject({ ok: false, error: "reset" });
    expect(await httpProbe(`http://127.0.0.1:${port}/hang`, 200)).toMatchObject({ ok: false, error: "timeout" });
  });
});

describe("tailFile and freePort", () => {
  it("returns the last lines of a file, and nothing for a missing one", async () => {
    const file = join(dir, "tail.txt");
    await writeFile(file, `${Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join("\n")}\n`);
    expect(await tailFile(file, 3)).toEqual(["line 998", "line 999", "line 1000"]);
    expect(await tailFile(join(dir, "none.txt"), 3)).toEqual([]);
  });

  it("finds ports that can be listened on", async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    for (const port of [a, b]) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
