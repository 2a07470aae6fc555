import { describe, expect, it } from "vitest";
import { jobVerdict } from "./batch-v1-job.js";
import type { ContainerStateLike, ContainerStatusLike, JobLike, PodLike } from "./kube-objects.js";
import type { WaitFailureClass } from "./types.js";

function job(over: { backoffLimit?: number; conditions?: object[]; failed?: number; active?: number; suspend?: boolean } = {}) {
  return {
    metadata: { name: "migrate-7", uid: "uid-job" },
    spec: { backoffLimit: over.backoffLimit ?? 0, completions: 1, ...(over.suspend === undefined ? {} : { suspend: over.suspend }) },
    status: { active: over.active ?? 1, failed: over.failed ?? 0, conditions: over.conditions ?? [] },
  } satisfies JobLike;
}

function pod(name: string, phase: string, statuses: ContainerStatusLike[], owner = "uid-job"): PodLike {
  return {
    metadata: {
      name,
      labels: { "batch.kubernetes.io/job-name": "migrate-7" },
      ownerReferences: [{ kind: "Job", name: "migrate-7", uid: owner, controller: true }],
    },
    spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "registry/web:7" }] },
    status: { phase, containerStatuses: statuses },
  };
}

const migrate = (state: ContainerStateLike, extra: Partial<ContainerStatusLike> = {}): ContainerStatusLike => ({
  name: "migrate",
  image: "registry/web:7",
  ready: false,
  restartCount: 0,
  state,
  ...extra,
});
const exited = (exitCode: number, reason = "Error") =>
  migrate({ terminated: { exitCode, reason, message: "relation users already exists" } });
const condition = (type: string, reason: string, message?: string) => ({
  type,
  status: "True",
  reason,
  ...(message === undefined ? {} : { message }),
});

interface Case {
  name: string;
  job?: JobLike;
  pods: PodLike[];
  expect:
    | { done: true; ok: true; reason: RegExp }
    | { done: false; reason: RegExp }
    | { done: true; ok: false; failureClass: WaitFailureClass; reason: RegExp; exitCode?: number };
}

const cases: Case[] = [
  {
    name: "Complete: done",
    job: job({
      active: 0,
      conditions: [condition("SuccessCriteriaMet", "CompletionsReached"), condition("Complete", "CompletionsReached")],
    }),
    pods: [pod("migrate-7-a", "Succeeded", [exited(0, "Completed")])],
    expect: { done: true, ok: true, reason: /^job migrate-7 complete$/ },
  },
  {
    name: "running: waiting",
    pods: [pod("migrate-7-a", "Running", [migrate({ running: { startedAt: "2026-01-01T00:00:00Z" } })])],
    expect: { done: false, reason: /job migrate-7: 1 active, 0 succeeded/ },
  },
  {
    name: "Failed condition: job-failed with the pod's exit code",
    job: job({
      active: 0,
      failed: 1,
      conditions: [condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")],
    }),
    pods: [pod("migrate-7-a", "Failed", [exited(1)])],
    expect: {
      done: true,
      ok: false,
      failureClass: "job-failed",
      reason:
        /^job migrate-7 failed \(BackoffLimitExceeded: Job has reached the specified backoff limit\): container migrate: exited \(exit 1, Error\) in pod migrate-7-a$/,
      exitCode: 1,
    },
  },
  {
    name: "FailureTarget (before Failed): job-failed",
    job: job({ failed: 1, conditions: [condition("FailureTarget", "BackoffLimitExceeded")] }),
    pods: [pod("migrate-7-a", "Failed", [exited(4)])],
    expect: { done: true, ok: false, failureClass: "job-failed", reason: /failed \(BackoffLimitExceeded\): .*exit 4/, exitCode: 4 },
  },
  {
    name: "Failed with no pods left (DeadlineExceeded): job-failed without exit code",
    job: job({ active: 0, conditions: [condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")] }),
    pods: [],
    expect: {
      done: true,
      ok: false,
      failureClass: "job-failed",
      reason: /^job migrate-7 failed \(DeadlineExceeded: Job was active longer/,
    },
  },
  {
    name: "backoffLimit 0 and a pod failed, before the controller reacts: job-failed now",
    job: job({ backoffLimit: 0 }),
    pods: [pod("migrate-7-a", "Failed", [exited(1)])],
    expect: {
      done: true,
      ok: false,
      failureClass: "job-failed",
      reason: /^job migrate-7 failed: container migrate: exited \(exit 1, Error\).*backoffLimit 0/,
      exitCode: 1,
    },
  },
  {
    name: "backoffLimit 2 and one failed pod: waiting for the retry",
    job: job({ backoffLimit: 2, failed: 1 }),
    pods: [pod("migrate-7-a", "Failed", [exited(1)]), pod("migrate-7-b", "Pending", [])],
    expect: { done: false, reason: /exit 1.*retrying \(1 of 3 attempts failed\)/ },
  },
  {
    name: "backoffLimit 1 and two failed pods: job-failed",
    job: job({ backoffLimit: 1, failed: 2 }),
    pods: [pod("migrate-7-a", "Failed", [exited(1)]), pod("migrate-7-b", "Failed", [exited(1)])],
    expect: { done: true, ok: false, failureClass: "job-failed", reason: /backoffLimit 1/, exitCode: 1 },
  },
  {
    name: "restartPolicy OnFailure backing off after a crash, backoffLimit 0: job-failed",
    job: job({ backoffLimit: 0 }),
    pods: [
      pod("migrate-7-a", "Running", [
        migrate(
          { waiting: { reason: "CrashLoopBackOff" } },
          { restartCount: 1, lastState: { terminated: { exitCode: 2, reason: "Error" } } },
        ),
      ]),
    ],
    expect: { done: true, ok: false, failureClass: "job-failed", reason: /exit 2/, exitCode: 2 },
  },
  {
    name: "restartPolicy OnFailure backing off, retries left: waiting",
    job: job({ backoffLimit: 6 }),
    pods: [
      pod("migrate-7-a", "Running", [
        migrate(
          { waiting: { reason: "CrashLoopBackOff" } },
          { restartCount: 1, lastState: { terminated: { exitCode: 2, reason: "Error" } } },
        ),
      ]),
    ],
    expect: { done: false, reason: /retrying \(1 of 7/ },
  },
  {
    name: "OOMKilled: oom-killed",
    job: job({ active: 0, failed: 1, conditions: [condition("Failed", "BackoffLimitExceeded")] }),
    pods: [pod("migrate-7-a", "Failed", [exited(137, "OOMKilled")])],
    expect: { done: true, ok: false, failureClass: "oom-killed", reason: /OOMKilled/, exitCode: 137 },
  },
  {
    name: "OOMKilled with retries left: waiting",
    job: job({ backoffLimit: 1, failed: 1 }),
    pods: [pod("migrate-7-a", "Failed", [exited(137, "OOMKilled")])],
    expect: { done: false, reason: /OOMKilled.*retrying \(1 of 2/ },
  },
  {
    name: "OOMKilled, backoffLimit 0, before the controller reacts: oom-killed",
    pods: [pod("migrate-7-a", "Failed", [exited(137, "OOMKilled")])],
    expect: { done: true, ok: false, failureClass: "oom-killed", reason: /exit 137, OOMKilled/, exitCode: 137 },
  },
  {
    name: "ImagePullBackOff: image-pull now",
    pods: [
      pod("migrate-7-a", "Pending", [
        migrate({ waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "registry/web:7"' } }),
      ]),
    ],
    expect: {
      done: true,
      ok: false,
      failureClass: "image-pull",
      reason: /^container migrate: ImagePullBackOff for image registry\/web:7: Back-off/,
    },
  },
  {
    name: "CreateContainerConfigError: config-error now, naming the key",
    pods: [
      pod("migrate-7-a", "Pending", [
        migrate({ waiting: { reason: "CreateContainerConfigError", message: "couldn't find key DATABASE_URL in Secret prod/web-env" } }),
      ]),
    ],
    expect: { done: true, ok: false, failureClass: "config-error", reason: /couldn't find key DATABASE_URL in Secret prod\/web-env/ },
  },
  {
    name: "unschedulable pod: unschedulable now",
    pods: [
      {
        ...pod("migrate-7-a", "Pending", []),
        status: {
          phase: "Pending",
          conditions: [
            { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/4 nodes are available: 4 Insufficient memory." },
          ],
        },
      },
    ],
    expect: { done: true, ok: false, failureClass: "unschedulable", reason: /Insufficient memory/ },
  },
  {
    name: "pods of another Job are not judged",
    pods: [pod("other-a", "Failed", [exited(1)], "uid-other")],
    expect: { done: false, reason: /1 active/ },
  },
  {
    name: "a pod matched by the job-name label when it has no owner references",
    pods: [{ ...pod("migrate-7-a", "Failed", [exited(5)]), metadata: { name: "migrate-7-a", labels: { "job-name": "migrate-7" } } }],
    expect: { done: true, ok: false, failureClass: "job-failed", reason: /exit 5/, exitCode: 5 },
  },
  {
    name: "suspended: waiting",
    job: job({ suspend: true, active: 0 }),
    pods: [],
    expect: { done: false, reason: /suspended/ },
  },
  {
    name: "backoffLimit defaults to 6 like the API server",
    job: { ...job({ failed: 1 }), spec: {} },
    pods: [pod("migrate-7-a", "Failed", [exited(1)])],
    expect: { done: false, reason: /1 of 7 attempts/ },
  },
];

describe("jobVerdict", () => {
  it.each(cases)("$name", (c) => {
    const verdict = jobVerdict(c.job ?? job(), c.pods);
    expect(verdict.done).toBe(c.expect.done);
    expect(verdict.ok).toBe("ok" in c.expect ? c.expect.ok : false);
    expect(verdict.reason).toMatch(c.expect.reason);
    if ("failureClass" in c.expect) {
      expect(verdict).toMatchObject({ failureClass: c.expect.failureClass });
      if (c.expect.exitCode !== undefined) expect(verdict.evidence.exitCode).toBe(c.expect.exitCode);
    } else {
      expect(verdict).not.toHaveProperty("failureClass");
    }
  });

  it("puts the failed pod and container in the evidence", () => {
    const verdict = jobVerdict(job({ backoffLimit: 0 }), [pod("migrate-7-a", "Failed", [exited(1)])]);
    expect(verdict.evidence).toMatchObject({
      pods: ["migrate-7-a"],
      pod: "migrate-7-a",
      container: "migrate",
      exitCode: 1,
      restartCount: 0,
      detail: "relation users already exists",
      containers: [{ pod: "migrate-7-a", container: "migrate", state: "terminated", exitCode: 1, reason: "Error" }],
    });
  });
});
