/**
 * The tools built by test/cluster/build.sh exist, report their pinned versions, and work offline.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { kubeconformSchemaDir, requireTool, type ToolName, toolVersions } from "../../helpers/tools.js";

const run = promisify(execFile);
const v = toolVersions();
const work = mkdtempSync(join(tmpdir(), "slipway-tools-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function output(tool: ToolName, args: readonly string[]): Promise<string> {
  const { stdout, stderr } = await run(requireTool(tool), [...args], {
    env: { ...process.env, HELM_CACHE_HOME: work, HELM_CONFIG_HOME: work },
  });
  return stdout + stderr;
}

describe("pinned test tools", () => {
  it.each([
    ["helm", ["version", "--short"], v.HELM_VERSION],
    ["helm3", ["version", "--short"], v.HELM3_VERSION],
    ["kubectl", ["version", "--client"], v.KUBERNETES_VERSION],
    ["kube-apiserver", ["--version"], v.KUBERNETES_VERSION],
    ["kube-controller-manager", ["--version"], v.KUBERNETES_VERSION],
    ["kube-scheduler", ["--version"], v.KUBERNETES_VERSION],
    ["etcd", ["--version"], v.ETCD_VERSION?.replace(/^v/, "")],
    ["kwokctl", ["--version"], v.KWOK_VERSION],
    ["kube-score", ["version"], v.KUBE_SCORE_VERSION?.replace(/^v/, "")],
    ["kubeconform", ["-v"], v.KUBECONFORM_VERSION],
    ["actionlint", ["-version"], v.ACTIONLINT_VERSION?.replace(/^v/, "")],
    ["promtool", ["--version"], v.PROMETHEUS_VERSION?.replace(/^v/, "")],
    ["amtool", ["--version"], v.ALERTMANAGER_VERSION?.replace(/^v/, "")],
  ] as const)("%s reports its pinned version", async (tool, args, version) => {
    expect(version).toBeTruthy();
    expect(await output(tool, args)).toContain(version);
  });

  it("helm 3 and helm 4 template with the Kubernetes version of their client libraries (not Helm's v1.20 fallback)", async () => {
    const chart = join(work, "chart");
    mkdirSync(join(chart, "templates"), { recursive: true });
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: probe\nversion: 0.1.0\n");
    writeFileSync(
      join(chart, "templates", "cm.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n",
    );
    for (const helm of ["helm", "helm3"] as const) {
      const out = await output(helm, ["template", "probe", chart]);
      const kube = /kube: "v1\.(\d+)\./.exec(out)?.[1];
      expect(Number(kube), `${helm}: ${out}`).toBeGreaterThanOrEqual(30);
    }
  });

  it("kubeconform validates offline against schemas generated for the cluster's Kubernetes version", async () => {
    const dir = kubeconformSchemaDir();
    expect(dir, "run bash test/cluster/build.sh linters").toBeDefined();
    const good = join(work, "good.yaml");
    const bad = join(work, "bad.yaml");
    writeFileSync(
      good,
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: web}",
        "spec:",
        "  selector: {matchLabels: {app: web}}",
        "  template:",
        "    metadata: {labels: {app: web}}",
        "    spec:",
        "      containers:",
        "      - {name: web, image: registry.example/web:1, ports: [{containerPort: 8080}], resources: {requests: {cpu: 1, memory: 64Mi}}}",
        "",
      ].join("\n"),
    );
    writeFileSync(bad, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: two, selector: {}, template: {}}\n");
    const args = [
      "-schema-location",
      dir ?? "",
      "-kubernetes-version",
      (v.KUBERNETES_VERSION ?? "").replace(/^v/, ""),
      "-strict",
      "-summary",
    ];
    expect(await output("kubeconform", [...args, good])).toContain("Valid: 1, Invalid: 0, Errors: 0");
    const rejected = await output("kubeconform", [...args, bad]).then(
      () => "",
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    expect(rejected).toMatch(/at '\/spec\/replicas': got string, want null or integer/);
  });
});
