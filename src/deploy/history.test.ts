import { describe, expect, it } from "vitest";
import { currentRelease, type ReleaseRecord, revisionsToPrune } from "./history.js";

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
  it("never prunes a release in progress", () => {
    expect(revisionsToPrune([record(1, "in-progress"), record(2, "succeeded")], 0)).toEqual([2]);
  });
});
