/*
 * What a release record is: the data the engine writes for every revision and every target's
 * history store keeps (files locally, a cluster object in Kubernetes), with the check a stored
 * record passes before anyone reads it. Here, below the engine, so the stores in effects/ and
 * targets/ share it without importing the engine.
 */

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

export type ReleaseOutcome = "in-progress" | "succeeded" | "failed" | "interrupted";

/** One revision of one app in one environment. Secret-free: names and a keyed fingerprint, never values. */
export interface ReleaseRecord {
  revision: number;
  app: string;
  environment: string;
  target: string;
  /** sha256 of the spec file's text. */
  specHash: string;
  artifact: { kind: "local-snapshot"; digest: string; path: string } | { kind: "image"; ref: string };
  git: { commit: string; dirty: boolean } | undefined;
  who: { user: string; host: string; pid: number };
  startedAt: string;
  finishedAt: string | undefined;
  phases: { phase: PhaseName; durationMs: number; outcome: "ok" | "failed" | "skipped" }[];
  outcome: ReleaseOutcome;
  /** Set when this release re-deployed an earlier revision's artifact. */
  rollbackOf: number | undefined;
  failure: Failure | undefined;
  /**
   * Names of the secrets the release received and, when slipway held their values, an HMAC-SHA256
   * fingerprint of them keyed by the environment's fingerprint key (detects rotation; a reader of
   * the record cannot test guesses without the key).
   */
  secrets: {
    names: string[];
    fingerprint?: string;
    /** Records written before fingerprints: an unkeyed `sha256:` hash (read, never written). */
    hash?: string;
  };
  /** Target-specific facts about the running release (ports, pids), never secrets. */
  runtime: Record<string, unknown>;
  /** A production deploy that `--force` took past failed go-live gates: their ids (`drill`, `tls` …). */
  overriddenGates?: string[];
}

/** Where release records live: files for the local target, a cluster object for Kubernetes. */
export interface HistoryStore {
  list(): Promise<ReleaseRecord[]>;
  get(revision: number): Promise<ReleaseRecord | undefined>;
  put(record: ReleaseRecord): Promise<void>;
  /** The next free revision number. */
  nextRevision(): Promise<number>;
  remove(revision: number): Promise<void>;
}

const outcomes: readonly ReleaseOutcome[] = ["in-progress", "succeeded", "failed", "interrupted"];

/**
 * A stored release record checked for the fields every reader relies on; `problem` says what is
 * wrong otherwise (a `null`, a torn or edited file). `revision`, when given, is the one the record's
 * name says it holds.
 */
export function checkReleaseRecord(value: unknown, revision?: number): { record: ReleaseRecord } | { problem: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { problem: `not a release record (${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value})` };
  const r = value as Record<string, unknown>;
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || v === null || check(v);
  if (!Number.isSafeInteger(r.revision) || (r.revision as number) < 1) return { problem: "its revision is not a positive whole number" };
  if (revision !== undefined && r.revision !== revision) return { problem: `it holds revision ${r.revision}, not ${revision}` };
  if (!outcomes.includes(r.outcome as ReleaseOutcome)) return { problem: `its outcome is not one of ${outcomes.join(", ")}` };
  for (const key of ["app", "environment", "target", "startedAt"] as const)
    if (typeof r[key] !== "string") return { problem: `its ${key} is not a string` };
  if (!optional(r.finishedAt, (v) => typeof v === "string")) return { problem: "its finishedAt is not a string" };
  const artifact = r.artifact as Record<string, unknown> | undefined;
  const artifactOk =
    isObject(artifact) &&
    ((artifact?.kind === "local-snapshot" && typeof artifact.digest === "string" && typeof artifact.path === "string") ||
      (artifact?.kind === "image" && typeof artifact.ref === "string"));
  if (!artifactOk) return { problem: "its artifact is not a local snapshot or an image" };
  if (!optional(r.git, (v) => isObject(v) && typeof (v as { commit?: unknown }).commit === "string"))
    return { problem: "its git is not a commit" };
  if (!Array.isArray(r.phases)) return { problem: "its phases are not a list" };
  if (!optional(r.rollbackOf, Number.isSafeInteger)) return { problem: "its rollbackOf is not a revision" };
  const failure = r.failure as Record<string, unknown> | undefined;
  if (!optional(failure, (v) => isObject(v) && typeof failure?.class === "string" && typeof failure.message === "string"))
    return { problem: "its failure has no class and message" };
  if (!isObject(r.secrets)) return { problem: "its secrets are not an object" };
  if (!isObject(r.runtime)) return { problem: "its runtime is not an object" };
  return { record: value as ReleaseRecord };
}
