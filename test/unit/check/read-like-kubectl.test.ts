/*
 * `check` reads inputs the way kubectl does: kinds found by parsing (minified JSON, flow style,
 * apiVersion after a long comment, lists), unrecognised YAML reported instead of dropped, and
 * objects without a namespace in the namespace they will be applied to.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type InputText, parseInputs } from "../../../src/check/parse-inputs.js";
import { runCheck } from "../../../src/check/run-check.js";
import { repoRoot } from "../../helpers/examples.js";
import { runCli } from "../../helpers/run-cli.js";

const today = "2026-06-01";
const env = { SLIPWAY_TODAY: today, PATH: "" };

function input(text: string, file: string, explicit = true): InputText {
  return { origin: { file, label: file }, bytes: text, size: text.length, explicit };
}

function check(inputs: InputText[], namespace?: string) {
  return runCheck(parseInputs(inputs), { today, namespace });
}

const privilegedPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "debug", namespace: "shop" },
  spec: { containers: [{ name: "shell", image: "registry.example.com/tools:1.0.0", securityContext: { privileged: true } }] },
};

describe("kinds are found by parsing, not by a line sniff", () => {
  const cases: [string, string, string][] = [
    ["minified JSON", "pod.json", JSON.stringify(privilegedPod)],
    [
      "JSON with kind after the spec",
      "pod.json",
      JSON.stringify({ spec: privilegedPod.spec, metadata: privilegedPod.metadata, apiVersion: "v1", kind: "Pod" }),
    ],
    [
      "flow-style YAML",
      "pod.yaml",
      "{apiVersion: v1, kind: Pod, metadata: {name: debug, namespace: shop}, spec: {containers: [{name: shell, image: 'registry.example.com/tools:1.0.0', securityContext: {privileged: true}}]}}\n",
    ],
    [
      "apiVersion after a comment longer than 64 KiB",
      "pod.yaml",
      `${"# licence text that goes on and on\n".repeat(2500)}${JSON.stringify(privilegedPod)}\n`,
    ],
    [
      "apiVersion indented under a flow mapping on the next lines",
      "pod.yaml",
      "{\n  kind: Pod,\n  apiVersion: v1,\n  metadata: {name: debug, namespace: shop},\n  spec: {containers: [{name: shell, image: x, securityContext: {privileged: true}}]}\n}\n",
    ],
    ["a v1 List", "list.yaml", `apiVersion: v1\nkind: List\nitems:\n  - ${JSON.stringify(privilegedPod)}\n`],
    ["read from standard input", "<stdin>", JSON.stringify(privilegedPod)],
  ];
  it.each(cases)("%s is checked", (_name, file, text) => {
    const report = check([input(text, file), input(text, file, false)]);
    expect(report.inputs.map((i) => i.kind)).toEqual(["kubernetes", "kubernetes"]);
    expect(report.findings.filter((f) => f.ruleId === "SLW-K8S-002")).toHaveLength(2);
    expect(report.findings.filter((f) => f.ruleId.startsWith("SLW-GEN"))).toEqual([]);
  });

  it("a typed list's items take the list's apiVersion and item kind, as kubectl's decoder does", () => {
    const { apiVersion: _a, kind: _k, ...bare } = privilegedPod;
    const report = check([input(JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [bare, bare] }), "pods.json")]);
    expect(report.inputs[0]).toMatchObject({ kind: "kubernetes", objects: 2 });
    expect(report.findings.filter((f) => f.ruleId === "SLW-K8S-002").map((f) => f.object)).toEqual(["shop/Pod/debug", "shop/Pod/debug"]);
  });

  it("an empty List holds no objects and is no problem", () => {
    const report = check([input("apiVersion: v1\nkind: List\nitems: []\n", "empty-list.yaml")]);
    expect(report.inputs[0]).toMatchObject({ kind: "kubernetes", objects: 0 });
    expect(report.findings).toEqual([]);
  });

  it("Helm values that mention apiVersion and kind are not manifests: listed (SLW-GEN-005), not parse errors", () => {
    const values = "extraObjects:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: x}\nreplicaCount: 2\n";
    const report = check([input(values, "values.yaml", false)]);
    expect(report.findings.map((f) => f.ruleId)).toEqual(["SLW-GEN-005"]);
    expect(report.inputs[0]).toMatchObject({ kind: "unknown", objects: 0 });
  });

  it("a manifest with a syntax error is still recognised, and its error reported", () => {
    const report = check([input("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n", "broken.yaml", false)]);
    expect(report.inputs[0]?.kind).toBe("kubernetes");
    expect(report.findings.map((f) => f.ruleId)).toContain("SLW-GEN-001");
  });

  it.each([
    ["a Dockerfile", "FROM node:24\nRUN npm ci\nUSER node\n", "dockerfile"],
    ["Terraform HCL", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n', "terraform"],
    ["Terraform JSON", '{"resource":{"aws_s3_bucket":{"b":{"bucket":"x"}}}}', "terraform"],
    ["a GitHub Actions workflow", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n", "github-actions"],
    ["GitLab CI", "stages: [test]\ntest:\n  script: [make]\n", "gitlab-ci"],
  ])("%s on standard input keeps its kind", (_name, text, kind) => {
    expect(check([input(text, "<stdin>")]).inputs[0]?.kind).toBe(kind);
  });

  it("YAML files found in a folder that are none of the kinds are listed, app code is not", () => {
    const report = check([
      input("name: shop\nversion: 2\n", "config/app.yaml", false),
      input("", "config/empty.yaml", false),
      input('{"name": "shop", "dependencies": {"yaml": "2.9.1"}}', "package.json", false),
      input("print('hi')", "app.py", false),
    ]);
    expect(report.findings.map((f) => `${f.ruleId} ${f.file} ${f.severity}`)).toEqual([
      "SLW-GEN-005 config/app.yaml low",
      "SLW-GEN-005 config/empty.yaml low",
      "SLW-GEN-005 package.json low",
    ]);
    expect(report.inputs.map((i) => i.file)).toEqual(["config/app.yaml", "config/empty.yaml", "package.json"]);
  });

  it("`check DIR` says how many files it read and how many it skipped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-read-"));
    writeFileSync(join(dir, "pod.json"), JSON.stringify({ ...privilegedPod, spec: { containers: [] } }));
    writeFileSync(join(dir, "values.yaml"), "replicaCount: 2\n");
    writeFileSync(join(dir, "README.md"), "# not read\n");
    const r = await runCli(["check", dir], { cwd: repoRoot, env });
    expect(r.stdout).toMatch(/\(2 inputs read, 1 of them skipped as none of the kinds slipway checks, 1 object\)/);
    const json = JSON.parse((await runCli(["check", dir, "--json", "--min-severity", "low"], { cwd: repoRoot, env })).stdout);
    expect(json.result.summary).toMatchObject({ inputs: 2, skipped: 1, objects: 1 });
    expect(json.result.findings.map((f: { ruleId: string }) => f.ruleId)).toContain("SLW-GEN-005");
  });
});

describe("an object without a namespace is in the namespace it is applied to", () => {
  const deployment = (namespace?: string) =>
    JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", ...(namespace ? { namespace } : {}) },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "registry.example.com/web:1.0.0" }] },
        },
      },
    });
  const policy = (namespace: string) =>
    JSON.stringify({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "deny", namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
  const service = (namespace: string) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace },
      spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
    });
  const rules = (inputs: InputText[], namespace?: string) => {
    const report = check(
      inputs.map((i) => ({ ...i, kind: "kubernetes" as const })),
      namespace,
    );
    expect(report.inputs.reduce((n, i) => n + i.objects, 0)).toBe(3);
    return report.findings.filter((f) => f.ruleId === "SLW-K8S-042" || f.ruleId === "SLW-K8S-038").map((f) => `${f.ruleId} ${f.object}`);
  };

  it("unset and `default` are the same namespace for NetworkPolicy coverage and Service selectors", () => {
    expect(rules([input(`${deployment()}\n---\n${policy("default")}\n---\n${service("default")}\n`, "app.yaml")])).toEqual([]);
    expect(rules([input(`${deployment("default")}\n---\n${policy("default")}\n---\n${service("default")}\n`, "app.yaml")])).toEqual([]);
  });

  it("--namespace names the namespace unset objects go to", () => {
    const text = `${deployment()}\n---\n${policy("shop")}\n---\n${service("shop")}\n`;
    expect(rules([input(text, "app.yaml")], "shop")).toEqual([]);
    expect(rules([input(text, "app.yaml")])).toEqual(["SLW-K8S-042 Deployment/web", "SLW-K8S-038 shop/Service/web"]);
  });

  it("the CLI takes --namespace and rejects a name that is not one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-ns-"));
    writeFileSync(join(dir, "app.yaml"), `${deployment()}\n---\n${policy("shop")}\n---\n${service("shop")}\n`);
    const ids = async (...args: string[]) =>
      JSON.parse((await runCli(["check", "app.yaml", "--json", ...args], { cwd: dir, env })).stdout).result.findings.map(
        (f: { ruleId: string }) => f.ruleId,
      );
    expect(await ids()).toContain("SLW-K8S-042");
    expect(await ids("--namespace", "shop")).not.toContain("SLW-K8S-042");
    expect(await ids("-n", "shop")).not.toContain("SLW-K8S-038");
    const bad = await runCli(["check", "app.yaml", "--namespace", "Not_A_Namespace"], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("is not a namespace name");
  });
});
