import type { Failure, PhaseName } from "./events.js";

export type ReleaseOutcome = "in-progress" | "succeeded" | "failed" | "interrupted";

/** One revision of one app in one environment. Secret-free: names and a hash, never values. */
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
  /** Names of the secrets the release received and a hash of their values (detects rotation). */
  secrets: { names: string[]; hash: string };
  /** Target-specific facts about the running release (ports, pids), never secrets. */
  runtime: Record<string, unknown>;
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

/** The release that serves now: the newest succeeded one. */
export function currentRelease(records: readonly ReleaseRecord[]): ReleaseRecord | undefined {
  return [...records].sort((a, b) => b.revision - a.revision).find((r) => r.outcome === "succeeded");
}

/** Revisions to delete so that `keep` succeeded releases (and everything newer) remain. */
export function revisionsToPrune(records: readonly ReleaseRecord[], keep: number): number[] {
  const sorted = [...records].sort((a, b) => b.revision - a.revision);
  let kept = 0;
  const prune: number[] = [];
  for (const record of sorted) {
    if (record.outcome === "in-progress") continue;
    if (kept < keep) {
      if (record.outcome === "succeeded") kept++;
      continue;
    }
    prune.push(record.revision);
  }
  return prune;
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
