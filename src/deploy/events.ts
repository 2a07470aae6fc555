/** Everything the deploy engine reports, as a typed union. The library never prints; reporters do. */

export type PhaseName =
  | "preflight"
  | "lock"
  | "recover"
  | "prepare"
  | "setup"
  | "migrate"
  | "start"
  | "health"
  | "switch"
  | "drain"
  | "record"
  | "prune"
  | "rollback";

export type FailureClass =
  | "process-exited"
  | "port-never-opened"
  | "health-failed"
  | "health-timeout"
  | "migration-failed"
  | "setup-failed"
  | "database-unreachable"
  | "port-in-use"
  | "prepare-failed"
  | "switch-failed"
  | "interrupted"
  // Kubernetes workloads: the first conclusive signal of a rollout that cannot succeed.
  | "crash-loop"
  | "oom-killed"
  | "image-pull"
  | "config-error"
  | "unschedulable"
  // Another field manager owns fields slipway would change (`--force-conflicts` takes them over).
  | "apply-conflict";

/** Why a release failed, with the facts that show it. */
export interface Failure {
  class: FailureClass;
  /** One line, chained context: `deploy local: instance 1: process exited (exit 1)`. */
  message: string;
  evidence: Evidence;
}

export interface Evidence {
  exitCode?: number | null;
  signal?: string | null;
  /** Last lines of the relevant log, secrets redacted. */
  logTail?: string[];
  /**
   * The log's first error block (a Node error with its first frames, a Python traceback to its
   * exception line, a Ruby exception), secrets redacted: the tail alone can cut it off.
   */
  firstError?: string[];
  httpStatus?: number;
  httpBody?: string;
  port?: number;
  detail?: string;
  /** Kubernetes events about the failing object, oldest first: `Warning FailedScheduling: 0/4 nodes are available: …`. */
  events?: string[];
}

export type DeployEvent =
  | {
      type: "deploy-started";
      app: string;
      environment: string;
      revision: number;
      target: string;
      /** A rollback: the revision whose release this one puts back. */
      rollbackOf?: number;
    }
  | { type: "phase-started"; phase: PhaseName; detail?: string }
  | { type: "phase-finished"; phase: PhaseName; durationMs: number; detail?: string }
  | { type: "phase-skipped"; phase: PhaseName; reason: string }
  | { type: "waiting"; phase: PhaseName; message: string }
  | { type: "log"; phase: PhaseName; stream: "stdout" | "stderr"; line: string }
  | { type: "recovered"; revision: number; action: string }
  | { type: "failed"; phase: PhaseName; failure: Failure }
  | { type: "rolled-back"; to: number | undefined; message: string }
  | { type: "deployed"; revision: number; url: string; durationMs: number; rollbackOf?: number };

export interface Reporter {
  emit(event: DeployEvent): void;
}

/** A reporter that keeps events (tests, and the final JSON result). */
export class CollectingReporter implements Reporter {
  readonly events: DeployEvent[] = [];
  emit(event: DeployEvent): void {
    this.events.push(event);
  }
}
