import type { ReleaseRecord } from "../model/release-record.js";

export { checkReleaseRecord, type HistoryStore, type ReleaseOutcome, type ReleaseRecord } from "../model/release-record.js";

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
 * Revisions to delete so that `keep` succeeded releases remain, with at most the `keep` newest
 * failed or interrupted releases among the ones newer than the oldest kept (their logs explain a
 * failure; a run of failed retries must not fill the disk). Whatever `keep` is (0, negative, NaN),
 * the serving release and the files it runs from are never listed: a `keep` below 1 counts as 1.
 */
export function revisionsToPrune(records: readonly ReleaseRecord[], keep: number): number[] {
  const atLeastOne = Number.isFinite(keep) && keep >= 1 ? Math.floor(keep) : 1;
  const spared = protectedRevisions(records);
  const sorted = [...records].sort((a, b) => b.revision - a.revision);
  let kept = 0;
  let keptFailed = 0;
  const prune: number[] = [];
  for (const record of sorted) {
    if (record.outcome === "in-progress" || spared.has(record.revision)) {
      if (record.outcome === "succeeded") kept++;
      continue;
    }
    if (kept < atLeastOne) {
      if (record.outcome === "succeeded") {
        kept++;
        continue;
      }
      if (keptFailed < atLeastOne) {
        keptFailed++;
        continue;
      }
    }
    prune.push(record.revision);
  }
  return prune;
}
