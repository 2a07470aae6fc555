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
