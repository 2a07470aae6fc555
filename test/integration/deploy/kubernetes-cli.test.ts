import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl } from "../../cluster/kube.js";
import { type KubeWorkspace, kubeWorkspace } from "./kube-harness.js";
import { slipway } from "./local-harness.js";

// `slipway deploy` from the command line against the real test cluster (kwok nodes): the same
// engine as the local target, with the Kubernetes target, history in ConfigMaps and a Lease lock.
const kubeconfig = inject("kubeconfig");

describe("slipway deploy to a Kubernetes environment", () => {
  let ws: KubeWorkspace;
  let namespace: string;
  const env = { KUBECONFIG: kubeconfig };

  beforeAll(async () => {
    ws = await kubeWorkspace("cli", kubeconfig);
    namespace = ws.namespace;
  }, 60_000);
  afterAll(async () => {
    await ws?.cleanupAll();
  }, 60_000);

  it("deploys staging, records it in the cluster; a crash-looping image stops at the migration gate and the Deployment keeps revision 1", async () => {
    const first = await slipway(ws.dir, ["deploy", "-e", "staging", "--json"], env);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.final).toMatchObject({ ok: true, result: { revision: 1 } });

    const crash = await slipway(ws.dir, ["deploy", "-e", "staging", "--json", "--tag", "sim-crashloop"], env);
    // The migrate Job runs the same image first: it fails there, before the Deployment changes.
    expect(crash.code).toBe(1);
    expect(crash.final?.error).toMatchObject({ code: "DEPLOY_FAILED" });

    const history = await slipway(ws.dir, ["history", "-e", "staging", "--json"], env);
    const outcomes = ((history.final?.result?.releases ?? []) as { outcome: string }[]).map((r) => r.outcome);
    expect(outcomes).toEqual(["failed", "succeeded"]);
    const image = await kubectl(kubeconfig, [
      "-n",
      namespace,
      "get",
      "deployment",
      "node-postgres",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    expect(image.stdout).toBe("ghcr.io/slipway-examples/node-postgres:1.0.0");
  }, 300_000);

  it("status shows the serving revision and its pods", async () => {
    const run = await slipway(ws.dir, ["status", "-e", "staging", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.final?.result).toMatchObject({ serving: 1, image: "ghcr.io/slipway-examples/node-postgres:1.0.0" });
    const pods = (run.final?.result?.pods ?? []) as { ready: boolean }[];
    expect(pods.length).toBeGreaterThan(0);
    // The Service's EndpointSlice lists the ready pods (the real endpoint-slice controller runs).
    const endpoints = run.final?.result?.endpoints as { ready: number; total: number };
    expect(endpoints.total).toBe(pods.length);
    const human = await slipway(ws.dir, ["status", "-e", "staging"], env);
    expect(human.stdout).toContain("endpoints:");
    expect(human.stdout).toMatch(/revision 1/);
  }, 60_000);

  it("diff shows what a deploy would change, and nothing after it", async () => {
    const same = await slipway(ws.dir, ["diff", "-e", "staging", "--json"], env);
    expect(same.code, same.stderr).toBe(0);
    const changes = (same.final?.result?.changes ?? []) as { object: string; action: string }[];
    expect(changes.find((c) => c.object === "Deployment/node-postgres")?.action).toBe("unchanged");
    ws.edit("slipway.yaml", (t) => t.replace('APP_VERSION: "1.0.0"', 'APP_VERSION: "1.0.1"'));
    const changed = await slipway(ws.dir, ["diff", "-e", "staging"], env);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain("~ update ConfigMap/node-postgres-env");
    expect(changed.stdout).toMatch(/\+ +APP_VERSION: "1\.0\.1"/);
    expect(changed.stdout).toMatch(/- +APP_VERSION: "1\.0\.0"/);
  }, 120_000);

  it("--no-rollback leaves a failed release in place for debugging", async () => {
    const run = await slipway(ws.dir, ["deploy", "-e", "staging", "--json", "--no-rollback", "--tag", "sim-crashloop"], env);
    expect(run.code).toBe(1);
    expect(run.events.some((e) => e.type === "rolled-back")).toBe(false);
    expect(run.events.some((e) => e.type === "phase-skipped" && e.phase === "rollback")).toBe(true);
  }, 300_000);

  it("unlock --force deletes the Lease (none held now)", async () => {
    const run = await slipway(ws.dir, ["unlock", "-e", "staging", "--force", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
  }, 60_000);
});
