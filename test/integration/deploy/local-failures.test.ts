import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, isGone, slipway, type Workspace, workspace } from "./local-harness.js";

// Failure classes that need the machine arranged first: a port taken by another program, a
// database that cannot start. Both must fail clearly, with nothing left half-started.

function occupy(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.on("error", () => undefined);
      socket.end("not slipway\n");
    }).listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("local deploy failures that the machine causes", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 120_000);

  it("the proxy port is held by another program: port-in-use, and the new processes are stopped", async () => {
    const ws: Workspace = await workspace("port-in-use");
    const squatter = await occupy(ws.port);
    cleanups.push(async () => {
      squatter.close();
      await ws.cleanup();
    });
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(run.code).toBe(1);
    expect(run.final?.error).toMatchObject({ code: "DEPLOY_FAILED", failure: { class: "port-in-use" } });
    expect(String(((run.final?.error ?? { message: "" }) as { message: string }).message)).toContain(String(ws.port));
    const status = await slipway(ws.dir, ["status", "-e", "local", "--json"]);
    expect(((status.final?.result ?? {}) as { serving?: number }).serving).toBeUndefined();
    const history = await slipway(ws.dir, ["history", "-e", "local", "--json"]);
    const [release] = (history.final?.result?.releases ?? []) as { runtime: { instances: { pid: number }[] } }[];
    for (const { pid } of release?.runtime.instances ?? []) expect(isGone(pid), `pid ${pid}`).toBe(true);
  }, 180_000);

  it("the database cannot start (its port is taken): database-unreachable before anything runs", async () => {
    const ws: Workspace = await workspace("db-down");
    const dbPort = await freePort();
    const squatter = await occupy(dbPort);
    cleanups.push(async () => {
      squatter.close();
      await ws.cleanup();
    });
    mkdirSync(join(ws.dir, ".slipway", "local", "postgres"), { recursive: true });
    writeFileSync(join(ws.dir, ".slipway", "local", "postgres", "port"), `${dbPort}\n`);
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(run.code).toBe(1);
    expect(run.final?.error).toMatchObject({ failure: { class: "database-unreachable" } });
    expect(run.events.some((e) => e.type === "phase-started" && e.phase === "start")).toBe(false);
  }, 180_000);

  it("unlock --force removes a lock left by a holder that cannot finish", async () => {
    const ws: Workspace = await workspace("unlock");
    cleanups.push(() => ws.cleanup());
    mkdirSync(join(ws.dir, ".slipway", "local"), { recursive: true });
    const holder = {
      pid: 1,
      host: "another-host",
      user: "ci",
      command: "slipway deploy",
      acquiredAt: new Date().toISOString(),
      heartbeatAt: new Date().toISOString(),
    };
    writeFileSync(join(ws.dir, ".slipway", "local", "lock.json"), JSON.stringify(holder));
    const refused = await slipway(ws.dir, ["deploy", "-e", "local", "--json", "--no-wait"]);
    expect(refused.final?.error).toMatchObject({ code: "DEPLOY_LOCKED" });
    expect(String(((refused.final?.error ?? { message: "" }) as { message: string }).message)).toContain("another-host");
    const withoutForce = await slipway(ws.dir, ["unlock", "-e", "local"]);
    expect(withoutForce.code).toBe(2);
    const unlock = await slipway(ws.dir, ["unlock", "-e", "local", "--force", "--json"]);
    expect(unlock.final?.result).toMatchObject({ removed: { host: "another-host" } });
  }, 60_000);
});
