import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, finished, freePort, get, start, type Workspace, workspace } from "./local-harness.js";

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
