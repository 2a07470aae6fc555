import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { get, slipway, type Workspace, workspace } from "./local-harness.js";

// What a local deploy says and keeps when things go wrong: the crash's first error, failed releases
// pruned, rollbacks named as such, and the truth about what serves after `slipway down`.

const app = `import { createServer } from "node:http";
createServer((req, res) => res.end("ok " + process.env.SLIPWAY_REVISION)).listen(Number(process.env.PORT), process.env.HOST);
`;
// A CommonJS module whose dependency is missing: Node prints ~22 lines, the error line 5th.
const broken = `const log = require("./log");
log.info("never");
`;

function spec(port: number, command: string): string {
  return `name: messages
app:
  image: registry.example.com/messages:1.0.0
  port: 8080
  command: [node, ${command}]
  health: /
  scale: { min: 1, max: 1 }
environments:
  local: { target: local }
targets:
  local: { type: local, port: ${port} }
`;
}

async function appWorkspace(name: string): Promise<Workspace & { use(command: string): void }> {
  const ws = await workspace(name);
  writeFileSync(join(ws.dir, "app.mjs"), app);
  writeFileSync(join(ws.dir, "broken.cjs"), broken);
  const use = (command: string) => writeFileSync(join(ws.dir, "slipway.yaml"), spec(ws.port, command));
  use("app.mjs");
  return Object.assign(ws, { use });
}

const releases = (ws: Workspace) =>
  readdirSync(join(ws.dir, ".slipway/local/releases"))
    .map(Number)
    .sort((a, b) => a - b);

describe("local deploy messages and evidence", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 120_000);

  it("a crash shows Node's first error (the tail alone cuts it off), in human output and in --json", async () => {
    const ws = await appWorkspace("first-error");
    cleanups.push(() => ws.cleanup());
    ws.use("broken.cjs");
    const human = await slipway(ws.dir, ["deploy", "-e", "local"]);
    expect(human.code).toBe(1);
    const shown = human.stderr.slice(human.stderr.indexOf("first error:"));
    expect(human.stderr).toContain("first error:");
    expect(shown).toContain("Error: Cannot find module './log'");
    expect(shown.indexOf("Cannot find module")).toBeLessThan(shown.indexOf("last log lines:"));
    const json = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    const error = (json.final?.error ?? {}) as { failure?: { evidence?: { firstError?: string[] } } };
    const evidence = error.failure?.evidence ?? {};
    expect(evidence.firstError).toContain("Error: Cannot find module './log'");
    expect(evidence.firstError?.some((line) => line.includes("broken.cjs"))).toBe(true);
  }, 180_000);

  it("failed releases are pruned; a rollback reads as one; an unknown revision does not exist; after down: stopped, and nothing claimed to serve", async () => {
    const ws = await appWorkspace("messages");
    cleanups.push(() => ws.cleanup());
    expect((await slipway(ws.dir, ["deploy", "-e", "local", "--json"])).final).toMatchObject({ ok: true });

    // Three failed retries with --keep 1: the serving release and the newest failure stay.
    ws.use("broken.cjs");
    for (let i = 0; i < 3; i++) {
      const failed = await slipway(ws.dir, ["deploy", "-e", "local", "--json", "--keep", "1"]);
      expect(failed.final?.error).toMatchObject({ failure: { class: "process-exited" }, serving: 1 });
    }
    expect(releases(ws)).toEqual([1, 4]);
    expect((await get(ws.url)).body).toBe("ok 1");

    ws.use("app.mjs");
    expect((await slipway(ws.dir, ["deploy", "-e", "local", "--json"])).final).toMatchObject({ ok: true, result: { revision: 5 } });
    const rollback = await slipway(ws.dir, ["rollback", "-e", "local"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stderr).toContain("rollback messages → local to revision 1 (as revision 6, target local)");
    expect(rollback.stderr).toContain("rolled back to revision 1's release, live as revision 6");
    expect(rollback.stderr).not.toMatch(/^deploy /m);

    const missing = await slipway(ws.dir, ["rollback", "-e", "local", "--to", "42"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("revision 42 does not exist (recorded: 1, 4, 5, 6)");
    expect(missing.stderr).not.toContain("not a successful release");

    expect((await slipway(ws.dir, ["down", "-e", "local"])).code).toBe(0);
    const status = await slipway(ws.dir, ["status", "-e", "local"]);
    expect(status.stdout).toContain("serving:  nothing — stopped (revision 6 served last");
    expect(status.stdout).not.toContain("not healthy");
    const statusJson = await slipway(ws.dir, ["status", "-e", "local", "--json"]);
    expect(statusJson.final?.result).toMatchObject({ stopped: true, serving: 6 });

    // A failed deploy now must not claim that revision 6 still serves: nothing listens.
    ws.use("broken.cjs");
    const afterDown = await slipway(ws.dir, ["deploy", "-e", "local"]);
    expect(afterDown.code).toBe(1);
    expect((await get(ws.url)).status).toBe(0);
    expect(afterDown.stderr).not.toContain("still serves");
    expect(afterDown.stderr).toContain("nothing serves now: revision 6, the last successful release, was not running");
    const afterDownJson = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(afterDownJson.final?.error).toBeDefined();
    expect(((afterDownJson.final?.error ?? {}) as { serving?: number }).serving).toBeUndefined();
  }, 300_000);

  it("deploy -e local on a spec without a local environment shows the lines to add", async () => {
    const ws = await appWorkspace("no-local");
    cleanups.push(() => ws.cleanup());
    writeFileSync(
      join(ws.dir, "slipway.yaml"),
      spec(ws.port, "app.mjs")
        .replace("  local: { target: local }", "  staging: { target: kubernetes }")
        .replace(/targets:[\s\S]*$/, ""),
    );
    const run = await slipway(ws.dir, ["deploy", "-e", "local"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("environment 'local' is not in");
    expect(run.stderr).toContain("      environments:\n        local:\n          target: local");
  }, 60_000);
});
