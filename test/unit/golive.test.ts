import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { AppModel } from "../../src/model/app-model.js";
import { type DbEvent, evaluateGolive, type GateId, type GoliveFacts } from "../../src/plan/golive.js";
import { type KubeObject, renderKubernetes } from "../../src/render/kubernetes/render-kubernetes.js";
import { parseSpecText } from "../../src/spec/load.js";
import { buildModel } from "../../src/spec/normalize.js";
import { validateSpec } from "../../src/spec/validate.js";
import { examplesDir, loadExamples } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";

const examples = loadExamples();
const now = "2026-03-10T12:00:00.000Z";
const digestRef = "ghcr.io/x/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const cleanPreflight = { checked: true, findings: [], command: "slipway check -f slipway.yaml -e production --min-severity high" };

/** The facts of a production Kubernetes environment that is ready: clean check, its own objects, a digest deployed. */
function kubeFacts(model: AppModel, patch: Partial<GoliveFacts> = {}): GoliveFacts {
  return {
    now,
    maxDrillAgeDays: 7,
    preflight: cleanPreflight,
    objects: renderKubernetes(model),
    dbHistory: undefined,
    deployedImages: [digestRef],
    ...patch,
  };
}

const statusOf = (facts: GoliveFacts, model: AppModel, id: GateId) => evaluateGolive(model, facts).gates.find((g) => g.id === id);
const production = (name: string) => {
  const example = examples.find((e) => e.name === name);
  const model = example?.kubeModels.find((m) => m.environment === "production");
  if (!model) throw new Error(`no production model in ${name}`);
  return model;
};

describe("the go-live gates of the examples' production environments", () => {
  // flask-mysql has no slo block: nothing would alert on its error budget.
  const failing: Record<string, GateId[]> = { "flask-mysql": ["alerts"], "node-postgres": [], "rails-mysql": [] };
  for (const [name, fails] of Object.entries(failing)) {
    it(`${name}: with good facts, the gates that fail are ${fails.length === 0 ? "none" : fails.join(", ")}`, () => {
      const model = production(name);
      const result = evaluateGolive(model, kubeFacts(model));
      expect(result.gates.filter((g) => g.status === "fail").map((g) => g.id)).toEqual(fails);
      expect(result.ok).toBe(fails.length === 0);
      expect(result.gates.map((g) => g.id)).toEqual([
        "check",
        "backups",
        "drill",
        "alerts",
        "tls",
        "db-user",
        "network-policy",
        "scaling",
        "resources",
        "image-digest",
      ]);
      // A managed database: backups from the spec, a drill slipway cannot run.
      expect(result.gates.find((g) => g.id === "backups")?.status).toBe("pass");
      expect(result.gates.find((g) => g.id === "drill")?.status).toBe("not-applicable");
    });
  }

  it("a managed Aurora database: a recent successful AWS drill passes with its RTO and RPO; none, a failed one or an old one fails with the command to run", () => {
    const model = production("rails-mysql");
    const aws = (at: string, ok = true): DbEvent => ({
      action: "drill",
      ok,
      at,
      kind: "aws-point-in-time",
      rtoSeconds: 812.4,
      rpoSeconds: 95.1,
    });
    expect(statusOf(kubeFacts(model, { awsDrills: [aws("2026-03-08T12:00:00.000Z")] }), model, "drill")).toMatchObject({
      status: "pass",
      evidence: "last AWS point-in-time drill 2026-03-08T12:00:00.000Z (2 day(s) ago, RTO 812.4 s, RPO 95.1 s; check query not run)",
    });
    expect(statusOf(kubeFacts(model, { awsDrills: [] }), model, "drill")).toMatchObject({
      status: "fail",
      evidence: "no successful AWS drill recorded in .slipway/production/db-history",
      hint: "Run `slipway db drill -e production` (a point-in-time restore into a scratch cluster, deleted afterwards).",
    });
    expect(statusOf(kubeFacts(model, { awsDrills: [aws("2026-03-09T12:00:00.000Z", false)] }), model, "drill")?.status).toBe("fail");
    expect(statusOf(kubeFacts(model, { awsDrills: [aws("2026-02-01T12:00:00.000Z")] }), model, "drill")).toMatchObject({
      status: "fail",
      evidence: expect.stringMatching(/older than 7 day\(s\)$/),
    });
  });

  const model = production("node-postgres");
  const without = (kind: string) => renderKubernetes(model).filter((o) => o.kind !== kind);

  it("fails check on an unwaived high finding, naming the command that shows it", () => {
    const gate = statusOf(
      kubeFacts(model, {
        preflight: {
          ...cleanPreflight,
          findings: [{ ruleId: "SLW-K8S-027", severity: "high", object: "Deployment/web", message: "latest tag" }],
        },
      }),
      model,
      "check",
    );
    expect(gate).toMatchObject({ status: "fail", evidence: "1 finding(s): SLW-K8S-027 (high) on Deployment/web" });
    expect(gate?.hint).toContain(cleanPreflight.command);
  });

  it("fails image-digest when the spec names a tag and the last release deployed a tag, or the history is unknown", () => {
    expect(statusOf(kubeFacts(model, { deployedImages: ["ghcr.io/x/app:1.0.0"] }), model, "image-digest")?.status).toBe("fail");
    expect(statusOf(kubeFacts(model, { deployedImages: [] }), model, "image-digest")?.status).toBe("fail");
    const unknown = statusOf(kubeFacts(model, { deployedImages: undefined }), model, "image-digest");
    expect(unknown?.evidence).toContain("the release history could not be read");
    const pinned: AppModel = { ...model, image: { ...model.image, digest: "sha256:ab", ref: "ghcr.io/x/app@sha256:ab" } };
    expect(statusOf(kubeFacts(pinned, { deployedImages: undefined }), pinned, "image-digest")?.status).toBe("pass");
  });

  it("fails alerts without an slo block, tls on a plain-HTTP ingress, db-user when the app is the admin", () => {
    const noSlo: AppModel = { ...model, slo: undefined };
    expect(evaluateGolive(noSlo, kubeFacts(noSlo)).ok).toBe(false);
    expect(statusOf(kubeFacts(noSlo), noSlo, "alerts")?.status).toBe("fail");
    const plain: AppModel = { ...model, ingress: model.ingress && { ...model.ingress, tls: false } };
    expect(statusOf(kubeFacts(plain), plain, "tls")?.status).toBe("fail");
    const internal: AppModel = { ...model, ingress: undefined };
    expect(statusOf(kubeFacts(internal), internal, "tls")?.status).toBe("not-applicable");
    const admin: AppModel = { ...model, database: model.database && { ...model.database, user: model.database.adminUser } };
    expect(statusOf(kubeFacts(admin), admin, "db-user")?.status).toBe("fail");
    const noBackups: AppModel = { ...model, database: model.database && { ...model.database, backupRetentionDays: 0 } };
    expect(statusOf(kubeFacts(noBackups), noBackups, "backups")?.status).toBe("fail");
  });

  it("fails network-policy, scaling and resources on objects that lack them", () => {
    expect(statusOf(kubeFacts(model, { objects: without("NetworkPolicy") }), model, "network-policy")?.status).toBe("fail");
    expect(statusOf(kubeFacts(model, { objects: without("PodDisruptionBudget") }), model, "scaling")).toMatchObject({
      status: "fail",
      evidence: "scale 2–6 but no PodDisruptionBudget is rendered",
    });
    expect(statusOf(kubeFacts(model, { objects: without("HorizontalPodAutoscaler") }), model, "scaling")?.status).toBe("fail");
    const single: AppModel = { ...model, replicas: { ...model.replicas, min: 1, max: 1 } };
    expect(statusOf(kubeFacts(single, { objects: without("HorizontalPodAutoscaler") }), single, "scaling")?.status).toBe("not-applicable");
    const bare = renderKubernetes(model).map((o): KubeObject => {
      if (o.kind !== "Deployment") return o;
      const copy = structuredClone(o) as KubeObject & { spec: { template: { spec: { containers: { resources?: unknown }[] } } } };
      for (const c of copy.spec.template.spec.containers) delete c.resources;
      return copy;
    });
    const gate = statusOf(kubeFacts(model, { objects: bare }), model, "resources");
    expect(gate?.status).toBe("fail");
    expect(gate?.evidence).toContain("Deployment/node-postgres container app");
  });
});

describe("the go-live gates of a local environment (slipway runs the database)", () => {
  const example = examples.find((e) => e.name === "node-postgres");
  const env = example?.validated.environments.local;
  if (!example || !env) throw new Error("node-postgres has no local environment");
  const model = buildModel(example.validated, env);
  const local = (dbHistory: DbEvent[], maxDrillAgeDays = 7): GoliveFacts => ({
    now,
    maxDrillAgeDays,
    preflight: { checked: false, deploys: "a copy of the app's folder", findings: [], command: "" },
    objects: undefined,
    dbHistory,
    deployedImages: undefined,
  });
  const backup: DbEvent = { action: "backup", ok: true, at: "2026-03-09T02:00:00.000Z" };
  const drill = (at: string, ok = true): DbEvent => ({ action: "drill", ok, at, rtoSeconds: 4.2 });

  it("passes with a backup and a successful drill 3 days old, and says the RTO", () => {
    const result = evaluateGolive(model, local([backup, drill("2026-03-07T12:00:00.000Z")]));
    expect(result.ok).toBe(true);
    expect(result.gates.find((g) => g.id === "drill")?.evidence).toBe(
      "last successful drill 2026-03-07T12:00:00.000Z (3 day(s) ago, RTO 4.2 s)",
    );
    // Kubernetes-only gates do not apply to processes on this machine.
    expect(result.gates.filter((g) => g.status === "not-applicable").map((g) => g.id)).toEqual([
      "check",
      "alerts",
      "tls",
      "network-policy",
      "scaling",
      "resources",
      "image-digest",
    ]);
  });

  it("fails with no history, with only a failed drill, and with a drill older than the limit (which --max-drill-age moves)", () => {
    expect(
      evaluateGolive(model, local([]))
        .gates.filter((g) => g.status === "fail")
        .map((g) => g.id),
    ).toEqual(["backups", "drill"]);
    expect(statusOf(local([backup, drill("2026-03-09T12:00:00.000Z", false)]), model, "drill")?.status).toBe("fail");
    const old = local([backup, drill("2026-03-01T12:00:00.000Z")]);
    expect(statusOf(old, model, "drill")).toMatchObject({ status: "fail", hint: "Run `slipway db drill -e local` after a backup." });
    expect(statusOf(local(old.dbHistory as DbEvent[], 14), model, "drill")?.status).toBe("pass");
  });
});

describe("the go-live gates of a host environment (containers on one server)", () => {
  it("does not say the host target runs the app's folder: it runs an image, which the digest gate does not read yet", () => {
    const validated = validateSpec(
      parseSpecText(
        "name: notes\napp:\n  image: registry.example.com/notes:1.1.0\n  port: 8000\n  health: /healthz\nenvironments:\n  production: { target: server }\ntargets:\n  server: { type: host, ssh: deploy@203.0.113.7 }\n",
        "slipway.yaml",
      ),
    );
    const model = buildModel(validated, validated.environments.production as NonNullable<(typeof validated.environments)[string]>);
    const gate = statusOf(
      {
        now,
        maxDrillAgeDays: 7,
        preflight: { checked: false, deploys: "the app's image as containers on a server over SSH", findings: [], command: "" },
        objects: undefined,
        dbHistory: undefined,
        deployedImages: ["registry.example.com/notes:1.1.0"],
      },
      model,
      "image-digest",
    );
    expect(gate?.status).toBe("not-applicable");
    expect(gate?.evidence).not.toContain("folder");
    expect(gate?.evidence).toContain("the server runs the image by the reference deployed");
  });
});

describe("slipway golive (CLI, local environment)", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-golive-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const canary = "golive-canary-7f3e9a51c2";
  // rails-mysql (two secrets, MySQL) with a local environment added.
  const spec = parse(readFileSync(join(examplesDir, "rails-mysql", "slipway.yaml"), "utf8")) as { environments: Record<string, unknown> };
  spec.environments.local = { target: "local" };
  writeFileSync(join(dir, "slipway.yaml"), stringify(spec));
  mkdirSync(join(dir, ".slipway"), { recursive: true });
  writeFileSync(join(dir, ".slipway", "secrets.env"), `SECRET_KEY_BASE=${canary}\nSTRIPE_API_KEY=${canary}-stripe\n`, { mode: 0o600 });
  const history = join(dir, ".slipway", "local", "db-history");
  const run = (args: string[]) => runCli(["golive", "-e", "local", ...args], { cwd: dir, env: { SLIPWAY_NOW: now } });

  it("exits 1 with GOLIVE_GATE_FAILED and the failing gates before any backup", async () => {
    const human = await run([]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain("FAIL  drill: a successful restore drill within 7 day(s)");
    expect(human.stderr).toContain("GOLIVE_GATE_FAILED");
    const json = await run(["--json"]);
    expect(json.code).toBe(1);
    const line = JSON.parse(json.stdout) as { ok: boolean; error: { code: string }; result: { gates: { id: string; status: string }[] } };
    expect(line.ok).toBe(false);
    expect(line.error.code).toBe("GOLIVE_GATE_FAILED");
    expect(line.result.gates.filter((g) => g.status === "fail").map((g) => g.id)).toEqual(["backups", "drill"]);
  });

  it("exits 0 once the history has a backup and a recent drill; a stale one fails under a tighter --max-drill-age", async () => {
    mkdirSync(history, { recursive: true });
    writeFileSync(
      join(history, "20260309T020000000Z-backup-aaaaaa.json"),
      JSON.stringify({ action: "backup", ok: true, at: "2026-03-09T02:00:00.000Z", file: "b.sql" }),
    );
    writeFileSync(
      join(history, "20260308T120000000Z-drill-bbbbbb.json"),
      // A field golive does not show, holding the canary: it must not reach any output.
      JSON.stringify({ action: "drill", ok: true, at: "2026-03-08T12:00:00.000Z", rtoSeconds: 3.5, note: canary }),
    );
    const human = await run([]);
    expect(human.stdout).toContain("ready to go live: no gate fails");
    expect(human.code).toBe(0);
    const json = await run(["--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, result: { environment: "local", ok: true } });
    const tight = await run(["--max-drill-age", "1"]);
    expect(tight.code).toBe(1);
    for (const out of [human, json, tight]) expect(`${out.stdout}${out.stderr}`).not.toContain(canary);
  });

  it("rejects a --max-drill-age that is not a whole number of days with exit 2", async () => {
    const bad = await run(["--max-drill-age", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("USAGE");
  });
});

describe("slipway golive (CLI, a Kubernetes environment whose cluster cannot be reached)", () => {
  it("evaluates the spec's gates, warns that the release history is unknown, and fails image-digest on a tag", async () => {
    const dir = join(examplesDir, "node-postgres");
    const env = { KUBECONFIG: join(tmpdir(), "slipway-golive-no-such-kubeconfig"), SLIPWAY_TODAY: "2026-03-10", SLIPWAY_NOW: now };
    const out = await runCli(["golive", "-e", "production"], { cwd: dir, env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("warning: the release history of 'production' could not be read");
    expect(out.stdout).toContain("pass  check: no check finding at high or above");
    expect(out.stdout).toContain(
      "the spec names ghcr.io/slipway-examples/node-postgres:1.0.0, a tag, and the release history could not be read",
    );
    const json = await runCli(["golive", "-e", "production", "--json"], { cwd: dir, env });
    const line = JSON.parse(json.stdout) as { result: { gates: { id: string; status: string }[] } };
    expect(line.result.gates.filter((g) => g.status === "fail").map((g) => g.id)).toEqual(["image-digest"]);
    expect(json.stderr).toBe("");
  });
});
