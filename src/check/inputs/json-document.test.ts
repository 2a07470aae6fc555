import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxNestingDepth } from "../../spec/yaml-limits.js";
import { readJsonDocument } from "./json-document.js";

describe("readJsonDocument", () => {
  it("reads values as JSON.parse does, for any JSON", () => {
    // `__proto__` keys are left to the YAML library on purpose (undefined here); fast-check makes them.
    const protoKey = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.some(protoKey)
        : v !== null && typeof v === "object" && Object.entries(v).some(([k, x]) => k === "__proto__" || protoKey(x));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (value, pretty) => {
        const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
        const read = readJsonDocument(text);
        if (protoKey(value)) {
          expect(read).toBeUndefined();
          return;
        }
        expect(read?.kind).toBe("document");
        expect(read?.kind === "document" && read.data).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
  it("locates keys and items at their lines", () => {
    const text = JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ a: 1 }, { b: [1, { c: true }] }] }, null, 2);
    const read = readJsonDocument(text);
    if (read?.kind !== "document") throw new Error("not read");
    const lines = text.split("\n");
    expect(lines[(read.locate(["items", 1, "b", 1, "c"]) as number) - 1]).toContain('"c": true');
    expect(lines[(read.locate(["kind"]) as number) - 1]).toContain('"kind"');
    expect(read.locate(["items", 0, "missing"])).toBe(read.locate(["items", 0]));
  });
  it("leaves what is not strict JSON to the YAML library", () => {
    for (const text of ["{a: 1}", "[1, 2,]", "[1 2]", '{"a": 1,}', '{"a" 1}', "{} {}", '{"__proto__": {}}', "[01]", '["x\ny"]', "[", "{"])
      expect(readJsonDocument(text), text).toBeUndefined();
  });
  it("stops at the level past the limit, at its line and column, without recursion", () => {
    expect(readJsonDocument(`${"[".repeat(maxNestingDepth)}${"]".repeat(maxNestingDepth)}`)?.kind).toBe("document");
    expect(readJsonDocument(`\n ${"[".repeat(500_000)}`)).toEqual({ kind: "too-deep", line: 2, col: 2 + maxNestingDepth });
  });
});
