import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { renderRunbook } from "../../src/plan/runbook.js";
import { buildModel } from "../../src/spec/normalize.js";
import { examplesDir, loadExamples } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";

// Golden files: `npx vitest run --project unit -u test/unit/runbook.test.ts` rewrites them; review the diff.
const examples = loadExamples();
const release = { revision: 12, finishedAt: "2026-03-09T10:00:00.000Z", artifact: "ghcr.io/x/app@sha256:0123456789abcdef" };

describe("runbook golden files (facts fixed)", () => {
  for (const example of examples) {
    const model = example.kubeModels.find((m) => m.environment === "production");
    if (!model) continue;
    it(`${example.name} production`, async () => {
      await expect(renderRunbook(model, { specFile: "slipway.yaml", historyRead: true, lastRelease: release })).toMatchFileSnapshot(
        `../golden/${example.name}/runbook-production.md`,
      );
    });
  }

  it("node-postgres local, with the last drill's RTO", async () => {
    const example = examples.find((e) => e.name === "node-postgres");
    const env = example?.validated.environments.local;
    if (!example || !env) throw new Error("node-postgres has no local environment");
    const markdown = renderRunbook(buildModel(example.validated, env), {
      specFile: "slipway.yaml",
      historyRead: true,
      lastDrill: {
        at: "2026-03-08T12:00:00.000Z",
        rtoSeconds: 3.5,
        backupAgeSeconds: 120.4,
        file: "node_postgres-20260308T115800Z-r3.sql",
      },
      lastRelease: { revision: 3, finishedAt: "2026-03-08T11:00:00.000Z", artifact: "local snapshot sha256:0123456789ab" },
    });
    expect(markdown).toContain("RTO 3.5 s, backup age 120.4 s");
    await expect(markdown).toMatchFileSnapshot("../golden/node-postgres/runbook-local.md");
  });

  it("a host environment's accessory gets the same backups section and its last drill, read from the server's db history", () => {
    const example = examples.find((e) => e.name === "node-postgres");
    const env = example?.validated.environments.local;
    if (!example || !env) throw new Error("node-postgres has no local environment");
    const local = buildModel(example.validated, env);
    const model = { ...local, target: { ...local.target, type: "host", name: "server" } } as unknown as typeof local;
    const markdown = renderRunbook(model, {
      specFile: "slipway.yaml",
      historyRead: true,
      lastDrill: { at: "2026-03-08T12:00:00.000Z", rtoSeconds: 4.2, backupAgeSeconds: 60, file: "20260308T115900000Z-r3.sql" },
    });
    expect(markdown).toContain(`a container slipway runs on the server (\`slipway-${model.name}-${model.environment}-db\``);
    expect(markdown).toContain(
      "Last successful drill: 2026-03-08T12:00:00.000Z of `20260308T115900000Z-r3.sql`, RTO 4.2 s, backup age 60 s.",
    );
    expect(markdown).not.toContain("does not drill");
  });

  it("is the same bytes for the same model and facts, and says when the history could not be read", () => {
    const model = examples[0]?.kubeModels[0];
    if (!model) throw new Error("no example model");
    const facts = { specFile: "deploy/slipway.yaml", historyRead: false };
    expect(renderRunbook(model, facts)).toBe(renderRunbook(model, facts));
    expect(renderRunbook(model, facts)).toContain("unknown (the release history could not be read)");
    expect(renderRunbook(model, facts)).toContain(`slipway deploy -f deploy/slipway.yaml -e ${model.environment}`);
  });

  it("an Aurora environment names the AWS drill and its last RTO and RPO", () => {
    const model = examples.find((e) => e.name === "rails-mysql")?.kubeModels.find((m) => m.environment === "production");
    if (!model) throw new Error("no rails-mysql production model");
    const none = renderRunbook(model, { specFile: "slipway.yaml", historyRead: true, aurora: { lastDrill: undefined } });
    expect(none).toContain("Drill: `slipway db drill -e production` restores the cluster to its latest restorable time");
    expect(none).toContain("No successful AWS drill recorded: run one before relying on the backups.");
    const drilled = renderRunbook(model, {
      specFile: "slipway.yaml",
      historyRead: true,
      aurora: { lastDrill: { at: "2026-03-09T10:00:00.000Z", rtoSeconds: 812.4, rpoSeconds: 95.1 } },
    });
    expect(drilled).toContain("Last successful AWS drill: 2026-03-09T10:00:00.000Z, RTO 812.4 s, RPO 95.1 s.");
    expect(drilled).not.toContain("does not drill");
  });
});

describe("slipway runbook (CLI, local environment)", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-runbook-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const canary = "runbook-canary-51c27f3e9a";
  const spec = parse(readFileSync(join(examplesDir, "rails-mysql", "slipway.yaml"), "utf8")) as { environments: Record<string, unknown> };
  spec.environments.local = { target: "local" };
  writeFileSync(join(dir, "slipway.yaml"), stringify(spec));
  mkdirSync(join(dir, ".slipway", "local", "db-history"), { recursive: true });
  writeFileSync(join(dir, ".slipway", "secrets.env"), `SECRET_KEY_BASE=${canary}\nSTRIPE_API_KEY=${canary}-stripe\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, ".slipway", "local", "db-history", "20260308T120000000Z-drill-bbbbbb.json"),
    JSON.stringify({ action: "drill", ok: true, at: "2026-03-08T12:00:00.000Z", rtoSeconds: 2.25, file: "b.sql", note: canary }),
  );

  it("prints the runbook with the recorded drill, writes it with --out, and never a secret value", async () => {
    const out = await runCli(["runbook", "-e", "local"], { cwd: dir });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("Last successful drill: 2026-03-08T12:00:00.000Z of `b.sql`, RTO 2.25 s.");
    expect(out.stdout).toContain("Secrets (names only): `SECRET_KEY_BASE`, `STRIPE_API_KEY`.");
    const written = await runCli(["runbook", "-e", "local", "--out", "ops/RUNBOOK.md", "--json"], { cwd: dir });
    expect(written.code).toBe(0);
    expect(JSON.parse(written.stdout)).toMatchObject({ ok: true, result: { environment: "local", file: join(dir, "ops", "RUNBOOK.md") } });
    const file = readFileSync(join(dir, "ops", "RUNBOOK.md"), "utf8");
    expect(file).toBe(out.stdout);
    for (const text of [out.stdout, out.stderr, written.stdout, written.stderr, file]) expect(text).not.toContain(canary);
  });

  it("exits 2 for an unknown environment", async () => {
    const out = await runCli(["runbook", "-e", "nope"], { cwd: dir });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("SPEC_UNKNOWN_ENVIRONMENT");
  });
});
