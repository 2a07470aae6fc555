import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { type KubeWorkspace, kubeWorkspace } from "./kube-harness.js";
import { eventually, finished, type Run, slipway, start } from "./local-harness.js";

// `kill -9` of `slipway deploy` at the start of each phase, against the real test cluster: the
// Deployment keeps serving, nothing is left that blocks the next deploy, and the next deploy (run
// unattended, no unlock) reports and resolves what the killed one left. A canary secret, written
// by slipway into the app's Secret from its environment, must never appear in any output.
const kubeconfig = inject("kubeconfig");

describe("slipway deploy to Kubernetes survives kill -9 at every phase", () => {
  let ws: KubeWorkspace;
  let namespace: string;
  const canary = `canary-${randomBytes(12).toString("hex")}`;
  const env = { KUBECONFIG: kubeconfig, SESSION_KEY: canary };
  const outputs: string[] = [];
  let tag = 0;

  const deploy = async (...extra: string[]): Promise<Run> => {
    tag += 1;
    const run = await slipway(ws.dir, ["deploy", "-e", "staging", "--json", "--tag", `1.0.${tag}`, ...extra], env);
    outputs.push(run.stdout, run.stderr);
    return run;
  };

  const deployment = async () => {
    const got = await kubectl(kubeconfig, ["-n", namespace, "get", "deployment", "node-postgres", "-o", "json"]);
    return got.code === 0 ? (JSON.parse(got.stdout) as { status?: { conditions?: { type: string; status: string }[] } }) : undefined;
  };
  const available = async () =>
    (await deployment())?.status?.conditions?.some((c) => c.type === "Available" && c.status === "True") ?? false;

  beforeAll(async () => {
    ws = await kubeWorkspace("crash", kubeconfig, {
      // The app gets a secret whose value slipway reads from its environment and writes to the cluster.
      spec: (t) =>
        t
          .replace("secretSource: { kubernetes-secret: node-postgres-secrets }", "secretSource: { env: {} }")
          .replace("  env:\n    APP_VERSION", "  secrets: [SESSION_KEY]\n  env:\n    APP_VERSION"),
    });
    namespace = ws.namespace;
    const first = await deploy();
    expect(first.code, first.stderr + first.stdout).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await ws?.cleanupAll();
  }, 60_000);

  for (const phase of ["prepare", "migrate", "start", "health", "switch", "record", "drain", "prune"]) {
    it(`kill -9 at ${phase}: still serving, and the next deploy succeeds unattended`, async () => {
      tag += 1;
      const child = start(ws.dir, ["deploy", "-e", "staging", "--json", "--tag", `1.0.${tag}`], env);
      await eventually(
        `phase ${phase}`,
        async () => (child.out.stdout.includes(`"type":"phase-started","phase":"${phase}"`) ? true : undefined),
        120_000,
      );
      child.kill("SIGKILL");
      const killed = await finished(child);
      outputs.push(killed.stdout, killed.stderr);
      const revision = (killed.events.find((e) => e.type === "deploy-started") as { revision?: number } | undefined)?.revision;
      expect(revision).toBeGreaterThan(1);

      // Kubernetes keeps the Deployment available through its own rolling update whatever slipway's fate.
      await eventually("deployment available", async () => ((await available()) ? true : undefined), 60_000);

      // status names the dead deploy still holding the Lease (until the next deploy takes it over).
      const status = await slipway(ws.dir, ["status", "-e", "staging", "--json"], env);
      outputs.push(status.stdout, status.stderr);
      const holder = (status.final?.result as { lock?: { pid: number } } | undefined)?.lock;
      if (!killed.stdout.includes('"type":"deployed"')) expect(holder?.pid).toBe(child.pid);

      const next = await deploy();
      expect(next.code, next.stderr + next.stdout).toBe(0);
      // The switch and the phases after it are quick: the kill may land a moment later than the
      // phase-started line, so what the killed deploy had finished decides what to expect.
      const reached = (event: string) => killed.stdout.includes(event);
      // The dead deploy's Lease was taken over, not waited out or unlocked by hand (unless it got to release it).
      const tookOver = next.events.some(
        (e) => e.type === "recovered" && String((e as { action?: string }).action).includes("took over the lock"),
      );
      expect(tookOver || reached('"type":"deployed"')).toBe(true);
      const history = await slipway(ws.dir, ["history", "-e", "staging", "--json"], env);
      outputs.push(history.stdout, history.stderr);
      const releases = (history.final?.result?.releases ?? []) as { revision: number; outcome: string }[];
      // Killed before its record was written as succeeded, the next deploy marks it interrupted. The
      // phases after the migration take milliseconds on kwok, so a kill aimed at one of them may land
      // after the record was written (the output's last lines can be lost with the process): there
      // either outcome is right, but never in-progress.
      const killedRecord = releases.find((r) => r.revision === revision);
      if (reached('"type":"phase-finished","phase":"record"')) expect(killedRecord?.outcome).toBe("succeeded");
      else if (phase === "prepare" || phase === "migrate") expect(killedRecord?.outcome).toBe("interrupted");
      else expect(["interrupted", "succeeded"]).toContain(killedRecord?.outcome);
      expect(releases[0]?.outcome).toBe("succeeded");
      expect(releases.some((r) => r.outcome === "in-progress")).toBe(false);
      expect(await available()).toBe(true);
    }, 300_000);
  }

  it("the canary secret is in the cluster's Secret, and never in stdout, --json, history, status or diff", async () => {
    const secret = JSON.parse(await kubectlOk(kubeconfig, ["-n", namespace, "get", "secret", "node-postgres-secrets", "-o", "json"])) as {
      data: Record<string, string>;
    };
    expect(Buffer.from(secret.data.SESSION_KEY ?? "", "base64").toString()).toBe(canary);
    for (const args of [
      ["status", "-e", "staging", "--json"],
      ["status", "-e", "staging"],
      ["history", "-e", "staging"],
      ["diff", "-e", "staging", "--tag", "9.9.9"],
    ]) {
      const run = await slipway(ws.dir, args, env);
      outputs.push(run.stdout, run.stderr);
    }
    const stored = await kubectlOk(kubeconfig, ["-n", namespace, "get", "configmaps,leases,jobs,deployments", "-o", "json"]);
    const b64 = Buffer.from(canary).toString("base64");
    expect(outputs.length).toBeGreaterThan(20);
    for (const text of [...outputs, stored]) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(b64);
    }
    // The scan looked at real output: the history and the Deployment name the secret.
    expect(outputs.join("\n")).toContain("SESSION_KEY");
    // Each Secret the release read is recorded by an HMAC keyed by the environment's key Secret, never a bare hash.
    const history = await slipway(ws.dir, ["history", "-e", "staging", "--json"], env);
    const latest = ((history.final?.result?.releases ?? []) as { runtime: { secrets?: Record<string, string> } }[])[0];
    const fingerprints = Object.values(latest?.runtime.secrets ?? {});
    expect(fingerprints.length).toBeGreaterThan(0);
    for (const fingerprint of fingerprints) expect(fingerprint).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const key = JSON.parse(
      await kubectlOk(kubeconfig, ["-n", namespace, "get", "secret", "slipway-node-postgres-staging-fingerprint-key", "-o", "json"]),
    ) as { data: { key: string } };
    expect(Buffer.from(key.data.key, "base64").length).toBe(32);
  }, 120_000);
});
