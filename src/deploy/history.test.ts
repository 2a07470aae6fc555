import { describe, expect, it } from "vitest";
import { currentRelease, protectedRevisions, type ReleaseRecord, revisionsToPrune } from "./history.js";

const record = (revision: number, outcome: ReleaseRecord["outcome"]) => ({ revision, outcome }) as ReleaseRecord;

describe("history helpers", () => {
  it("the current release is the newest succeeded one", () => {
    expect(currentRelease([record(1, "succeeded"), record(2, "succeeded"), record(3, "failed")])?.revision).toBe(2);
    expect(currentRelease([record(1, "failed")])).toBeUndefined();
  });
  it("prunes all but the newest N succeeded releases and what came after them", () => {
    const records = [1, 2, 3, 4, 5, 6].map((r) => record(r, r === 5 ? "failed" : "succeeded"));
    expect(revisionsToPrune(records, 2).sort()).toEqual([1, 2, 3]);
    expect(revisionsToPrune(records, 10)).toEqual([]);
  });
  it("keeps at most the newest N failed or interrupted releases, also before any success", () => {
    const failedRetries = [record(1, "succeeded"), ...[2, 3, 4, 5, 6].map((r) => record(r, r === 4 ? "interrupted" : "failed"))];
    expect(revisionsToPrune(failedRetries, 2).sort()).toEqual([2, 3, 4]);
    const neverServed = [1, 2, 3, 4].map((r) => record(r, "failed"));
    expect(revisionsToPrune(neverServed, 1).sort()).toEqual([1, 2, 3]);
    // Between kept successes too.
    const mixed = [record(1, "succeeded"), record(2, "failed"), record(3, "failed"), record(4, "succeeded"), record(5, "failed")];
    expect(revisionsToPrune(mixed, 2).sort()).toEqual([2]);
  });

  it("never prunes a release in progress", () => {
    expect(revisionsToPrune([record(1, "in-progress"), record(2, "succeeded"), record(3, "succeeded")], 1)).toEqual([2]);
  });
  it("never prunes the serving release, whatever keep is: below 1 counts as 1", () => {
    const records = [1, 2, 3].map((r) => record(r, "succeeded"));
    for (const keep of [0, -1, -Infinity, Number.NaN, 0.5]) expect(revisionsToPrune(records, keep).sort()).toEqual([1, 2]);
    // A failed newest release: the serving one is the newest succeeded, below it.
    const failedLast = [record(1, "succeeded"), record(2, "succeeded"), record(3, "failed")];
    expect(revisionsToPrune(failedLast, 0).sort()).toEqual([1]);
  });
  it("never prunes the release a serving rollback runs from, nor the chain of rollbacks behind it", () => {
    const records = [
      record(1, "succeeded"),
      record(2, "succeeded"),
      { ...record(3, "succeeded"), rollbackOf: 1 },
      record(4, "failed"),
      { ...record(5, "succeeded"), rollbackOf: 3 },
    ];
    expect([...protectedRevisions(records)].sort()).toEqual([1, 3, 5]);
    expect(revisionsToPrune(records, 1).sort()).toEqual([2, 4]);
  });
});
