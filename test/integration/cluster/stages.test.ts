/**
 * The kwok stages in test/cluster/stages/ (markers in image names, see test/cluster/README.md).
 * Each test watches its object and checks the sequence of states it goes through; no test
 * asserts how long anything took.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { create, type KubeObject, kubectlOk, watchUntil } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");

interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode?: number; reason?: string };
}
interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
}
interface Pod extends KubeObject {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
  };
}
interface Job extends KubeObject {
  status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string; reason?: string }[] };
}

const statusOf = (p: Pod, name = "app"): ContainerStatus | undefined => p.status?.containerStatuses?.find((c) => c.name === name);
const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const jobCondition = (j: Job, type: string): boolean => j.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;

function pod(name: string, image: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, annotations },
    spec: { containers: [{ name: "app", image }], ...spec },
  };
}

function job(name: string, image: string) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "app", image }] } },
    },
  };
}

describe("kwok pod behaviour stages", () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createNamespace(kubeconfig, { prefix: "stages" });
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it("a normal pod becomes Running and Ready", async () => {
    await create(kubeconfig, ns.name, pod("normal", "registry.example/web:1"));
    const seen = await watchUntil<Pod>(kubeconfig, ns.name, ["pod", "normal"], (p) => isReady(p));
    const last = seen.at(-1) as Pod;
    expect(last.status?.phase).toBe("Running");
    expect(statusOf(last)?.ready).toBe(true);
    expect(statusOf(last)?.state?.running).toBeDefined();
  });

  it("sim-crashloop: Running, then CrashLoopBackOff with a climbing restartCount and exit code 1", async () => {
    await create(kubeconfig, ns.name, pod("crashloop", "registry.example/sim-crashloop:1"));
    const seen = await watchUntil<Pod>(kubeconfig, ns.name, ["pod", "crashloop"], (p) => {
      const s = statusOf(p);
      return (s?.restartCount ?? 0) >= 2 && s?.state?.waiting?.reason === "CrashLoopBackOff";
    });
    const last = seen.at(-1) as Pod;
    expect(last.status?.phase).toBe("Running");
    expect(isReady(last)).toBe(false);
    expect(statusOf(last)?.lastState?.terminated?.exitCode).toBe(1);
    expect(statusOf(last)?.lastState?.terminated?.reason).toBe("Error");
    // It ran before it crashed, and the restart count only ever went up.
    expect(seen.some((p) => p.status?.phase === "Running" && statusOf(p)?.state?.running !== undefined)).toBe(true);
    const counts = seen.map((p) => statusOf(p)?.restartCount ?? 0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBeGreaterThanOrEqual(3); // 0, 1, 2
  });

  it("sim-imagepull: ErrImagePull, then ImagePullBackOff; the pod stays Pending", async () => {
    await create(kubeconfig, ns.name, pod("imagepull", "registry.example/sim-imagepull:1"));
    const seen = await watchUntil<Pod>(
      kubeconfig,
      ns.name,
      ["pod", "imagepull"],
      (p) => statusOf(p)?.state?.waiting?.reason === "ImagePullBackOff",
    );
    const reasons = seen.map((p) => statusOf(p)?.state?.waiting?.reason).filter((r) => r !== undefined);
    expect(reasons.indexOf("ErrImagePull")).toBeGreaterThanOrEqual(0);
    expect(reasons.indexOf("ErrImagePull")).toBeLessThan(reasons.indexOf("ImagePullBackOff"));
    const last = seen.at(-1) as Pod;
    expect(last.status?.phase).toBe("Pending");
    expect(statusOf(last)?.state?.waiting?.message).toContain("registry.example/sim-imagepull:1");
  });

  it("sim-oom: the container is OOMKilled (exit 137) and restarted", async () => {
    await create(kubeconfig, ns.name, pod("oom", "registry.example/sim-oom:1"));
    const seen = await watchUntil<Pod>(
      kubeconfig,
      ns.name,
      ["pod", "oom"],
      (p) => statusOf(p)?.lastState?.terminated?.reason === "OOMKilled",
    );
    const last = seen.at(-1) as Pod;
    expect(statusOf(last)?.lastState?.terminated?.exitCode).toBe(137);
    expect(statusOf(last)?.restartCount).toBeGreaterThanOrEqual(1);
    expect(isReady(last)).toBe(false);
  });

  it("sim-oom with restartPolicy Never: the pod Fails with the container terminated OOMKilled", async () => {
    await create(kubeconfig, ns.name, pod("oom-never", "registry.example/sim-oom:1", { restartPolicy: "Never" }));
    const seen = await watchUntil<Pod>(kubeconfig, ns.name, ["pod", "oom-never"], (p) => p.status?.phase === "Failed");
    const last = seen.at(-1) as Pod;
    expect(statusOf(last)?.state?.terminated?.reason).toBe("OOMKilled");
    expect(statusOf(last)?.state?.terminated?.exitCode).toBe(137);
  });

  it("sim-slow: Running but not Ready first, Ready only later", async () => {
    await create(kubeconfig, ns.name, pod("slow", "registry.example/sim-slow:1", {}, { "sim.slipway/ready-after": "3s" }));
    const seen = await watchUntil<Pod>(kubeconfig, ns.name, ["pod", "slow"], (p) => isReady(p));
    const firstRunning = seen.findIndex((p) => p.status?.phase === "Running");
    expect(firstRunning).toBeGreaterThanOrEqual(0);
    expect(isReady(seen[firstRunning] as Pod)).toBe(false);
    expect(statusOf(seen[firstRunning] as Pod)?.state?.running).toBeDefined();
    expect(statusOf(seen.at(-1) as Pod)?.ready).toBe(true);
  });

  it("sim-configerror: CreateContainerConfigError naming the missing Secret key", async () => {
    const p = pod("configerror", "registry.example/sim-configerror:1");
    (p.spec.containers[0] as Record<string, unknown>).env = [
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
    ];
    await create(kubeconfig, ns.name, p);
    const seen = await watchUntil<Pod>(
      kubeconfig,
      ns.name,
      ["pod", "configerror"],
      (x) => statusOf(x)?.state?.waiting?.reason === "CreateContainerConfigError",
    );
    const last = seen.at(-1) as Pod;
    expect(last.status?.phase).toBe("Pending");
    expect(statusOf(last)?.state?.waiting?.message).toBe(`couldn't find key password in Secret ${ns.name}/db`);
  });

  it("a Job's pod completes and the Job is Complete", async () => {
    await create(kubeconfig, ns.name, job("done", "registry.example/migrate:1"));
    const seen = await watchUntil<Job>(
      kubeconfig,
      ns.name,
      ["job", "done"],
      (j) => jobCondition(j, "Complete") || jobCondition(j, "Failed"),
    );
    const last = seen.at(-1) as Job;
    expect(jobCondition(last, "Complete")).toBe(true);
    expect(last.status?.succeeded).toBe(1);
  });

  it("sim-fail: a Job's pod fails with exit code 1 and the Job is Failed", async () => {
    await create(kubeconfig, ns.name, job("broken", "registry.example/sim-fail:1"));
    const seen = await watchUntil<Job>(
      kubeconfig,
      ns.name,
      ["job", "broken"],
      (j) => jobCondition(j, "Complete") || jobCondition(j, "Failed"),
    );
    const last = seen.at(-1) as Job;
    expect(jobCondition(last, "Failed")).toBe(true);
    expect(last.status?.failed).toBe(1);
    const pods = JSON.parse(await kubectlOk(kubeconfig, ["-n", ns.name, "get", "pods", "-l", "job-name=broken", "-o", "json"])) as {
      items: Pod[];
    };
    expect(pods.items).toHaveLength(1);
    const failed = pods.items[0] as Pod;
    expect(failed.status?.phase).toBe("Failed");
    expect(statusOf(failed)?.state?.terminated?.exitCode).toBe(1);
  });
});
