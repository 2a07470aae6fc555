/**
 * The local target's reverse proxy as a real daemon (src/targets/local/proxy-main.ts bundled, started
 * with ensureProxy): route switches under load lose no request, the old upstream finishes what it
 * has in flight, and the failure cases answer clearly.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpProbe, isAlive, processStartTime, stopProcess } from "../../../src/effects/processes.js";
import {
  ensureProxy,
  proxyPid,
  readAck,
  readServedRevision,
  setRoutes,
  stopProxy,
  waitForDrain,
} from "../../../src/targets/local/proxy-control.js";
import { bundleScript, Cleanups, childEnv, eventually, repoRoot, tempDir } from "./helpers.js";

const cleanups = new Cleanups();
const host = "127.0.0.1";
let stateDir = "";
let port = 0;
let entry: readonly string[] = [];

/** A small upstream: answers its name, counts requests, holds /slow until released. */
interface Upstream {
  name: string;
  port: number;
  served: number;
  slowWaiting: number;
  releaseSlow(): void;
  close(): Promise<void>;
}

async function startUpstream(name: string): Promise<Upstream> {
  let release: () => void = () => {};
  let released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const upstream: Upstream = {
    name,
    port: 0,
    served: 0,
    slowWaiting: 0,
    releaseSlow: () => {
      release();
      released = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    upstream.served++;
    if (req.url === "/slow") {
      upstream.slowWaiting++;
      await released;
      upstream.slowWaiting--;
      res.end(`${name} slow`);
      return;
    }
    res.end(name);
  });
  server.on("upgrade", (_req: IncomingMessage, socket: Socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n");
    socket.on("data", (data) => socket.write(`${name}:${data.toString()}`));
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  upstream.port = (server.address() as { port: number }).port;
  let closed = false;
  upstream.close = () => {
    if (closed) return Promise.resolve();
    closed = true;
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  };
  cleanups.add(() => {
    upstream.releaseSlow();
    for (const socket of sockets) socket.destroy();
    return upstream.close();
  });
  return upstream;
}

const routesTo = (revision: number, ...upstreams: Upstream[]) => ({ revision, upstreams: upstreams.map((u) => ({ host, port: u.port })) });

/** Runs autocannon (a real load generator, its own process) against the proxy until `stop` is called. */
function startLoad(url: string): { stop: () => Promise<{ errors: number; timeouts: number; non2xx: number; total: number }> } {
  const child = spawn(process.execPath, [join(repoRoot, "test/integration/local/fixtures/load.mjs"), url, "16"], {
    cwd: repoRoot,
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const identity = { pid: child.pid ?? 0, startTime: processStartTime(child.pid ?? 0) };
  cleanups.add(() => (child.exitCode === null && child.signalCode === null ? stopProcess(identity, { graceMs: 2_000 }) : undefined));
  return {
    stop: async () => {
      child.kill("SIGINT");
      await exited;
      try {
        return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
      } catch {
        throw new Error(`autocannon printed no result:\n${stdout}\n${stderr}`);
      }
    },
  };
}

beforeAll(async () => {
  stateDir = join(await tempDir(cleanups, "proxy"), "proxy");
  port = await freePort();
  entry = [process.execPath, await bundleScript(cleanups, "src/targets/local/proxy-main.ts")];
  // Registered after the bundle's removal, so the daemon stops before its script goes.
  cleanups.add(() => stopProxy(stateDir, { graceMs: 5_000 }));
}, 60_000);

afterAll(async () => {
  await cleanups.run();
}, 120_000);

describe("the local proxy", () => {
  it("starts detached once; a second ensureProxy finds it running", async () => {
    const first = await ensureProxy({ stateDir, host, port, entry });
    expect(first.started).toBe(true);
    expect(isAlive(first.pid)).toBe(true);
    expect(await ensureProxy({ stateDir, host, port, entry })).toEqual({ pid: first.pid, started: false });
    expect(await proxyPid(stateDir)).toBe(first.pid);
    expect(await readFile(join(stateDir, "proxy.pid"), "utf8")).toMatch(new RegExp(`^${first.pid}\\n`));
  });

  it("answers 502 with a short text while there is no upstream", async () => {
    const probe = await httpProbe(`http://${host}:${port}/`, 5_000);
    expect(probe).toMatchObject({ ok: true, status: 502, headers: { "x-slipway-revision": "0" } });
    expect(probe.ok && probe.body).toContain("no release is serving");
  });

  it("takes routes, acknowledges them, and spreads requests round-robin", async () => {
    const a = await startUpstream("A");
    const b = await startUpstream("B");
    const ack = await setRoutes(stateDir, routesTo(1, a, b), { timeoutMs: 10_000 });
    expect(ack).toMatchObject({ revision: 1, draining: 0 });
    expect(await readServedRevision(stateDir)).toBe(1);
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++) {
      const probe = await httpProbe(`http://${host}:${port}/`, 5_000);
      expect(probe).toMatchObject({ ok: true, status: 200, headers: { "x-slipway-revision": "1" } });
      if (probe.ok) bodies.push(probe.body);
    }
    expect(bodies.filter((body) => body === "A")).toHaveLength(3);
    expect(bodies.filter((body) => body === "B")).toHaveLength(3);
  });

  it("answers 502 when the upstream refuses, and sends requests to one that answers when there is one", async () => {
    const gone = await freePort();
    await setRoutes(stateDir, { revision: 2, upstreams: [{ host, port: gone }] });
    const probe = await httpProbe(`http://${host}:${port}/`, 5_000);
    expect(probe).toMatchObject({ ok: true, status: 502, headers: { "x-slipway-revision": "2" } });
    expect(probe.ok && probe.body).toContain(`upstream 127.0.0.1:${gone} refused the connection`);
    expect(await readFile(join(stateDir, "proxy.log"), "utf8")).toMatch(new RegExp(`upstream 127.0.0.1:${gone}: ECONNREFUSED`));

    const c = await startUpstream("C");
    await setRoutes(stateDir, {
      revision: 3,
      upstreams: [
        { host, port: gone },
        { host, port: c.port },
      ],
    });
    for (let i = 0; i < 4; i++)
      expect(await httpProbe(`http://${host}:${port}/`, 5_000)).toMatchObject({ ok: true, status: 200, body: "C" });
  });

  it("switches between two upstreams under load with zero failed requests", async () => {
    const a = await startUpstream("A");
    const b = await startUpstream("B");
    let revision = 10;
    await setRoutes(stateDir, routesTo(revision, a));
    const load = startLoad(`http://${host}:${port}/`);
    try {
      for (let i = 0; i < 8; i++) {
        const to = i % 2 === 0 ? b : a;
        const before = to.served;
        revision++;
        await setRoutes(stateDir, routesTo(revision, to), { timeoutMs: 10_000 });
        // Let real traffic flow through the new routes before the next switch.
        await eventually(`traffic on ${to.name}`, () => to.served >= before + 300);
      }
    } finally {
      const result = await load.stop();
      expect(result.total).toBeGreaterThan(2_400);
      expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    }
  });

  it("retires each release after it drains (start new, switch, drain, stop old) with zero failed requests under load", async () => {
    let current = await startUpstream("R0");
    let revision = 20;
    await setRoutes(stateDir, routesTo(revision, current));
    const load = startLoad(`http://${host}:${port}/`);
    try {
      for (let i = 1; i <= 5; i++) {
        const next = await startUpstream(`R${i}`);
        revision++;
        await setRoutes(stateDir, routesTo(revision, next), { timeoutMs: 10_000 });
        expect(await waitForDrain(stateDir, { timeoutMs: 30_000 })).toEqual({ drained: true, inFlight: 0 });
        await current.close();
        await eventually(`traffic on ${next.name}`, () => next.served >= 300);
        current = next;
      }
    } finally {
      const result = await load.stop();
      expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    }
  });

  it("lets a slow request finish on the old upstream while new requests go to the new one", async () => {
    const old = await startUpstream("OLD");
    const fresh = await startUpstream("NEW");
    await setRoutes(stateDir, routesTo(30, old));
    const slow = httpProbe(`http://${host}:${port}/slow`, 60_000);
    await eventually("the slow request to reach the old upstream", () => old.slowWaiting === 1);

    const ack = await setRoutes(stateDir, routesTo(31, fresh));
    expect(ack).toMatchObject({ revision: 31, draining: 1 });
    expect(await httpProbe(`http://${host}:${port}/`, 5_000)).toMatchObject({
      ok: true,
      status: 200,
      body: "NEW",
      headers: { "x-slipway-revision": "31" },
    });
    expect(await waitForDrain(stateDir, { timeoutMs: 100 })).toEqual({ drained: false, inFlight: 1 });

    old.releaseSlow();
    expect(await slow).toMatchObject({ ok: true, status: 200, body: "OLD slow", headers: { "x-slipway-revision": "30" } });
    expect(await waitForDrain(stateDir, { timeoutMs: 10_000 })).toEqual({ drained: true, inFlight: 0 });
    expect(await readAck(stateDir)).toMatchObject({ revision: 31, draining: 0 });
  });

  it("passes websocket upgrades through", async () => {
    const echo = await startUpstream("WS");
    await setRoutes(stateDir, routesTo(40, echo));
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request({ host, port, path: "/socket", headers: { connection: "upgrade", upgrade: "websocket" } });
      req.on("upgrade", (_res, upgraded: Socket) => resolve(upgraded));
      req.on("response", (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
      req.on("error", reject);
      req.end();
    });
    cleanups.add(() => socket.destroy());
    const reply = new Promise<string>((resolve) => socket.once("data", (data: Buffer) => resolve(data.toString())));
    socket.write("hello");
    expect(await reply).toBe("WS:hello");
    socket.destroy();
  });

  it("detects a port held by another program, or by another project's proxy", async () => {
    const blocker = createServer((_req, res) => res.end("someone else"));
    const taken = await freePort();
    await new Promise<void>((resolve) => blocker.listen(taken, host, resolve));
    cleanups.add(() => new Promise((resolve) => blocker.close(resolve)));
    const otherDir = join(await tempDir(cleanups, "proxy-other"), "proxy");
    await expect(ensureProxy({ stateDir: otherDir, host, port: taken, entry })).rejects.toMatchObject({
      code: "LOCAL_PORT_IN_USE",
      message: expect.stringContaining(`port ${taken}`),
    });
    const another = ensureProxy({ stateDir: otherDir, host, port, entry });
    await expect(another).rejects.toMatchObject({ code: "LOCAL_PORT_IN_USE", message: expect.stringContaining("another slipway proxy") });
    expect(await proxyPid(otherDir)).toBeUndefined();
  });

  it("refuses routes at once when no proxy runs, and stops cleanly", { timeout: 30_000 }, async () => {
    const noProxy = join(await tempDir(cleanups, "proxy-none"), "proxy");
    await expect(setRoutes(noProxy, { revision: 1, upstreams: [] }, { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: "LOCAL_PROXY_FAILED",
    });

    const pid = await proxyPid(stateDir);
    expect(await stopProxy(stateDir)).toBe(true);
    expect(isAlive(pid ?? 0)).toBe(false);
    expect(await proxyPid(stateDir)).toBeUndefined();
    expect(await httpProbe(`http://${host}:${port}/`, 5_000)).toMatchObject({ ok: false, error: "refused" });
    expect(await readFile(join(stateDir, "proxy.log"), "utf8")).toContain("stopped");
    expect(await stopProxy(stateDir)).toBe(false);
  });

  it("serves the last routes again when started after a stop", async () => {
    const d = await startUpstream("D");
    await ensureProxy({ stateDir, host, port, entry });
    await setRoutes(stateDir, routesTo(50, d));
    await stopProxy(stateDir);
    const restarted = await ensureProxy({ stateDir, host, port, entry });
    expect(restarted.started).toBe(true);
    expect(await httpProbe(`http://${host}:${port}/`, 5_000)).toMatchObject({
      ok: true,
      status: 200,
      body: "D",
      headers: { "x-slipway-revision": "50" },
    });
  });
});
