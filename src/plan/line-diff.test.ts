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
