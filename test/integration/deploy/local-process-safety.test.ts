import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, finished, get, isGone, type Run, slipway, start, type Workspace, workspace } from "./local-harness.js";

// Ctrl-C, SIGTERM and kill -9 of a deploy at the moments that used to leak processes: while the old
// release drains a request held open, and while a migration runs. Whatever happens, once a deploy
// has finished, the only processes of the workspace's releases that run are the serving release's
// instances, counted by pid from /proc (not from slipway's own records).

/** Pids of live processes whose cwd is in, or whose environment names, the workspace's releases. */
function releaseProcesses(ws: Workspace): number[] {
  const releases = join(ws.dir, ".slipway", "local", "releases");
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let belongs = false;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      belongs = cwd === releases || cwd.startsWith(`${releases}/`);
    } catch {
      // Gone, or not ours to read.
    }
    try {
      belongs ||= readFileSync(`/proc/${pid}/environ`, "latin1").includes(releases);
    } catch {
      // Same.
    }
    if (belongs && !isGone(pid)) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

interface Instance {
  pid: number;
  port: number;
}

async function releases(ws: Workspace): Promise<{ revision: number; outcome: string; runtime: { instances?: Instance[] } }[]> {
  const run = await slipway(ws.dir, ["history", "-e", "local", "--json"]);
  return (run.final?.result?.releases ?? []) as { revision: number; outcome: string; runtime: { instances?: Instance[] } }[];
}

async function servingPids(ws: Workspace): Promise<{ revision: number; pids: number[] }> {
  const status = await slipway(ws.dir, ["status", "-e", "local", "--json"]);
  const result = (status.final?.result ?? {}) as { serving?: number; proxyServes?: number; instances?: Instance[]; lock?: unknown };
  expect(result.serving).toBe(result.proxyServes);
  return { revision: result.serving ?? 0, pids: (result.instances ?? []).map((i) => i.pid).sort((a, b) => a - b) };
}

/** Exactly the serving release's instances run, and they answer through the proxy. */
async function expectOnlyServingRuns(ws: Workspace, revision: number): Promise<void> {
  const status = await slipway(ws.dir, ["status", "-e", "local", "--json"]);
  // The interrupted deploy gave its lock back.
  expect((status.final?.result as { lock?: unknown } | undefined)?.lock ?? undefined).toBeUndefined();
  const serving = await servingPids(ws);
  expect(serving.revision).toBe(revision);
  expect(serving.pids.length).toBeGreaterThan(0);
  // Stopped processes may take a moment to be reaped by whoever is their parent now.
  await eventually("only the serving release's processes", async () =>
    JSON.stringify(releaseProcesses(ws)) === JSON.stringify(serving.pids) ? true : undefined,
  ).catch(() => undefined);
  expect(releaseProcesses(ws)).toEqual(serving.pids);
  const answer = await get(ws.url);
  expect(answer.status).toBe(200);
  expect(answer.revision).toBe(String(revision));
}

/** A request to /slow held open through the proxy (to whichever release serves now) until `release()`. */
function holdRequest(ws: Workspace): { release: () => void } {
  const controller = new AbortController();
  fetch(`${ws.url}slow?ms=120000`, { signal: controller.signal }).catch(() => undefined);
  return { release: () => controller.abort() };
}

/** The local addresses of the TCP sockets `pid` listens on, from /proc/net/tcp and tcp6 (e.g. "127.0.0.1", "::"). */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // Closed meanwhile.
    }
  }
  const addresses: string[] = [];
  for (const table of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/net/${table}`, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      // State 0A is LISTEN.
      if (local === undefined || state !== "0A" || inode === undefined || !inodes.has(inode)) continue;
      addresses.push(decodeAddress(local.split(":")[0] ?? ""));
    }
  }
  return addresses;
}

/** /proc/net's hex address (little-endian 32-bit words) as text: 0100007F → 127.0.0.1. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

type Deploying = ChildProcess & { out: { stdout: string; stderr: string }; closed?: Promise<number | null> };

async function deployUntil(ws: Workspace, phase: string): Promise<Deploying> {
  const child = start(ws.dir, ["deploy", "-e", "local", "--json"]);
  // A deploy that ends (or stalls) before the phase fails here with its output, not as a bare
  // timeout: the run of 92ea320 waited 180 s for "drain" and said nothing about why.
  const tail = () => `\n--- stdout (end) ---\n${child.out.stdout.slice(-4000)}\n--- stderr (end) ---\n${child.out.stderr.slice(-2000)}`;
  try {
    await eventually(
      `phase ${phase}`,
      async () => {
        if (child.out.stdout.includes(`"type":"phase-started","phase":"${phase}"`)) return true;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`the deploy ended (${child.exitCode ?? child.signalCode}) before phase ${phase}`);
        }
        return undefined;
      },
      180_000,
    );
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}${tail()}`);
  }
  return child;
}

describe("a deploy interrupted by SIGINT, SIGTERM or kill -9", () => {
  let ws: Workspace;
  let revision = 0;
  const deploy = async (): Promise<Run> => {
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    revision = Number(run.final?.result?.revision);
    return run;
  };

  beforeAll(async () => {
    ws = await workspace("interrupt");
    // A slow endpoint, so a request can be held open on the old release while the deploy drains it.
    ws.edit("server.js", (t) =>
      t.replace(
        '    case "/health":',
        '    case "/slow":\n      await new Promise((r) => setTimeout(r, Number(new URL(req.url, "http://x").searchParams.get("ms") ?? 1000)));\n      return { status: 200, body: "slow\\n" };\n    case "/health":',
      ),
    );
    await deploy();
  }, 240_000);

  afterAll(async () => {
    await ws?.cleanup();
  }, 120_000);

  // Each test counts revisions from the one serving when it starts. When every test passes this is
  // the count the previous test left; after a failure it keeps that one failure from also failing
  // the tests after it ("expected 5 to be 4").
  beforeEach(async () => {
    if (ws) revision = (await servingPids(ws)).revision;
  }, 60_000);

  it("the instances listen on loopback only (HOST=127.0.0.1), so nothing reaches them around the proxy", async () => {
    const pids = releaseProcesses(ws);
    expect(pids.length).toBeGreaterThan(0);
    const addresses = pids.flatMap(listeningAddresses);
    expect(addresses.length).toBeGreaterThanOrEqual(pids.length);
    for (const address of addresses) expect(["127.0.0.1", "::1"]).toContain(address);
  });

  it("SIGINT while draining a held request: exit 130 with the new release serving and the old one stopped", async () => {
    const held = holdRequest(ws);
    try {
      const child = await deployUntil(ws, "drain");
      child.kill("SIGINT");
      const run = await finished(child);
      expect(run.code, run.stderr + run.stdout).toBe(130);
      expect(run.final?.error).toMatchObject({ code: "DEPLOY_INTERRUPTED", revision: revision + 1, serving: revision + 1 });
      revision++;
      await expectOnlyServingRuns(ws, revision);
      expect((await releases(ws)).find((r) => r.revision === revision)?.outcome).toBe("succeeded");
    } finally {
      held.release();
    }
    await deploy();
    await expectOnlyServingRuns(ws, revision);
  }, 400_000);

  it("kill -9 while draining a held request: the next deploy stops the release that was being drained", async () => {
    const before = await servingPids(ws);
    const held = holdRequest(ws);
    try {
      const child = await deployUntil(ws, "drain");
      child.kill("SIGKILL");
      await finished(child);
      revision++;
      // The killed deploy had switched: the new release serves, the drained one still runs.
      expect((await get(ws.url)).revision).toBe(String(revision));
      for (const pid of before.pids) expect(isGone(pid), `pid ${pid}`).toBe(false);
    } finally {
      held.release();
    }
    const next = await deploy();
    const recovered = next.events.filter((e) => e.type === "recovered").map((e) => String(e.action));
    expect(
      recovered.some((action) => action.includes(`revision ${before.revision},`)),
      recovered.join("\n"),
    ).toBe(true);
    for (const pid of before.pids) expect(isGone(pid), `pid ${pid}`).toBe(true);
    await expectOnlyServingRuns(ws, revision);
  }, 400_000);

  it("Ctrl-C twice while draining exits at once; the new release serves and the next deploy cleans up", async () => {
    const held = holdRequest(ws);
    try {
      const child = await deployUntil(ws, "drain");
      child.kill("SIGINT");
      await eventually("the first Ctrl-C to be taken", async () => (child.out.stdout.includes("Press Ctrl-C again") ? true : undefined));
      child.kill("SIGINT");
      const run = await finished(child);
      expect(run.code).toBe(130);
      revision++;
      expect((await get(ws.url)).revision).toBe(String(revision));
    } finally {
      held.release();
    }
    await deploy();
    await expectOnlyServingRuns(ws, revision);
  }, 400_000);

  it("SIGTERM during a long migration: exit 143, rolled back, the migration stopped, the previous release serving", async () => {
    const serving = revision;
    ws.edit("migrate.js", (t) => `await new Promise((r) => setTimeout(r, 600_000));\n${t}`);
    try {
      const child = await deployUntil(ws, "migrate");
      // The migration runs (its process carries the release's folder).
      await eventually("the migration process", async () =>
        releaseProcesses(ws).length > (await servingPids(ws)).pids.length ? true : undefined,
      );
      // A second deploy waiting for the lock meanwhile: Ctrl-C ends it at once, having started nothing.
      const waiting = start(ws.dir, ["deploy", "-e", "local", "--json"]);
      await eventually("the second deploy to wait for the lock", async () =>
        waiting.out.stdout.includes('"type":"waiting","phase":"lock"') ? true : undefined,
      );
      waiting.kill("SIGINT");
      const gaveUp = await finished(waiting);
      expect(gaveUp.code, gaveUp.stderr + gaveUp.stdout).toBe(130);
      expect(gaveUp.final?.error).toMatchObject({ code: "DEPLOY_INTERRUPTED", revision: 0 });
      child.kill("SIGTERM");
      const run = await finished(child);
      expect(run.code, run.stderr + run.stdout).toBe(143);
      expect(run.final?.error).toMatchObject({ code: "DEPLOY_INTERRUPTED", serving });
      expect(run.events.some((e) => e.type === "rolled-back")).toBe(true);
      const record = (await releases(ws)).find((r) => r.revision === serving + 1);
      expect(record?.outcome).toBe("interrupted");
      await expectOnlyServingRuns(ws, serving);
    } finally {
      ws.edit("migrate.js", (t) => t.replace("await new Promise((r) => setTimeout(r, 600_000));\n", ""));
    }
    await deploy();
    await expectOnlyServingRuns(ws, revision);
  }, 400_000);
});

describe("a deploy killed with kill -9 during a long migration", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace("killed-migration");
    const first = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await ws?.cleanup();
  }, 120_000);

  it("leaves an orphaned migration that no record names; the next deploy finds it by its release folder and stops it", async () => {
    ws.edit("migrate.js", (t) => `await new Promise((r) => setTimeout(r, 600_000));\n${t}`);
    const child = await deployUntil(ws, "migrate");
    const serving = await servingPids(ws);
    await eventually("the migration process", async () => (releaseProcesses(ws).length > serving.pids.length ? true : undefined));
    child.kill("SIGKILL");
    await finished(child);
    const orphans = releaseProcesses(ws).filter((pid) => !serving.pids.includes(pid));
    expect(orphans.length).toBeGreaterThan(0);
    ws.edit("migrate.js", (t) => t.replace("await new Promise((r) => setTimeout(r, 600_000));\n", ""));
    const next = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(next.code, next.stderr + next.stdout).toBe(0);
    for (const pid of orphans) expect(isGone(pid), `pid ${pid}`).toBe(true);
    await expectOnlyServingRuns(ws, Number(next.final?.result?.revision));
  }, 400_000);
});

describe("down", () => {
  let ws: Workspace;
  let sleeper: ChildProcess;
  beforeAll(async () => {
    ws = await workspace("down-recycled");
    sleeper = spawn("sleep", ["600"], { stdio: "ignore" });
  }, 120_000);
  afterAll(async () => {
    sleeper?.kill("SIGKILL");
    await ws?.cleanup();
  }, 120_000);

  it("leaves alone a process that now has a recorded instance's pid but another start time (a recycled pid)", async () => {
    const pid = sleeper.pid ?? 0;
    const history = join(ws.dir, ".slipway", "local", "history");
    mkdirSync(history, { recursive: true });
    const record = (revision: number, instance: Record<string, unknown>) => ({
      revision,
      app: "node-postgres",
      environment: "local",
      target: "local",
      specHash: "sha256:0",
      artifact: { kind: "image", ref: "x" },
      git: undefined,
      who: { user: "u", host: "h", pid: 1 },
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      phases: [],
      outcome: "succeeded",
      failure: undefined,
      secrets: { names: [], hash: "" },
      runtime: { instances: [{ port: 1, logFile: "/dev/null", ...instance }] },
    });
    // One record with a start time that is not the sleep's, one from before start times were recorded.
    writeFileSync(join(history, "000001.json"), JSON.stringify(record(1, { pid, startTime: "1" })));
    writeFileSync(join(history, "000002.json"), JSON.stringify(record(2, { pid })));
    const run = await slipway(ws.dir, ["down", "-e", "local", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.final?.result).toEqual({ stopped: [] });
    await new Promise((r) => setTimeout(r, 500));
    expect(sleeper.exitCode).toBeNull();
    expect(sleeper.signalCode).toBeNull();
    expect(isGone(pid)).toBe(false);
  }, 60_000);
});
