/**
 * The waiters against objects produced by the real Deployment, ReplicaSet and Job controllers,
 * with pod behaviour from the kwok stage markers (test/cluster/README.md). Each test polls the
 * objects (bounded) and feeds every observation to the waiter until it returns done; it checks
 * the verdict, never how long it took.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DeploymentWaitOptions, deploymentVerdict } from "../../../src/targets/kubernetes/waiters/apps-v1-deployment.js";
import { jobVerdict } from "../../../src/targets/kubernetes/waiters/batch-v1-job.js";
import type { DeploymentLike, JobLike, PodLike, ReplicaSetLike } from "../../../src/targets/kubernetes/waiters/kube-objects.js";
import type { WaitVerdict } from "../../../src/targets/kubernetes/waiters/types.js";
import { create, getJson, type KubeList, kubectlOk, waitFor } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");
/** Far beyond any test: a failure classified as anything but progress-deadline came first. */
const PROGRESS_DEADLINE_SECONDS = 600;

function deployment(
  name: string,
  image: string,
  extra: { env?: unknown[]; resources?: unknown; annotations?: Record<string, string> } = {},
) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: extra.annotations ?? {} },
        spec: {
          containers: [
            {
              name: "web",
              image,
              ...(extra.env === undefined ? {} : { env: extra.env }),
              ...(extra.resources === undefined ? {} : { resources: extra.resources }),
            },
          ],
        },
      },
    },
  };
}

function job(name: string, image: string, env?: unknown[]) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "migrate", image, ...(env === undefined ? {} : { env }) }] } },
    },
  };
}

const secretEnv = [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "web-env", key: "DATABASE_URL" } } }];

describe("waiters on kwok-simulated workloads", () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createNamespace(kubeconfig, { prefix: "waiters" });
  });
  afterAll(async () => {
    await ns?.delete();
  });

  /** Polls the Deployment, its ReplicaSets and pods until the waiter is done; returns every verdict seen. */
  async function waitDeployment(name: string, options: Omit<DeploymentWaitOptions, "now"> = {}): Promise<WaitVerdict[]> {
    const verdicts: WaitVerdict[] = [];
    await waitFor(
      `a final verdict for deployment ${name}`,
      async () => {
        const d = await getJson<DeploymentLike>(kubeconfig, ["-n", ns.name, "deployment", name]);
        const rs = await getJson<KubeList<ReplicaSetLike>>(kubeconfig, ["-n", ns.name, "replicasets", "-l", `app=${name}`]);
        const pods = await getJson<KubeList<PodLike>>(kubeconfig, ["-n", ns.name, "pods", "-l", `app=${name}`]);
        const verdict = deploymentVerdict(d, rs.items, pods.items, { now: Date.now(), ...options });
        verdicts.push(verdict);
        return verdict.done ? verdict : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return verdicts;
  }

  async function waitJob(name: string): Promise<WaitVerdict[]> {
    const verdicts: WaitVerdict[] = [];
    await waitFor(
      `a final verdict for job ${name}`,
      async () => {
        const j = await getJson<JobLike>(kubeconfig, ["-n", ns.name, "job", name]);
        const pods = await getJson<KubeList<PodLike>>(kubeconfig, ["-n", ns.name, "pods", "-l", `batch.kubernetes.io/job-name=${name}`]);
        const verdict = jobVerdict(j, pods.items);
        verdicts.push(verdict);
        return verdict.done ? verdict : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return verdicts;
  }

  const last = (verdicts: readonly WaitVerdict[]): WaitVerdict => verdicts.at(-1) as WaitVerdict;

  describe("Deployment", () => {
    it("a normal image: done ok once the new ReplicaSet is available", async () => {
      await create(kubeconfig, ns.name, deployment("normal", "registry.example/web:1"));
      const verdict = last(await waitDeployment("normal"));
      expect(verdict).toMatchObject({ done: true, ok: true });
      expect(verdict.reason).toMatch(/^2\/2 new replicas available \(replicaset normal-[a-z0-9]+\)$/);
      expect(verdict.evidence.pods).toHaveLength(2);
    });

    it("sim-crashloop: failed crash-loop with exit code 1, long before the progress deadline", async () => {
      await create(kubeconfig, ns.name, deployment("crashloop", "registry.example/sim-crashloop:1"));
      const verdicts = await waitDeployment("crashloop");
      const verdict = last(verdicts);
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "crash-loop" });
      expect(verdict.evidence).toMatchObject({ exitCode: 1, container: "web", image: "registry.example/sim-crashloop:1" });
      expect(verdict.evidence.restartCount).toBeGreaterThanOrEqual(1);
      expect(verdict.reason).toMatch(/^container web: (CrashLoopBackOff|exited) \(exit 1, Error, \d+ restarts?\) in pod crashloop-/);
      expect(verdict.evidence.conditions?.some((c) => c.reason === "ProgressDeadlineExceeded")).toBe(false);
      expect(verdicts.slice(0, -1).every((v) => !v.done)).toBe(true);
    });

    it("sim-oom: failed oom-killed with exit code 137", async () => {
      await create(kubeconfig, ns.name, deployment("oom", "registry.example/sim-oom:1"));
      const verdict = last(await waitDeployment("oom"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "oom-killed" });
      expect(verdict.evidence.exitCode).toBe(137);
      expect(verdict.reason).toMatch(/^container web: OOMKilled \(exit 137/);
    });

    it("sim-imagepull: failed image-pull naming the image", async () => {
      await create(kubeconfig, ns.name, deployment("imagepull", "registry.example/sim-imagepull:1"));
      const verdict = last(await waitDeployment("imagepull"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "image-pull" });
      expect(verdict.reason).toMatch(/^container web: (ErrImagePull|ImagePullBackOff) for image registry\.example\/sim-imagepull:1/);
    });

    it("sim-configerror: failed config-error naming the Secret key", async () => {
      await create(kubeconfig, ns.name, deployment("configerror", "registry.example/sim-configerror:1", { env: secretEnv }));
      const verdict = last(await waitDeployment("configerror"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "config-error" });
      expect(verdict.reason).toContain("CreateContainerConfigError");
      expect(verdict.reason).toContain(`couldn't find key DATABASE_URL in Secret ${ns.name}/web-env`);
    });

    it("more CPU than any node has: failed unschedulable with the scheduler's message", async () => {
      await create(
        kubeconfig,
        ns.name,
        deployment("unschedulable", "registry.example/web:1", { resources: { requests: { cpu: "1000" } } }),
      );
      const verdict = last(await waitDeployment("unschedulable"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "unschedulable" });
      expect(verdict.reason).toMatch(/Insufficient cpu/);
    });

    it("sim-slow, never ready within the readiness threshold: failed readiness-failed", async () => {
      await create(
        kubeconfig,
        ns.name,
        deployment("slow-fails", "registry.example/sim-slow:1", { annotations: { "sim.slipway/ready-after": "10m" } }),
      );
      const verdict = last(await waitDeployment("slow-fails", { readinessThresholdMs: 1_000 }));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "readiness-failed" });
      expect(verdict.reason).toMatch(
        /^pod slow-fails-[a-z0-9-]+: not ready \d+ s after its containers started \(threshold 1 s\); not ready: web$/,
      );
    });

    it("sim-slow, ready within the threshold: waits, then done ok", async () => {
      await create(
        kubeconfig,
        ns.name,
        deployment("slow-ok", "registry.example/sim-slow:1", { annotations: { "sim.slipway/ready-after": "2s" } }),
      );
      const verdicts = await waitDeployment("slow-ok", { readinessThresholdMs: 120_000 });
      expect(last(verdicts)).toMatchObject({ done: true, ok: true });
      expect(verdicts.some((v) => !v.done)).toBe(true);
    });

    it("a crashing second revision fails while the first still serves; the rollback is done ok", async () => {
      await create(kubeconfig, ns.name, deployment("rollout", "registry.example/web:1"));
      expect(last(await waitDeployment("rollout"))).toMatchObject({ done: true, ok: true });

      await kubectlOk(kubeconfig, ["-n", ns.name, "set", "image", "deployment/rollout", "web=registry.example/sim-crashloop:2"]);
      const failed = last(await waitDeployment("rollout"));
      expect(failed).toMatchObject({ done: true, ok: false, failureClass: "crash-loop" });
      expect(failed.evidence.image).toBe("registry.example/sim-crashloop:2");
      // Only the new revision's pods are judged: the first revision's pods stay out of the evidence.
      const oldPods = await getJson<KubeList<PodLike>>(kubeconfig, ["-n", ns.name, "pods", "-l", "app=rollout"]);
      const judged = new Set(failed.evidence.pods);
      const healthy = oldPods.items.filter((p) => p.status?.containerStatuses?.every((c) => c.image === "registry.example/web:1"));
      expect(healthy.length).toBeGreaterThan(0);
      for (const p of healthy) expect(judged.has(p.metadata?.name ?? "")).toBe(false);

      await kubectlOk(kubeconfig, ["-n", ns.name, "rollout", "undo", "deployment/rollout"]);
      expect(last(await waitDeployment("rollout"))).toMatchObject({ done: true, ok: true });
    });
  });

  describe("Job", () => {
    it("a normal image: done ok when Complete", async () => {
      await create(kubeconfig, ns.name, job("migrate-ok", "registry.example/web:1"));
      const verdict = last(await waitJob("migrate-ok"));
      expect(verdict).toMatchObject({ done: true, ok: true, reason: "job migrate-ok complete" });
    });

    it("sim-fail with backoffLimit 0: failed job-failed with exit code 1", async () => {
      await create(kubeconfig, ns.name, job("migrate-fail", "registry.example/sim-fail:1"));
      const verdict = last(await waitJob("migrate-fail"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "job-failed" });
      expect(verdict.evidence).toMatchObject({ exitCode: 1, container: "migrate" });
      expect(verdict.reason).toMatch(/^job migrate-fail failed.*container migrate: exited \(exit 1, Error\) in pod migrate-fail-/);
    });

    it("sim-oom: failed oom-killed with exit code 137", async () => {
      await create(kubeconfig, ns.name, job("migrate-oom", "registry.example/sim-oom:1"));
      const verdict = last(await waitJob("migrate-oom"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "oom-killed" });
      expect(verdict.evidence.exitCode).toBe(137);
    });

    it("sim-imagepull: failed image-pull at once", async () => {
      await create(kubeconfig, ns.name, job("migrate-imagepull", "registry.example/sim-imagepull:1"));
      const verdict = last(await waitJob("migrate-imagepull"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "image-pull" });
      expect(verdict.reason).toContain("registry.example/sim-imagepull:1");
    });

    it("sim-configerror: failed config-error naming the Secret key", async () => {
      await create(kubeconfig, ns.name, job("migrate-configerror", "registry.example/sim-configerror:1", secretEnv));
      const verdict = last(await waitJob("migrate-configerror"));
      expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "config-error" });
      expect(verdict.reason).toContain(`couldn't find key DATABASE_URL in Secret ${ns.name}/web-env`);
    });
  });
});
