/**
 * `slipway deploy` to an environment marked `production: true` runs the go-live gates first, on the
 * local target with the real embedded PostgreSQL: refused with GOLIVE_GATE_FAILED while there is no
 * backup and no drill (before the lock, the previous release still serving); `--force` deploys and
 * history keeps the overridden gates; rollback is not gated; after a real backup and drill the gates
 * pass and the deploy goes on without --force.
 *
 * On the local target the gates that can fail are backups and drill (the Kubernetes-only gates do
 * not apply), so a backup plus a drill is a state in which every gate passes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, pgClientDir, type Run, slipway, workspace } from "./local-harness.js";

const pgBin = pgClientDir();
if (!pgBin) console.warn("local-production-gate: pg_dump 18 is not in the test tool cache (bash test/cluster/build.sh pg-client); skipped");

interface Release {
  revision: number;
  outcome: string;
  rollbackOf?: number;
  overriddenGates?: string[];
}

describe.skipIf(!pgBin)("slipway deploy to a production environment on the local target", () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  const env = { SLIPWAY_PG_BINDIR: pgBin ?? "" };
  const run = (args: string[]): Promise<Run> => slipway(ws.dir, args, env);
  const releases = async (): Promise<Release[]> => {
    const history = await run(["history", "-e", "local", "--json"]);
    expect(history.code, history.stderr).toBe(0);
    return ((history.final?.result ?? {}) as { releases: Release[] }).releases;
  };
  const byRevision = (list: Release[]) => [...list].sort((a, b) => a.revision - b.revision);

  beforeAll(async () => {
    ws = await workspace("prod-gate");
    // Revision 1, deployed before the environment is marked production: nothing gates it.
    const first = await run(["deploy", "-e", "local", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    ws.edit("slipway.yaml", (t) => {
      const marked = t.replace(/^ {2}local:\n {4}target: local/m, "  local:\n    production: true\n    target: local");
      if (marked === t) throw new Error("no local environment to mark production");
      return marked;
    });
  }, 240_000);
  afterAll(async () => ws?.cleanup(), 120_000);

  it("refuses the deploy with GOLIVE_GATE_FAILED before taking the lock; revision 1 keeps serving", async () => {
    const json = await run(["deploy", "-e", "local", "--json"]);
    expect(json.code).toBe(1);
    const final = json.final as { ok: boolean; error: { code: string; hint: string }; golive: { gates: { id: string; status: string }[] } };
    expect(final.ok).toBe(false);
    expect(final.error.code).toBe("GOLIVE_GATE_FAILED");
    expect(final.golive.gates.filter((g) => g.status === "fail").map((g) => g.id)).toEqual(["backups", "drill"]);
    // No engine event at all: the deploy never started (no lock, no preflight, no revision).
    expect(json.events).toEqual([]);
    expect(json.stderr).toBe("");

    const human = await run(["deploy", "-e", "local"]);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain("FAIL  drill: a successful restore drill within 7 day(s)");
    expect(human.stderr).toContain("hint: Run `slipway db drill -e local` after a backup.");
    expect(human.stderr).toContain("GOLIVE_GATE_FAILED");
    expect(human.stderr).toContain("slipway golive -e local");
    expect(human.stderr).toContain("--force");

    expect((await releases()).map((r) => r.revision)).toEqual([1]);
    expect((await get(ws.url)).revision).toBe("1");
  }, 120_000);

  it("deploys with --force, warns, and history records the overridden gates; rollback is not gated", async () => {
    const forced = await run(["deploy", "-e", "local", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(
      "warning: --force: deploying to production environment 'local' past failed go-live gates: backups, drill",
    );
    const [, second] = byRevision(await releases());
    expect(second).toMatchObject({ revision: 2, outcome: "succeeded", overriddenGates: ["backups", "drill"] });
    const table = await run(["history", "-e", "local"]);
    expect(table.stdout).toContain("forced past go-live gates: backups, drill");
    expect((await get(ws.url)).revision).toBe("2");

    // The gates still fail, but a rollback restores what served: it goes on without --force.
    const rollback = await run(["rollback", "-e", "local", "--json"]);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    const third = byRevision(await releases()).at(-1);
    expect(third).toMatchObject({ revision: 3, outcome: "succeeded", rollbackOf: 1 });
    expect(third?.overriddenGates).toBeUndefined();
  }, 240_000);

  it("after a real backup and drill the drill gate passes and the deploy goes on without --force", async () => {
    const backup = await run(["db", "backup", "-e", "local", "--json"]);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const drill = await run(["db", "drill", "-e", "local", "--json"]);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);

    const golive = await run(["golive", "-e", "local", "--json"]);
    const gates = ((golive.final?.result ?? {}) as { gates: { id: string; status: string }[] }).gates;
    expect(gates.find((g) => g.id === "drill")?.status).toBe("pass");
    expect(golive.code).toBe(0);

    const deployed = await run(["deploy", "-e", "local", "--json"]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(deployed.events.some((e) => e.type === "golive-overridden")).toBe(false);
    const fourth = byRevision(await releases()).at(-1);
    expect(fourth).toMatchObject({ revision: 4, outcome: "succeeded" });
    expect(fourth?.overriddenGates).toBeUndefined();
    expect((await get(ws.url)).revision).toBe("4");
  }, 240_000);
});
