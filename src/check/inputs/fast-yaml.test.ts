import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { fastYamlDocument } from "./fast-yaml.js";
import { parseWithLibrary, parseYamlStream } from "./yaml-documents.js";

const root = join(import.meta.dirname, "..", "..", "..");

/** What the YAML library reads, for comparison. */
function library(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

describe("the fast YAML path reads what the YAML library reads", () => {
  const key = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom("a", "name", "on", "yes", "null", "1", "a: b", "# x", "- y", "key with space"),
  );
  const scalar = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      "yes",
      "no",
      "~",
      "08",
      "0x1F",
      "0o17",
      "1e3",
      ".inf",
      "-.Inf",
      "true",
      "NULL",
      "'q'",
      '"q"',
      "a #b",
      "- a",
      "x: y",
      "multi\nline\n",
      "trail  ",
      "|",
      ">",
    ),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      scalar,
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(key, tie("node"), { maxKeys: 4 }),
    ),
  })).node;

  it("on random values in every style the YAML library writes", () => {
    let fastRuns = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        value,
        fc.constantFrom(
          {},
          { lineWidth: 0 },
          { indentSeq: false },
          { defaultStringType: "QUOTE_DOUBLE" as const },
          { collectionStyle: "flow" as const },
        ),
        (v, options) => {
          const text = stringify(v, options);
          const fast = fastYamlDocument(text.split("\n"), 1);
          runs++;
          if (fast) {
            fastRuns++;
            expect(fast.data).toEqual(parse(text));
          }
        },
      ),
      { numRuns: 2000 },
    );
    // Not vacuous: most random documents take the fast path.
    expect(fastRuns / runs).toBeGreaterThan(0.5);
  });

  it("on every golden render, taking the fast path for all of them", () => {
    for (const example of readdirSync(join(root, "test", "golden"))) {
      for (const file of readdirSync(join(root, "test", "golden", example)).filter((f) => f.startsWith("kubernetes-"))) {
        const text = readFileSync(join(root, "test", "golden", example, file), "utf8");
        const stream = parseYamlStream(text);
        expect(stream.errors).toEqual([]);
        expect(stream.documents.map((d) => d.data)).toEqual(library(text).filter((d) => d !== null));
        for (const chunk of text.split(/^---\n/m).filter((c) => c.trim() !== ""))
          expect(fastYamlDocument(chunk.split("\n"), 1)).toBeDefined();
      }
    }
  });

  it("locates keys and items by line", () => {
    const doc = fastYamlDocument(
      ["kind: Deployment", "spec:", "  containers:", "    - name: web", "      image: x", "    - name: side", "      ports: [1, 2]"],
      10,
    );
    expect(doc?.locate(["spec", "containers", 1, "ports"])).toBe(16);
    expect(doc?.locate(["spec", "containers", 0, "missing"])).toBe(13);
  });

  it("locates every path on the line the library gives it (sequences, merges, repeated keys, nulls)", () => {
    const text = [
      "base: {cpu: 1, mem: 2}",
      "list:",
      "- - a",
      "  - b",
      "-   c: 1",
      "    d:",
      "      - x",
      "      - y",
      "- |",
      "  block",
      "m:",
      "  <<: [{p: 1}, {q: 2}]",
      "  q: 3",
      "  r:",
      "  s:",
      "  - 1",
      "  - k: v",
      "    <<:",
      "      z: 9",
      "  r: again",
      "n:",
      "  <<:",
      "    one: 1",
      "    two:",
      "      deep: true",
      "  two: replaced",
      "last:",
    ].join("\n");
    const lines = text.split("\n");
    const fast = fastYamlDocument(lines, 1, "kubernetes");
    const slow = parseWithLibrary(text, 0, "kubernetes").documents[0];
    expect(fast?.data).toEqual(slow?.data);
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      paths.push(path, [...path, "absent"], [...path, 7]);
      if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, [...path, i]);
      else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(fast?.data, []);
    for (const path of paths) expect([path, fast?.locate(path)]).toEqual([path, slow?.locate(path)]);
  });

  it.each([
    ["an anchor", "a: &x 1\nb: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a multi-line plain scalar", "a: one\n  two\n"],
    ["a multi-line quoted scalar", 'a: "one\n  two"\n'],
  ])("gives %s to the library", (_name, text) => {
    expect(fastYamlDocument(text.split("\n"), 1)).toBeUndefined();
    expect(parseYamlStream(text).documents[0]?.data).toEqual(parse(text));
  });

  it("gives an escape past U+10FFFF to the library instead of failing on it", () => {
    // String.fromCodePoint throws a RangeError there: check once ended in INTERNAL on such a file.
    const text = 'data:\n  a: "\\UFFFFFFFF"\n  b: "\\U0001F600"\n';
    expect(fastYamlDocument(text.split("\n"), 1)).toBeUndefined();
    expect(fastYamlDocument(['b: "\\U0001F600\\x41"'], 1)?.data).toEqual({ b: "😀A" });
    expect(() => parseYamlStream(text)).not.toThrow();
  });

  it("gives tab indentation to the library, which reports it", () => {
    expect(fastYamlDocument(["a:", "\tb: 1"], 1)).toBeUndefined();
    expect(parseYamlStream("a:\n\tb: 1\n").errors[0]?.line).toBe(2);
  });
});
