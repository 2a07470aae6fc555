import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, finished, get, isGone, readAll, slipway, start, type Workspace, workspace } from "./local-harness.js";

// Real processes, a real embedded PostgreSQL, the real proxy: examples/node-postgres deployed to
// the local target by the built binary, the way the README's quick start does it.

const canary = "canary-secret-4b1d9e7a-never-print";

describe("local deploys of examples/node-postgres", () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await workspace("deploy");
    // A secret, planted so that every output can be scanned for its value.
    ws.edit("slipway.yaml", (t) => t.replace("  env:\n", "  secrets: [SESSION_KEY]\n  env:\n"));
    writeFileSync(join(ws.dir, ".slipway-secrets.env"), `SESSION_KEY=${canary}\n`);
    chmodSync(join(ws.dir, ".slipway-secrets.env"), 0o600);
    ws.edit("slipway.yaml", (t) =>
      t.replace("  local:\n    target: local", "  local:\n    secretSource: { env-file: .slipway-secrets.env }\n    target: local"),
    );
  }, 120_000);

  afterAll(async () => {
    await ws?.cleanup();
  }, 120_000);

  const outputs: string[] = [];
  const deploy = async (...extra: string[]) => {
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json", ...extra]);
    outputs.push(run.stdout, run.stderr);
    return run;
  };

  it("first deploy: migrations run, the app answers through the proxy", async () => {
    const run = await deploy();
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.final).toMatchObject({ ok: true, result: { revision: 1, serving: 1 } });
    const phases = run.events.filter((e) => e.type === "phase-finished").map((e) => e.phase);
    expect(phases).toEqual(expect.arrayContaining(["prepare", "setup", "migrate", "start", "health", "switch", "record"]));
    expect((await get(`${ws.url}health`)).body).toBe("UP");
    const home = await get(ws.url);
    expect(home.status).toBe(200);
    expect(home.body).toContain("Hello from node-postgres 1.0.0");
    expect(home.revision).toBe("1");
  }, 180_000);

  it("second deploy: the new version serves and the old processes are gone", async () => {
    ws.edit("slipway.yaml", (t) => t.replace('APP_VERSION: "1.0.0"', 'APP_VERSION: "2.0.0"'));
    const history1 = await slipway(ws.dir, ["history", "-e", "local", "--json"]);
    const oldPids = (
      ((history1.final?.result?.releases ?? []) as { runtime: { instances: { pid: number }[] } }[])[0]?.runtime.instances ?? []
    ).map((i) => i.pid);
    const run = await deploy();
    expect(run.code, run.stderr).toBe(0);
    expect((await get(ws.url)).body).toContain("node-postgres 2.0.0");
    for (const pid of oldPids) expect(isGone(pid), `pid ${pid}`).toBe(true);
    // Migrations already applied run again and change nothing.
    expect(run.events.some((e) => e.type === "phase-finished" && e.phase === "migrate")).toBe(true);
  }, 180_000);

  const failureCases: [string, () => void, string, (string | undefined)?][] = [
    [
      "a process that exits at start",
      () => ws.edit("server.js", (t) => `console.error("v3 boot: SESSION_KEY=" + process.env.SESSION_KEY); process.exit(3);\n${t}`),
      "process-exited",
    ],
    [
      "a readiness path that answers 404",
      () => ws.edit("slipway.yaml", (t) => t.replace("readiness: /ready", "readiness: /nope")),
      "health-failed",
    ],
    [
      "a migration that fails",
      () => ws.edit("migrate.js", (t) => `console.error("migration boom"); process.exit(1);\n${t}`),
      "migration-failed",
    ],
    ["a process that never opens its port", () => ws.edit("server.js", () => "setInterval(() => {}, 1000);\n"), "port-never-opened", "3"],
  ];
  for (const [name, breakIt, failureClass, healthTimeout] of failureCases) {
    it(`${name}: classified as ${failureClass}, rolled back, revision 2 still answering`, async () => {
      const server = readFileSync(join(ws.dir, "server.js"), "utf8");
      const spec = readFileSync(join(ws.dir, "slipway.yaml"), "utf8");
      const migrate = readFileSync(join(ws.dir, "migrate.js"), "utf8");
      breakIt();
      try {
        const run = await deploy(...(healthTimeout ? ["--health-timeout", healthTimeout] : []));
        expect(run.code).toBe(1);
        expect(run.final?.ok).toBe(false);
        expect(run.final?.error).toMatchObject({ code: "DEPLOY_FAILED", failure: { class: failureClass }, serving: 2 });
        expect(run.events.some((e) => e.type === "rolled-back")).toBe(true);
        const home = await get(ws.url);
        expect(home.body).toContain("node-postgres 2.0.0");
        expect(home.revision).toBe("2");
        if (failureClass === "process-exited") {
          const failure = ((run.final?.error ?? {}) as unknown as { failure: { evidence: { exitCode: number; logTail: string[] } } })
            .failure;
          expect(failure.evidence.exitCode).toBe(3);
          expect(failure.evidence.logTail.join("\n")).toContain("SESSION_KEY=[redacted]");
        }
        if (failureClass === "migration-failed") {
          // The migration gate held: no instance of the failed release was ever started.
          expect(run.events.some((e) => e.type === "phase-started" && e.phase === "start")).toBe(false);
        }
      } finally {
        writeFileSync(join(ws.dir, "server.js"), server);
        writeFileSync(join(ws.dir, "slipway.yaml"), spec);
        writeFileSync(join(ws.dir, "migrate.js"), migrate);
      }
    }, 180_000);
  }

  it("history lists every release, secret-free; status shows the serving one", async () => {
    const history = await slipway(ws.dir, ["history", "-e", "local", "--json"]);
    outputs.push(history.stdout);
    const releases = history.final?.result?.releases as { revision: number; outcome: string; secrets: { names: string[] } }[];
    expect(releases.map((r) => r.outcome)).toEqual(["failed", "failed", "failed", "failed", "succeeded", "succeeded"]);
    expect(releases[0]?.secrets.names).toEqual(["SESSION_KEY"]);
    const human = await slipway(ws.dir, ["history", "-e", "local"]);
    expect(human.stdout).toContain("serving");
    const status = await slipway(ws.dir, ["status", "-e", "local", "--json"]);
    expect(status.final?.result).toMatchObject({ serving: 2, proxyServes: 2, healthy: true });
  }, 60_000);

  it("rollback puts revision 1 back, re-running the health gate and no migration", async () => {
    const run = await slipway(ws.dir, ["rollback", "-e", "local", "--to", "1", "--json"]);
    outputs.push(run.stdout, run.stderr);
    expect(run.code, run.stderr).toBe(0);
    expect(run.events.some((e) => e.type === "phase-skipped" && e.phase === "migrate")).toBe(true);
    expect((await get(ws.url)).body).toContain("node-postgres 1.0.0");
  }, 180_000);

  it("logs and exec run against the serving release, secrets redacted", async () => {
    const logs = await slipway(ws.dir, ["logs", "-e", "local", "--revision", "3"]);
    outputs.push(logs.stdout);
    expect(logs.stdout).toContain("SESSION_KEY=[redacted]");
    const exec = await slipway(ws.dir, [
      "exec",
      "-e",
      "local",
      "--",
      "node",
      "-e",
      "console.log(process.env.DB_USER, process.env.SESSION_KEY.length)",
    ]);
    expect(exec.code).toBe(0);
  }, 60_000);

  it("two concurrent deploys: one waits for the other, both succeed", async () => {
    const a = start(ws.dir, ["deploy", "-e", "local", "--json"]);
    await eventually("the first deploy to hold the lock", async () => (a.out.stdout.includes('"phase":"lock"') ? true : undefined), 30_000);
    const b = start(ws.dir, ["deploy", "-e", "local", "--json"]);
    const [ra, rb] = await Promise.all([finished(a), finished(b)]);
    outputs.push(ra.stdout, rb.stdout, ra.stderr, rb.stderr);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.events.some((e) => e.type === "waiting" && e.phase === "lock")).toBe(true);
    const noWait = start(ws.dir, ["deploy", "-e", "local", "--json"]);
    await eventually(
      "a third deploy to hold the lock",
      async () => (noWait.out.stdout.includes('"phase":"lock"') ? true : undefined),
      30_000,
    );
    const refused = await slipway(ws.dir, ["deploy", "-e", "local", "--json", "--no-wait"]);
    expect(refused.code).toBe(1);
    expect(refused.final?.error).toMatchObject({ code: "DEPLOY_LOCKED" });
    await finished(noWait);
  }, 300_000);

  for (const phase of ["prepare", "migrate", "start", "health", "switch"]) {
    it(`kill -9 during ${phase}: the previous release keeps serving and the next deploy succeeds unattended`, async () => {
      const before = await get(ws.url);
      expect(before.status).toBe(200);
      const child = start(ws.dir, ["deploy", "-e", "local", "--json"]);
      await eventually(
        `phase ${phase}`,
        async () => (child.out.stdout.includes(`"type":"phase-started","phase":"${phase}"`) ? true : undefined),
        120_000,
      );
      child.kill("SIGKILL");
      await finished(child);
      const during = await get(ws.url);
      expect(during.status).toBe(200);
      const next = await deploy();
      expect(next.code, next.stderr + next.stdout).toBe(0);
      expect(next.events.some((e) => e.type === "recovered")).toBe(true);
      expect((await get(ws.url)).status).toBe(200);
    }, 300_000);
  }

  it("the canary secret never appears in stdout, --json, history or evidence", async () => {
    const state = readAll(join(ws.dir, ".slipway"), (name) => /^instance-\d+\.log$|^(setup|migrate|prepare)\.log$/.test(name));
    expect(outputs.length).toBeGreaterThan(10);
    for (const text of [...outputs, state]) expect(text).not.toContain(canary);
    // The scan is looking at real output: the history mentions the secret's name.
    expect(state).toContain("SESSION_KEY");
  });

  it("preflight: the local target runs no image, so a Dockerfile that runs as root does not stop a local deploy", async () => {
    const dockerfile = readFileSync(join(ws.dir, "Dockerfile"), "utf8");
    ws.edit("Dockerfile", (t) => t.replace(/^USER .*$/m, "USER root"));
    try {
      // The finding is real for the Kubernetes environments, whose image app.build builds from it…
      const staging = await slipway(ws.dir, ["check", "-e", "staging", "--json"]);
      expect(staging.code).toBe(1);
      expect(((staging.final?.result?.findings ?? []) as { ruleId: string }[]).map((f) => f.ruleId)).toContain("SLW-DF-002");
      // …and not part of what the local environment deploys: check shows nothing, the deploy goes on.
      const check = await slipway(ws.dir, ["check", "-e", "local", "--json"]);
      expect(check.code, check.stdout).toBe(0);
      expect(check.final?.result?.findings).toEqual([]);
      const run = await deploy();
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(run.events).toContainEqual(expect.objectContaining({ type: "phase-skipped", phase: "preflight" }));
    } finally {
      writeFileSync(join(ws.dir, "Dockerfile"), dockerfile);
    }
  }, 180_000);

  it("a bad spec is a located error, exit 2", async () => {
    ws.edit("slipway.yaml", (t) => t.replace("  port: 3000", "  prot: 3000"));
    const run = await slipway(ws.dir, ["deploy", "-e", "local"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/slipway\.yaml:\d+:\d+/);
    expect(run.stderr).toContain("Did you mean 'port'?");
    ws.edit("slipway.yaml", (t) => t.replace("  prot: 3000", "  port: 3000"));
  });
});
