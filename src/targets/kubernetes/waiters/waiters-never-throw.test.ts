import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deploymentVerdict } from "./apps-v1-deployment.js";
import { jobVerdict } from "./batch-v1-job.js";
import { engineFailureClass } from "./engine-failure-class.js";
import type { DeploymentLike, JobLike, PodLike, ReplicaSetLike } from "./kube-objects.js";
import type { WaitVerdict } from "./types.js";

/** Field names the waiters read, so that generated objects reach deep into the code paths. */
const KEYS = [
  "metadata",
  "name",
  "uid",
  "generation",
  "labels",
  "annotations",
  "deployment.kubernetes.io/revision",
  "pod-template-hash",
  "batch.kubernetes.io/job-name",
  "ownerReferences",
  "kind",
  "spec",
  "replicas",
  "backoffLimit",
  "suspend",
  "containers",
  "image",
  "status",
  "observedGeneration",
  "availableReplicas",
  "failed",
  "active",
  "phase",
  "conditions",
  "type",
  "reason",
  "message",
  "containerStatuses",
  "initContainerStatuses",
  "restartCount",
  "ready",
  "state",
  "lastState",
  "running",
  "waiting",
  "terminated",
  "exitCode",
  "startedAt",
  "__proto__",
  "constructor",
];

const leaf = fc.oneof(
  fc.constantFrom(
    "True",
    "False",
    "2",
    "Unschedulable",
    "CrashLoopBackOff",
    "OOMKilled",
    "ImagePullBackOff",
    "CreateContainerConfigError",
    "ProgressDeadlineExceeded",
    "Ready",
    "PodScheduled",
    "Progressing",
    "Complete",
    "Failed",
    "FailureTarget",
    "Deployment",
    "ReplicaSet",
    "Job",
    "2026-01-01T00:00:00Z",
    "not a date",
  ),
  fc.integer({ min: -2, max: 3 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.anything(),
);

const { kube } = fc.letrec<{ kube: unknown }>((tie) => ({
  kube: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("kube"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("kube"), { maxKeys: 6 }),
  ),
}));

const now = fc.oneof(fc.double(), fc.integer(), fc.date({ noInvalidDate: false }));

function wellFormed(verdict: WaitVerdict): void {
  expect(typeof verdict.done).toBe("boolean");
  expect(typeof verdict.ok).toBe("boolean");
  expect(typeof verdict.reason).toBe("string");
  expect(typeof verdict.evidence).toBe("object");
  if (verdict.ok) expect(verdict.done).toBe(true);
  if (verdict.done && !verdict.ok) expect(typeof verdict.failureClass).toBe("string");
}

describe("waiters on arbitrary partial objects", () => {
  it("deploymentVerdict never throws and always returns a well-formed verdict", () => {
    fc.assert(
      fc.property(kube, kube, kube, now, fc.option(fc.integer()), (deployment, replicaSets, pods, at, threshold) => {
        const verdict = deploymentVerdict(
          deployment as DeploymentLike,
          replicaSets as readonly ReplicaSetLike[],
          pods as readonly PodLike[],
          threshold === null ? { now: at } : { now: at, readinessThresholdMs: threshold },
        );
        wellFormed(verdict);
      }),
      { numRuns: 2000 },
    );
  });

  it("jobVerdict never throws and always returns a well-formed verdict", () => {
    fc.assert(
      fc.property(kube, kube, (job, pods) => {
        wellFormed(jobVerdict(job as JobLike, pods as readonly PodLike[]));
      }),
      { numRuns: 2000 },
    );
  });

  it("survives fully arbitrary values, including null and primitives", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (a, b, c) => {
        wellFormed(deploymentVerdict(a as DeploymentLike, b as ReplicaSetLike[], c as PodLike[], { now: 0 }));
        wellFormed(jobVerdict(a as JobLike, b as PodLike[]));
      }),
      { numRuns: 1000 },
    );
  });
});

/** A realistic rollout in trouble: every branch of the waiters has something to read. */
const ROLLOUT = {
  deployment: {
    metadata: { name: "web", uid: "d", generation: 2, annotations: { "deployment.kubernetes.io/revision": "2" } },
    spec: { replicas: 2 },
    status: { observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] },
  },
  replicaSets: [
    {
      metadata: {
        name: "web-h",
        uid: "r",
        generation: 1,
        labels: { "pod-template-hash": "h" },
        annotations: { "deployment.kubernetes.io/revision": "2" },
        ownerReferences: [{ kind: "Deployment", name: "web", uid: "d" }],
      },
      status: { observedGeneration: 1, availableReplicas: 1 },
    },
  ],
  pods: [
    {
      metadata: {
        name: "web-h-a",
        labels: { "pod-template-hash": "h" },
        ownerReferences: [{ kind: "ReplicaSet", name: "web-h", uid: "r" }],
      },
      spec: { containers: [{ name: "web", image: "i" }] },
      status: {
        phase: "Running",
        conditions: [
          { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "m" },
          { type: "Ready", status: "False" },
        ],
        initContainerStatuses: [{ name: "init", restartCount: 0, state: { terminated: { exitCode: 0 } } }],
        containerStatuses: [
          {
            name: "web",
            restartCount: 2,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { exitCode: 1, reason: "OOMKilled" } },
          },
          { name: "side", restartCount: 0, ready: false, state: { running: { startedAt: "2026-01-01T00:00:00Z" } } },
        ],
      },
    },
  ],
  job: {
    metadata: { name: "web-h-a", uid: "r" },
    spec: { backoffLimit: 0 },
    status: { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] },
  },
};

/** Every path to a value inside `value`. */
function pathsOf(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [[...prefix]];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...prefix, i]));
  } else if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

function replaceAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  // An earlier edit may have replaced this branch with a primitive: nothing left to descend into.
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  const record = value as Record<string, unknown>;
  return { ...record, [head]: replaceAt(record[head], rest, replacement) };
}

const PATHS = pathsOf(ROLLOUT).filter((path) => path.length > 0);

describe("waiters on realistic objects with any one part replaced", () => {
  it("never throw", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(PATHS.length - 1), leaf), { minLength: 1, maxLength: 4 }), now, (edits, at) => {
        let state: unknown = ROLLOUT;
        for (const [index, replacement] of edits) state = replaceAt(state, PATHS[index] ?? [], replacement);
        const s = state as Record<string, unknown>;
        wellFormed(deploymentVerdict(s.deployment as DeploymentLike, s.replicaSets as ReplicaSetLike[], s.pods as PodLike[], { now: at }));
        wellFormed(jobVerdict(s.job as JobLike, s.pods as PodLike[]));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("engineFailureClass", () => {
  it.each([
    ["crash-loop", "crash-loop"],
    ["oom-killed", "oom-killed"],
    ["readiness-failed", "health-failed"],
    ["progress-deadline", "health-timeout"],
    ["job-failed", "migration-failed"],
    ["image-pull", "image-pull"],
    ["config-error", "config-error"],
    ["unschedulable", "unschedulable"],
    ["interrupted", "interrupted"],
  ] as const)("%s → %s", (kube, engine) => {
    expect(engineFailureClass(kube)).toBe(engine);
  });
});
