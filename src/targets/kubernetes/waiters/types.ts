/**
 * What a waiter says about an observed Kubernetes object: still waiting, done and healthy, or
 * failed — with the class of failure and the facts that prove it.
 */
import type { Evidence, FailureClass } from "../../../deploy/events.js";

/** Failure classes only Kubernetes workloads produce (candidates for the engine's FailureClass). */
export type KubeFailureClass =
  | "crash-loop"
  | "image-pull"
  | "config-error"
  | "unschedulable"
  | "oom-killed"
  | "readiness-failed"
  | "progress-deadline"
  | "job-failed";

export type WaitFailureClass = FailureClass | KubeFailureClass;

/** One container's state as observed, flattened for reports. */
export interface ContainerEvidence {
  pod: string;
  container: string;
  /** "running" | "waiting" | "terminated" | "unknown". */
  state: string;
  ready: boolean;
  restartCount: number;
  reason?: string;
  message?: string;
  exitCode?: number;
  /** The previous run, when the container has restarted. */
  lastTerminated?: { reason?: string; exitCode?: number; message?: string };
}

/** One status condition of an object (`deployment/web`, `pod/web-abc12`). */
export interface ConditionEvidence {
  object: string;
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** Engine evidence plus what a Kubernetes waiter saw; the caller adds log lines later. */
export interface WaitEvidence extends Evidence {
  /** Pods considered (those of the new ReplicaSet, or of the Job), sorted by name. */
  pods?: string[];
  containers?: ContainerEvidence[];
  conditions?: ConditionEvidence[];
  /** The pod and container a failure is about. */
  pod?: string;
  container?: string;
  image?: string;
  restartCount?: number;
}

/** Still waiting: `reason` says for what. */
export interface WaitingVerdict {
  done: false;
  ok: false;
  reason: string;
  evidence: WaitEvidence;
}

export interface SucceededVerdict {
  done: true;
  ok: true;
  reason: string;
  evidence: WaitEvidence;
}

/** Failed: a condition already proves the rollout cannot succeed. */
export interface FailedVerdict {
  done: true;
  ok: false;
  failureClass: WaitFailureClass;
  /** One line, the innermost link of the chain: `container web: CrashLoopBackOff (exit 1, 3 restarts)`. */
  reason: string;
  evidence: WaitEvidence;
}

export type WaitVerdict = WaitingVerdict | SucceededVerdict | FailedVerdict;
