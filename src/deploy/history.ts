import type { Failure, PhaseName } from "./events.js";

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

/**
 * The revisions nothing may delete: the serving release and, when it re-deployed an earlier
 * release's artifact (rollback), that release and the one it in turn came from.
 */
export function protectedRevisions(records: readonly ReleaseRecord[]): Set<number> {
  const spared = new Set<number>();
  let record = currentRelease(records);
  while (record !== undefined && !spared.has(record.revision)) {
    spared.add(record.revision);
    const from = record.rollbackOf;
    record = from === undefined ? undefined : records.find((r) => r.revision === from);
  }
  return spared;
}

/**
 * Revisions to delete so that `keep` succeeded releases (and everything newer) remain. Whatever
 * `keep` is (0, negative, NaN), the serving release and the files it runs from are never listed:
 * a `keep` below 1 counts as 1.
 */
export function revisionsToPrune(records: readonly ReleaseRecord[], keep: number): number[] {
  const atLeastOne = Number.isFinite(keep) && keep >= 1 ? Math.floor(keep) : 1;
  const spared = protectedRevisions(records);
  const sorted = [...records].sort((a, b) => b.revision - a.revision);
  let kept = 0;
  const prune: number[] = [];
  for (const record of sorted) {
    if (record.outcome === "in-progress" || spared.has(record.revision)) {
      if (record.outcome === "succeeded") kept++;
      continue;
    }
    if (kept < atLeastOne) {
      if (record.outcome === "succeeded") kept++;
      continue;
    }
    prune.push(record.revision);
  }
  return prune;
}
