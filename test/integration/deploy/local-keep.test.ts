import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, slipway, type Workspace, workspace } from "./local-harness.js";

// Issue 13 item 1: `deploy --keep 0` once deleted every release folder and all history, the
// serving one included. Now --keep must be at least 1 (exit 2 otherwise, nothing touched), and
// with --keep 1 the serving release, its folder and its record survive the prune.

describe("deploy --keep on the local target", () => {
  let ws: Workspace;
  const releases = () => readdirSync(join(ws.dir, ".slipway", "local", "releases")).sort();
  const history = async () => {
    const run = await slipway(ws.dir, ["history", "-e", "local", "--json"]);
    return ((run.final?.result?.releases ?? []) as { revision: number; outcome: string; runtime: { instances?: { pid: number }[] } }[]).map(
      (r) => ({ revision: r.revision, outcome: r.outcome, pids: (r.runtime.instances ?? []).map((i) => i.pid) }),
    );
  };

  beforeAll(async () => {
    ws = await workspace("keep");
  }, 120_000);

  afterAll(async () => {
    await ws?.cleanup();
  }, 120_000);

  it("--keep 1 twice: the second release serves from its own folder, the first is pruned", async () => {
    for (const revision of [1, 2]) {
      const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json", "--keep", "1"]);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(run.final).toMatchObject({ ok: true, result: { revision, serving: revision } });
    }
    expect(releases()).toEqual(["2"]);
    const records = await history();
    expect(records.map((r) => [r.revision, r.outcome])).toEqual([[2, "succeeded"]]);
    expect((await get(ws.url)).revision).toBe("2");
    // The serving processes still run in a folder that exists.
    for (const pid of records[0]?.pids ?? []) expect(readlinkSync(`/proc/${pid}/cwd`)).not.toMatch(/\(deleted\)$/);
    expect(records[0]?.pids.length).toBeGreaterThan(0);
  }, 300_000);

  for (const keep of ["0", "-1", "abc", ""]) {
    it(`--keep '${keep}' exits 2 before deploying and deletes nothing`, async () => {
      const before = await history();
      const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json", "--keep", keep]);
      expect(run.code).toBe(2);
      expect(run.final).toMatchObject({ ok: false, error: { code: "USAGE" } });
      expect(run.events).toEqual([]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(await history()).toEqual(before);
      expect(releases()).toEqual(["2"]);
      expect(existsSync(join(ws.dir, ".slipway", "local", "releases", "2", "app"))).toBe(true);
      const status = await slipway(ws.dir, ["status", "-e", "local", "--json"]);
      expect(status.final?.result).toMatchObject({ serving: 2, healthy: true });
    }, 60_000);
  }

  it("a rollback past the default 5 kept releases still keeps the folder it runs from", async () => {
    // Revisions 3–7 (keeping 6), so revision 2 is the sixth newest when `rollback --to 2` prunes with the default 5.
    for (const revision of [3, 4, 5, 6, 7]) {
      const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json", "--keep", "6"]);
      expect(run.final, run.stderr).toMatchObject({ ok: true, result: { revision } });
    }
    const run = await slipway(ws.dir, ["rollback", "-e", "local", "--json", "--to", "2"]);
    expect(run.final, run.stderr).toMatchObject({ ok: true, result: { revision: 8, serving: 8 } });
    expect(releases()).toEqual(["2", "4", "5", "6", "7", "8"]);
    const records = await history();
    expect(records.map((r) => r.revision)).toEqual([8, 7, 6, 5, 4, 2]);
    const serving = records[0]?.pids ?? [];
    expect(serving.length).toBeGreaterThan(0);
    for (const pid of serving) expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(join(ws.dir, ".slipway", "local", "releases", "2", "app"));
    expect((await get(ws.url)).revision).toBe("8");
  }, 300_000);
});
