import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "../../helpers/examples.js";
import { runCli } from "../../helpers/run-cli.js";

const fixtures = join(repoRoot, "test", "fixtures", "check");
const env = { SLIPWAY_TODAY: "2026-06-01", PATH: "" };

describe("slipway check (CLI)", () => {
  it("checks the render of every environment of the spec in the current folder: clean, exit 0", async () => {
    const r = await runCli(["check"], { cwd: join(examplesDir, "rails-mysql"), env });
    expect(r.stdout).toContain("no findings at medium or above");
    expect(r.code).toBe(0);
  });

  it("low findings on the render point at objects, not lines", async () => {
    const r = await runCli(["check", "--min-severity", "low", "--json"], { cwd: join(examplesDir, "node-postgres"), env });
    const out = JSON.parse(r.stdout);
    expect(out.result.findings.length).toBeGreaterThan(0);
    for (const f of out.result.findings) {
      expect(f.file).toBeUndefined();
      expect(f.label).toMatch(/^render kubernetes -e /);
      expect(f.object).toMatch(/\//);
    }
    expect(r.code).toBe(1);
  });

  it("findings in files exit 1 with file:line, grouped by file and severity", async () => {
    const r = await runCli(["check", join(fixtures, "k8s", "slw-k8s-002", "fail.yaml")], { cwd: repoRoot, env });
    expect(r.code).toBe(1);
    // The report is data: on stdout, like every other format; stderr stays free for diagnostics.
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(
      /test\/fixtures\/check\/k8s\/slw-k8s-002\/fail\.yaml\n {2}CRITICAL\n {4}test\/fixtures\/check\/k8s\/slw-k8s-002\/fail\.yaml:\d+ {2}SLW-K8S-002/,
    );
  });

  it("--rule and --skip select rules; unknown IDs are usage errors", async () => {
    const file = join(fixtures, "k8s", "slw-k8s-002", "fail.yaml");
    const skipped = await runCli(["check", file, "--skip", "SLW-K8S-002", "--json"], { cwd: repoRoot, env });
    expect(JSON.parse(skipped.stdout).result.findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain("SLW-K8S-002");
    const only = await runCli(["check", file, "--rule", "SLW-K8S-002", "--json"], { cwd: repoRoot, env });
    expect(new Set(JSON.parse(only.stdout).result.findings.map((f: { ruleId: string }) => f.ruleId))).toEqual(new Set(["SLW-K8S-002"]));
    const bad = await runCli(["check", file, "--rule", "SLW-K8S-999"], { cwd: repoRoot, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("CHECK_UNKNOWN_RULE");
  });

  it("reads stdin with -", async () => {
    const r = await runCli(["check", "-", "--json"], {
      cwd: repoRoot,
      env,
      stdin: "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: NodePort, ports: [{port: 80}]}\n",
    });
    expect(JSON.parse(r.stdout).result.inputs[0]).toMatchObject({ file: "<stdin>", kind: "kubernetes", objects: 1 });
  });

  it("a missing path is a usage error; a parse error is exit 2 while other files are still checked", async () => {
    expect((await runCli(["check", "no/such/file.yaml"], { cwd: repoRoot, env })).code).toBe(2);
    const r = await runCli(
      ["check", join(fixtures, "general", "slw-gen-001", "fail.yaml"), join(fixtures, "k8s", "slw-k8s-002", "fail.yaml"), "--json"],
      { cwd: repoRoot, env },
    );
    expect(r.code).toBe(2);
    const ids = JSON.parse(r.stdout).result.findings.map((f: { ruleId: string }) => f.ruleId);
    expect(ids).toContain("SLW-GEN-001");
    expect(ids).toContain("SLW-K8S-002");
  });

  it("a chart folder without helm on PATH is reported, not silently skipped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-chart-"));
    writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: x\nversion: 0.1.0\n");
    const r = await runCli(["check", dir, "--json"], { cwd: repoRoot, env: { ...env, PATH: "/nonexistent" } });
    expect(JSON.parse(r.stdout).result.findings.map((f: { ruleId: string }) => f.ruleId)).toContain("SLW-GEN-004");
  });

  it("spec waivers apply to files; --show-waived lists them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-waive-"));
    writeFileSync(
      join(dir, "slipway.yaml"),
      "name: shop\napp: { image: registry.example.com/shop:1.0.0, port: 3000, health: /up }\nenvironments: { production: { target: kubernetes } }\nchecks:\n  waivers:\n    - { rule: SLW-K8S-039, reason: on-prem load balancer needs a NodePort, path: svc.yaml }\n",
    );
    writeFileSync(
      join(dir, "svc.yaml"),
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: NodePort, ports: [{port: 80}]}\n",
    );
    const quiet = await runCli(["check", "svc.yaml", "--min-severity", "low", "--json"], { cwd: dir, env });
    expect(JSON.parse(quiet.stdout).result.findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain("SLW-K8S-039");
    const shown = await runCli(["check", "svc.yaml", "--min-severity", "low", "--show-waived", "--json"], { cwd: dir, env });
    const waived = JSON.parse(shown.stdout).result.findings.find((f: { ruleId: string }) => f.ruleId === "SLW-K8S-039");
    expect(waived.waived).toMatchObject({ source: "spec", reason: "on-prem load balancer needs a NodePort" });
  });
});

describe("slipway rules", () => {
  it("lists at least 90 rules with the required counts per area", async () => {
    const r = await runCli(["rules", "--json"], { cwd: repoRoot, env });
    const rules: { id: string; area: string; peers: Record<string, string[]> }[] = JSON.parse(r.stdout).result.rules;
    const count = (area: string) => rules.filter((x) => x.area === area).length;
    expect(count("kubernetes")).toBeGreaterThanOrEqual(45);
    expect(count("terraform")).toBeGreaterThanOrEqual(25);
    expect(count("dockerfile")).toBeGreaterThanOrEqual(12);
    expect(count("ci")).toBeGreaterThanOrEqual(8);
    expect(rules.filter((x) => x.area !== "general").length).toBeGreaterThanOrEqual(90);
    expect(new Set(rules.map((x) => x.id)).size).toBe(rules.length);
    for (const rule of rules) expect(rule.id).toMatch(/^SLW-(K8S|TF|DF|CI|GEN)-\d{3}$/);
  });

  it("gives every peer check a relation, and a note when it is not the same check", async () => {
    const r = await runCli(["rules", "--json"], { cwd: repoRoot, env });
    const rules: { id: string; peers: Record<string, { id: string; relation: string; note?: string }[]> }[] = JSON.parse(r.stdout).result
      .rules;
    const checks = rules.flatMap((rule) => Object.values(rule.peers).flat());
    expect(checks.length).toBeGreaterThan(100);
    for (const check of checks) {
      expect(["same", "stricter", "looser"]).toContain(check.relation);
      if (check.relation === "same") expect(check.note).toBeUndefined();
      else expect(check.note?.length, `${check.id} needs a note`).toBeGreaterThan(10);
    }
  });

  it("shows one rule in full", async () => {
    const r = await runCli(["rules", "SLW-K8S-024"], { cwd: repoRoot, env });
    expect(r.stdout).toContain("pod-probes-identical");
    expect(r.code).toBe(0);
    const loose = await runCli(["rules", "SLW-K8S-030"], { cwd: repoRoot, env });
    expect(loose.stdout).toMatch(/kube-linter +minimum-three-replicas \(looser: flags one replica; kube-linter asks for at least three\)/);
  });
});
