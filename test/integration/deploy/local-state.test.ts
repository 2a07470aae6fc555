import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, slipway, type Workspace, workspace } from "./local-harness.js";

// Local state that is damaged (an edited history record) or deleted (`rm -rf .slipway`) while the
// app runs: every command still works, and nothing slipway started is left behind out of reach.

/** Every live process whose working folder or command line is inside `dir`, by pid. */
function processesOf(dir: string): { pid: number; what: string }[] {
  const out: { pid: number; what: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? "")) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // Not readable: judged by its command line alone.
      }
      if (cwd.startsWith(`${dir}/`) || argv.includes(`${dir}/`)) out.push({ pid: Number(entry), what: `${argv} (cwd ${cwd})` });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

interface Warning {
  file: string;
  message: string;
}

describe("local state damaged or deleted under a running app", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace("state");
  }, 120_000);
  afterAll(async () => {
    await ws?.cleanup();
  }, 120_000);

  const run = (...args: string[]) => slipway(ws.dir, [...args, "-e", "local"]);
  const historyDir = () => join(ws.dir, ".slipway", "local", "history");

  it("history records that are null, torn or of another shape: history, status, logs, deploy and down skip and name them", async () => {
    const first = await run("deploy", "--json");
    expect(first.code, first.stderr + first.stdout).toBe(0);
    writeFileSync(join(historyDir(), "000002.json"), "null\n");
    writeFileSync(join(historyDir(), "000003.json"), '{"revision": 3, "outcome": "succ');
    writeFileSync(join(historyDir(), "000004.json"), '{"revision": 4, "outcome": "succeeded"}\n');
    const broken = ["000002.json", "000003.json", "000004.json"];
    const named = (warnings: unknown) => broken.every((name) => (warnings as Warning[]).some((w) => w.file.endsWith(name)));

    const history = await run("history", "--json");
    expect(history.code, history.stderr).toBe(0);
    expect(((history.final?.result?.releases ?? []) as { revision: number }[]).map((r) => r.revision)).toEqual([1]);
    expect(named((history.final as { warnings?: unknown }).warnings)).toBe(true);
    const human = await run("history");
    expect(human.code, human.stderr).toBe(0);
    for (const name of broken) expect(human.stderr).toContain(name);
    expect(human.stderr).toContain("null");

    const status = await run("status", "--json");
    expect(status.code, status.stderr).toBe(0);
    expect(status.final?.result).toMatchObject({ serving: 1, healthy: true });
    expect(named((status.final as { warnings?: unknown }).warnings)).toBe(true);

    const logs = await run("logs", "--json");
    expect(logs.code, logs.stderr).toBe(0);
    expect(named((logs.final as { warnings?: unknown }).warnings)).toBe(true);

    // The skipped revisions stay taken: the next release is 5.
    const deploy = await run("deploy", "--json");
    expect(deploy.code, deploy.stderr + deploy.stdout).toBe(0);
    expect(deploy.final?.result).toMatchObject({ revision: 5, serving: 5 });
    expect(named((deploy.final as { warnings?: unknown }).warnings)).toBe(true);
    expect((await get(ws.url)).revision).toBe("5");

    // The serving release's own record damaged: down still finds and stops its instances.
    writeFileSync(join(historyDir(), "000005.json"), "null\n");
    expect(processesOf(ws.dir).length).toBeGreaterThan(0);
    const down = await run("down", "--json");
    expect(down.code, down.stderr).toBe(0);
    expect(named((down.final as { warnings?: unknown }).warnings)).toBe(true);
    expect(processesOf(ws.dir)).toEqual([]);
    expect((await get(ws.url)).status).toBe(0);
  }, 300_000);

  it("rm -rf .slipway while the app runs: the next deploy adopts its proxy and retires its instances; down leaves nothing running", async () => {
    const first = await run("deploy", "--json");
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const served = String(first.final?.result?.revision);
    const before = processesOf(ws.dir);
    expect(before.length).toBeGreaterThanOrEqual(3);

    rmSync(join(ws.dir, ".slipway"), { recursive: true, force: true });
    // The orphaned proxy still answers for the release (whose database files went with the folder).
    expect((await get(ws.url)).revision).toBe(served);

    const next = await run("deploy", "--json");
    expect(next.code, next.stderr + next.stdout).toBe(0);
    expect(next.final?.result).toMatchObject({ ok: true, revision: 1, serving: 1 });
    const home = await get(ws.url);
    expect(home.status).toBe(200);
    expect(home.revision).toBe("1");
    expect(next.events.some((e) => e.type === "recovered" && String(e.action).includes("no release record lists"))).toBe(true);
    // The instances of the deleted state are gone; the proxy is the same process, adopted.
    const now = processesOf(ws.dir).map((p) => p.pid);
    const oldInstances = before.filter((p) => p.what.includes("server.js")).map((p) => p.pid);
    expect(oldInstances.length).toBeGreaterThan(0);
    for (const pid of oldInstances) expect(now).not.toContain(pid);
    const oldProxy = before.filter((p) => p.what.includes("--state")).map((p) => p.pid);
    expect(oldProxy).toHaveLength(1);
    expect(now).toContain(oldProxy[0]);

    const status = await run("status", "--json");
    expect(status.final?.result).toMatchObject({ serving: 1, proxyServes: 1, healthy: true });

    const down = await run("down", "--json");
    expect(down.code, down.stderr).toBe(0);
    expect(processesOf(ws.dir)).toEqual([]);
  }, 300_000);
});
