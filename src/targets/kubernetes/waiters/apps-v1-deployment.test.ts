import { describe, expect, it } from "vitest";
import { deploymentVerdict } from "./apps-v1-deployment.js";
import type { ContainerStatusLike, DeploymentLike, PodLike, ReplicaSetLike } from "./kube-objects.js";
import type { WaitFailureClass } from "./types.js";

const T0 = "2026-01-01T00:00:00Z";
const at = (seconds: number): number => Date.parse(T0) + seconds * 1000;
const REVISION = "deployment.kubernetes.io/revision";

function deployment(over: { generation?: number; observed?: number; revision?: string; replicas?: number; progressing?: object } = {}) {
  return {
    metadata: {
      name: "web",
      uid: "uid-deploy",
      generation: over.generation ?? 2,
      annotations: over.revision === "none" ? {} : { [REVISION]: over.revision ?? "2" },
    },
    spec: { replicas: over.replicas ?? 2 },
    status: {
      observedGeneration: over.observed ?? 2,
      conditions: [over.progressing ?? { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "progressing" }],
    },
  } satisfies DeploymentLike;
}

function replicaSet(name: string, revision: string, available: number): ReplicaSetLike {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      generation: 1,
      labels: { "pod-template-hash": name.replace("web-", "") },
      annotations: { [REVISION]: revision },
      ownerReferences: [{ kind: "Deployment", name: "web", uid: "uid-deploy", controller: true }],
    },
    spec: { replicas: 2 },
    status: { observedGeneration: 1, replicas: 2, readyReplicas: available, availableReplicas: available },
  };
}

const OLD_RS = replicaSet("web-old", "1", 2);
const NEW_RS = replicaSet("web-new", "2", 2);
const NEW_RS_PARTIAL = replicaSet("web-new", "2", 1);

function pod(
  name: string,
  rs: string,
  statuses: ContainerStatusLike[],
  extra: { ready?: boolean; conditions?: object[]; init?: ContainerStatusLike[] } = {},
) {
  return {
    metadata: {
      name,
      labels: { app: "web", "pod-template-hash": rs.replace("web-", "") },
      ownerReferences: [{ kind: "ReplicaSet", name: rs, uid: `uid-${rs}`, controller: true }],
    },
    spec: { restartPolicy: "Always", containers: statuses.map((s) => ({ name: s.name ?? "web", image: s.image ?? "registry/web:2" })) },
    status: {
      phase: "Running",
      conditions: extra.conditions ?? [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: extra.ready === false ? "False" : "True", lastTransitionTime: T0 },
      ],
      ...(extra.init === undefined ? {} : { initContainerStatuses: extra.init }),
      containerStatuses: statuses,
    },
  } satisfies PodLike;
}

const running = (startedAt = T0, ready = true): ContainerStatusLike => ({
  name: "web",
  image: "registry/web:2",
  ready,
  restartCount: 0,
  state: { running: { startedAt } },
});
const waitingFor = (reason: string, message?: string): ContainerStatusLike => ({
  name: "web",
  image: "registry/web:2",
  ready: false,
  restartCount: 0,
  state: { waiting: { reason, ...(message === undefined ? {} : { message }) } },
});
const crashLooping = (exitCode: number, restartCount: number, reason = "Error"): ContainerStatusLike => ({
  name: "web",
  image: "registry/web:2",
  ready: false,
  restartCount,
  state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s restarting failed container" } },
  lastState: { terminated: { exitCode, reason, startedAt: T0, finishedAt: T0 } },
});
const sidecar: ContainerStatusLike = { ...running(), name: "proxy", image: "registry/proxy:1" };

interface Case {
  name: string;
  deployment?: DeploymentLike;
  replicaSets?: ReplicaSetLike[];
  pods: PodLike[];
  now?: number;
  options?: { readinessThresholdMs?: number; toleratedRestarts?: number };
  expect:
    | { done: true; ok: true; reason?: RegExp }
    | { done: false; reason: RegExp }
    | { done: true; ok: false; failureClass: WaitFailureClass; reason: RegExp; exitCode?: number; restartCount?: number; pod?: string };
}

const newPodsReady = [pod("web-new-a", "web-new", [running()]), pod("web-new-b", "web-new", [running()])];

const cases: Case[] = [
  {
    name: "new ReplicaSet fully available: done",
    replicaSets: [OLD_RS, NEW_RS],
    pods: newPodsReady,
    expect: { done: true, ok: true, reason: /2\/2 new replicas available \(replicaset web-new\)/ },
  },
  {
    name: "new ReplicaSet partly available: waiting",
    replicaSets: [OLD_RS, NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [running()]), pod("web-new-b", "web-new", [running(T0, false)], { ready: false })],
    now: at(5),
    expect: { done: false, reason: /1\/2 new replicas available/ },
  },
  {
    name: "generation not yet observed: waiting, even if the previous revision's pods crash (rollback)",
    deployment: deployment({ generation: 3, observed: 2 }),
    replicaSets: [OLD_RS, NEW_RS],
    pods: [pod("web-new-a", "web-new", [crashLooping(1, 4)])],
    expect: { done: false, reason: /generation 3 to be observed \(observed 2\)/ },
  },
  {
    name: "no revision annotation yet: waiting for the new ReplicaSet",
    deployment: deployment({ revision: "none" }),
    replicaSets: [OLD_RS],
    pods: [],
    expect: { done: false, reason: /waiting for the new ReplicaSet of deployment web/ },
  },
  {
    name: "ReplicaSet of another owner with the same revision is not the new one",
    replicaSets: [{ ...NEW_RS, metadata: { ...NEW_RS.metadata, ownerReferences: [{ kind: "Deployment", name: "api", uid: "uid-api" }] } }],
    pods: newPodsReady,
    expect: { done: false, reason: /waiting for the new ReplicaSet/ },
  },
  {
    name: "zero replicas: done at once",
    deployment: deployment({ replicas: 0 }),
    replicaSets: [{ ...NEW_RS, status: { observedGeneration: 1, availableReplicas: 0 } }],
    pods: [],
    expect: { done: true, ok: true, reason: /0\/0/ },
  },
  {
    name: "CrashLoopBackOff: crash-loop with exit code, restarts and container",
    replicaSets: [OLD_RS, NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [running()]), pod("web-new-b", "web-new", [crashLooping(1, 3), sidecar], { ready: false })],
    expect: {
      done: true,
      ok: false,
      failureClass: "crash-loop",
      reason: /^container web: CrashLoopBackOff \(exit 1, Error, 3 restarts\) in pod web-new-b$/,
      exitCode: 1,
      restartCount: 3,
      pod: "web-new-b",
    },
  },
  {
    name: "running again after a non-zero exit: crash-loop at the first restart",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod("web-new-a", "web-new", [
        { ...running(T0, false), restartCount: 1, lastState: { terminated: { exitCode: 2, reason: "Error" } } },
      ]),
    ],
    expect: {
      done: true,
      ok: false,
      failureClass: "crash-loop",
      reason: /container web: exited \(exit 2, Error, 1 restart\)/,
      exitCode: 2,
    },
  },
  {
    name: "one restart after a non-zero exit is tolerated when asked",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod("web-new-a", "web-new", [{ ...running(T0, false), restartCount: 1, lastState: { terminated: { exitCode: 2 } } }], {
        ready: false,
      }),
    ],
    now: at(1),
    options: { toleratedRestarts: 1 },
    expect: { done: false, reason: /1\/2 new replicas available/ },
  },
  {
    name: "a container terminated non-zero right now: crash-loop",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod("web-new-a", "web-new", [
        { name: "web", ready: false, restartCount: 0, state: { terminated: { exitCode: 3, reason: "Error", message: "boom" } } },
      ]),
    ],
    expect: { done: true, ok: false, failureClass: "crash-loop", reason: /exited \(exit 3, Error\) in pod web-new-a/, exitCode: 3 },
  },
  {
    name: "a container that exited 0 and restarts is not a crash",
    replicaSets: [NEW_RS],
    pods: [
      pod("web-new-a", "web-new", [{ ...running(), restartCount: 1, lastState: { terminated: { exitCode: 0, reason: "Completed" } } }]),
    ],
    expect: { done: true, ok: true },
  },
  {
    name: "an app container that exited 0 right now: crash-loop (it must not finish)",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod("web-new-a", "web-new", [
        { name: "web", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
      ]),
    ],
    expect: { done: true, ok: false, failureClass: "crash-loop", reason: /exited \(exit 0, Completed\) in pod web-new-a/, exitCode: 0 },
  },
  {
    name: "running again, not ready, after an exit 0: crash-loop at the first restart",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod(
        "web-new-a",
        "web-new",
        [{ ...running(T0, false), restartCount: 1, lastState: { terminated: { exitCode: 0, reason: "Completed" } } }],
        {
          ready: false,
        },
      ),
    ],
    expect: { done: true, ok: false, failureClass: "crash-loop", reason: /exited \(exit 0, Completed, 1 restart\)/, exitCode: 0 },
  },
  {
    name: "an exit 0 of a pod being deleted is not a crash",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      (() => {
        const p = pod("web-new-a", "web-new", [
          { name: "web", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
        ]);
        return { ...p, metadata: { ...p.metadata, deletionTimestamp: T0 } };
      })(),
    ],
    expect: { done: false, reason: /1\/2 new replicas available/ },
  },
  {
    name: "an init container that completed (exit 0) is not a crash",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod("web-new-a", "web-new", [waitingFor("PodInitializing")], {
        init: [{ name: "migrate-check", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }],
      }),
    ],
    expect: { done: false, reason: /1\/2 new replicas available/ },
  },
  {
    name: "an init container in CrashLoopBackOff: crash-loop",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [waitingFor("PodInitializing")], { init: [{ ...crashLooping(1, 2), name: "migrate-check" }] })],
    expect: { done: true, ok: false, failureClass: "crash-loop", reason: /container migrate-check: CrashLoopBackOff \(exit 1/ },
  },
  ...["ErrImagePull", "ImagePullBackOff", "InvalidImageName"].map(
    (reason): Case => ({
      name: `${reason}: image-pull naming the image`,
      replicaSets: [NEW_RS_PARTIAL],
      pods: [pod("web-new-a", "web-new", [waitingFor(reason, 'Back-off pulling image "registry/web:2"')])],
      expect: {
        done: true,
        ok: false,
        failureClass: "image-pull",
        reason: new RegExp(`^container web: ${reason} for image registry/web:2: `),
      },
    }),
  ),
  {
    name: "CreateContainerConfigError: config-error naming the Secret key",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod("web-new-a", "web-new", [waitingFor("CreateContainerConfigError", "couldn't find key DATABASE_URL in Secret prod/web-env")]),
    ],
    expect: {
      done: true,
      ok: false,
      failureClass: "config-error",
      reason: /container web: CreateContainerConfigError: couldn't find key DATABASE_URL in Secret prod\/web-env/,
    },
  },
  {
    name: "CreateContainerError: config-error",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [waitingFor("CreateContainerError", 'configmap "web-config" not found')])],
    expect: { done: true, ok: false, failureClass: "config-error", reason: /configmap "web-config" not found/ },
  },
  {
    name: "PodScheduled=False Unschedulable: unschedulable with the scheduler's message",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      {
        ...pod("web-new-a", "web-new", []),
        status: {
          phase: "Pending",
          conditions: [
            {
              type: "PodScheduled",
              status: "False",
              reason: "Unschedulable",
              message: "0/4 nodes are available: 4 Insufficient cpu. preemption: 0/4 nodes are available",
            },
          ],
        },
      },
    ],
    expect: {
      done: true,
      ok: false,
      failureClass: "unschedulable",
      reason: /^pod web-new-a: unschedulable: 0\/4 nodes are available: 4 Insufficient cpu/,
    },
  },
  {
    name: "PodScheduled=False for another reason (scheduling gated): waiting",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      {
        ...pod("web-new-a", "web-new", []),
        status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] },
      },
    ],
    expect: { done: false, reason: /1\/2/ },
  },
  {
    name: "OOMKilled in the last state, backing off: oom-killed rather than crash-loop",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [crashLooping(137, 1, "OOMKilled")])],
    expect: {
      done: true,
      ok: false,
      failureClass: "oom-killed",
      reason: /container web: OOMKilled \(exit 137, 1 restart\) in pod web-new-a/,
      exitCode: 137,
    },
  },
  {
    name: "OOMKilled as the current state: oom-killed",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [{ name: "web", restartCount: 0, state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }])],
    expect: { done: true, ok: false, failureClass: "oom-killed", reason: /OOMKilled \(exit 137\)/, exitCode: 137 },
  },
  {
    name: "running but not ready past the threshold: readiness-failed",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [running(T0, false), sidecar], { ready: false })],
    now: at(90),
    options: { readinessThresholdMs: 60_000 },
    expect: {
      done: true,
      ok: false,
      failureClass: "readiness-failed",
      reason: /pod web-new-a: not ready 90 s .*threshold 60 s.*not ready: web$/,
    },
  },
  {
    name: "running but not ready within the threshold: waiting",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [running(T0, false)], { ready: false })],
    now: at(30),
    options: { readinessThresholdMs: 60_000 },
    expect: { done: false, reason: /1\/2/ },
  },
  {
    name: "readiness clock starts at the latest container start",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      pod("web-new-a", "web-new", [running(T0, false), { ...sidecar, state: { running: { startedAt: "2026-01-01T00:01:00Z" } } }], {
        ready: false,
      }),
    ],
    now: at(90),
    options: { readinessThresholdMs: 60_000 },
    expect: { done: false, reason: /1\/2/ },
  },
  {
    name: "default readiness threshold is 60 s",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [running(T0, false)], { ready: false })],
    now: at(61),
    expect: { done: true, ok: false, failureClass: "readiness-failed", reason: /threshold 60 s/ },
  },
  {
    name: "ProgressDeadlineExceeded with no pod evidence: progress-deadline",
    deployment: deployment({
      progressing: {
        type: "Progressing",
        status: "False",
        reason: "ProgressDeadlineExceeded",
        message: 'ReplicaSet "web-new" has timed out progressing.',
      },
    }),
    replicaSets: [OLD_RS, NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [running()])],
    expect: {
      done: true,
      ok: false,
      failureClass: "progress-deadline",
      reason: /^ProgressDeadlineExceeded: ReplicaSet "web-new" has timed out/,
    },
  },
  {
    name: "a crashing pod explains a ProgressDeadlineExceeded better than the deadline",
    deployment: deployment({ progressing: { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" } }),
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [crashLooping(1, 9)])],
    expect: { done: true, ok: false, failureClass: "crash-loop", reason: /CrashLoopBackOff/ },
  },
  {
    name: "pods of the old ReplicaSet are not judged",
    replicaSets: [OLD_RS, NEW_RS],
    pods: [...newPodsReady, pod("web-old-a", "web-old", [crashLooping(1, 5)])],
    expect: { done: true, ok: true },
  },
  {
    name: "the most telling problem wins across pods (image before crash)",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [pod("web-new-a", "web-new", [crashLooping(1, 1)]), pod("web-new-b", "web-new", [waitingFor("ImagePullBackOff")])],
    expect: { done: true, ok: false, failureClass: "image-pull", reason: /ImagePullBackOff for image registry\/web:2$/, pod: "web-new-b" },
  },
  {
    name: "a pod without owner references is matched by pod-template-hash",
    replicaSets: [NEW_RS_PARTIAL],
    pods: [
      { ...pod("web-new-a", "web-new", [crashLooping(1, 1)]), metadata: { name: "web-new-a", labels: { "pod-template-hash": "new" } } },
    ],
    expect: { done: true, ok: false, failureClass: "crash-loop", reason: /CrashLoopBackOff/ },
  },
];

describe("deploymentVerdict", () => {
  it.each(cases)("$name", (c) => {
    const verdict = deploymentVerdict(c.deployment ?? deployment(), c.replicaSets ?? [], c.pods, { now: c.now ?? at(1), ...c.options });
    expect(verdict.done).toBe(c.expect.done);
    expect(verdict.reason).toMatch(c.expect.reason ?? /./);
    if (c.expect.done) {
      expect(verdict.ok).toBe(c.expect.ok);
    } else {
      expect(verdict.ok).toBe(false);
    }
    if ("failureClass" in c.expect) {
      expect(verdict).toMatchObject({ failureClass: c.expect.failureClass });
      if (c.expect.exitCode !== undefined) expect(verdict.evidence.exitCode).toBe(c.expect.exitCode);
      if (c.expect.restartCount !== undefined) expect(verdict.evidence.restartCount).toBe(c.expect.restartCount);
      if (c.expect.pod !== undefined) expect(verdict.evidence.pod).toBe(c.expect.pod);
    } else {
      expect(verdict).not.toHaveProperty("failureClass");
    }
  });

  it("puts container states, conditions and pod names in the evidence", () => {
    const verdict = deploymentVerdict(
      deployment(),
      [OLD_RS, NEW_RS_PARTIAL],
      [pod("web-new-b", "web-new", [crashLooping(1, 3), sidecar], { ready: false }), pod("web-old-a", "web-old", [running()])],
      { now: at(1) },
    );
    expect(verdict.evidence).toEqual({
      pods: ["web-new-b"],
      pod: "web-new-b",
      container: "web",
      image: "registry/web:2",
      exitCode: 1,
      restartCount: 3,
      detail: "back-off 10s restarting failed container",
      containers: [
        {
          pod: "web-new-b",
          container: "web",
          state: "waiting",
          ready: false,
          restartCount: 3,
          reason: "CrashLoopBackOff",
          message: "back-off 10s restarting failed container",
          lastTerminated: { reason: "Error", exitCode: 1 },
        },
        { pod: "web-new-b", container: "proxy", state: "running", ready: true, restartCount: 0 },
      ],
      conditions: [
        { object: "deployment/web", type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "progressing" },
        { object: "pod/web-new-b", type: "PodScheduled", status: "True" },
        { object: "pod/web-new-b", type: "Ready", status: "False" },
      ],
    });
  });

  it("accepts now as a Date", () => {
    const verdict = deploymentVerdict(
      deployment(),
      [NEW_RS_PARTIAL],
      [pod("web-new-a", "web-new", [running(T0, false)], { ready: false })],
      {
        now: new Date(at(120)),
      },
    );
    expect(verdict).toMatchObject({ done: true, ok: false, failureClass: "readiness-failed" });
  });
});
