import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lineDiff } from "./line-diff.js";

describe("lineDiff", () => {
  it("shows changed lines with context", () => {
    expect(lineDiff("a\nb\nc\n", "a\nB\nc\n")).toEqual(["  a", "- b", "+ B", "  c"]);
  });
  it("is empty of changes for equal texts", () => {
    expect(lineDiff("a\nb\n", "a\nb\n").some((l) => !l.startsWith("  "))).toBe(false);
  });
  it("elides far-away unchanged lines", () => {
    const before = ["x", "1", "2", "3", "4", "5", "6", "7", "8", "y"].join("\n");
    const after = ["X", "1", "2", "3", "4", "5", "6", "7", "8", "Y"].join("\n");
    expect(lineDiff(before, after, 1)).toEqual(["- x", "+ X", "  1", "  …", "  8", "- y", "+ Y"]);
  });
  it("removed and added lines rebuild both sides", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d")), fc.array(fc.constantFrom("a", "b", "c", "d")), (x, y) => {
        const d = lineDiff(x.join("\n"), y.join("\n"), 1000);
        if (x.join("\n") === y.join("\n")) {
          expect(d).toEqual([]);
        } else {
          expect(d.filter((l) => !l.startsWith("+ ")).map((l) => l.slice(2))).toEqual(x);
          expect(d.filter((l) => !l.startsWith("- ")).map((l) => l.slice(2))).toEqual(y);
        }
      }),
    );
  });
});

describe("lineDiff on large texts", () => {
  const lines = Array.from({ length: 10_000 }, (_, i) => `  key${i}: value-${i}`);
  // The 5 s is a safety bound, not a benchmark: the N×M table it replaced took 9–30 s and 900 MB here.
  it("one changed line in 10,000: only that line and its context", { timeout: 5_000 }, () => {
    const changed = [...lines];
    changed[5000] = "  key5000: changed";
    expect(lineDiff(lines.join("\n"), changed.join("\n"), 1)).toEqual([
      "    key4999: value-4999",
      "-   key5000: value-5000",
      "+   key5000: changed",
      "    key5001: value-5001",
    ]);
  });
  it("past the edit bound, the changed middle is shown whole: removed lines, then added ones", () => {
    const other = lines.map((l) => `${l}x`);
    const d = lineDiff(lines.join("\n"), other.join("\n"), 0);
    expect(d).toHaveLength(20_000);
    expect(d.slice(0, 10_000).every((l) => l.startsWith("- "))).toBe(true);
    expect(d.slice(10_000).every((l) => l.startsWith("+ "))).toBe(true);
  });
  it("scattered changes under the bound are aligned line by line", () => {
    const changed = lines.map((l, i) => (i % 50 === 0 ? `${l} (edited)` : l));
    const d = lineDiff(lines.join("\n"), changed.join("\n"), 0);
    expect(d.filter((l) => l.startsWith("- "))).toHaveLength(200);
    expect(d.filter((l) => l.startsWith("+ "))).toHaveLength(200);
  });
});
