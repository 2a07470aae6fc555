import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/examples.js";
import { bin, eventually, finished, freePort, get, start, type Workspace, workspace } from "./local-harness.js";

describe("slipway dev", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace("dev");
    // dev runs the app from its own folder, so it needs the app's dependencies there.
    const install = spawnSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: ws.dir,
      encoding: "utf8",
    });
    expect(install.status, install.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await ws?.cleanup();
  }, 120_000);

  it("runs the app with the database and migrations, and restarts it when a file changes", async () => {
    const port = await freePort();
    const dev = start(ws.dir, ["dev", "-e", "local", "--port", String(port)]);
    try {
      const url = `http://127.0.0.1:${port}/`;
      const first = await eventually("the app to answer", async () => {
        const r = await get(url);
        return r.status === 200 ? r : undefined;
      });
      expect(first.body).toContain("Hello from node-postgres 1.0.0");
      expect(dev.out.stderr).toContain("migrate │");
      ws.edit("server.js", (t) => t.replace("Hello from", "Howdy from"));
      const changed = await eventually("the restarted app", async () => {
        const r = await get(url);
        return r.body.includes("Howdy from") ? r : undefined;
      });
      expect(changed.status).toBe(200);
      expect(dev.out.stderr).toContain("server.js changed; restarting");
    } finally {
      dev.kill("SIGINT");
      const run = await finished(dev);
      expect(run.code).toBe(0);
    }
  }, 180_000);
});

describe("slipway dev on an app that writes its own log file (test/apps/node-uploads)", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace("dev-uploads");
    rmSync(ws.dir, { recursive: true, force: true });
    cpSync(join(repoRoot, "test/apps/node-uploads"), ws.dir, { recursive: true });
    const install = spawnSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: ws.dir,
      encoding: "utf8",
    });
    expect(install.status, install.stderr).toBe(0);
    const init = spawnSync(process.execPath, [bin, "init", "--yes"], { cwd: ws.dir, encoding: "utf8" });
    expect(init.status, init.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await ws?.cleanup();
  }, 120_000);

  it("does not restart for logs/app.log, and does restart for a change in src/log/", async () => {
    const port = await freePort();
    const dev = start(ws.dir, ["dev", "-e", "local", "--port", String(port)]);
    try {
      const url = `http://127.0.0.1:${port}/`;
      await eventually("the app to answer", async () => ((await get(url)).status === 200 ? true : undefined));
      // Every request appends a line to logs/app.log.
      for (let i = 0; i < 5; i++) expect((await get(url)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(existsSync(join(ws.dir, "logs/app.log"))).toBe(true);
      expect(dev.out.stderr).not.toContain("restarting");
      ws.edit("src/log/index.js", (t) => `${t}// edited\n`);
      await eventually("the restart", async () => (dev.out.stderr.includes("src/log/index.js changed; restarting") ? true : undefined));
      await eventually("the restarted app", async () => ((await get(url)).status === 200 ? true : undefined));
    } finally {
      dev.kill("SIGINT");
      const run = await finished(dev);
      expect(run.code).toBe(0);
    }
  }, 180_000);
});
