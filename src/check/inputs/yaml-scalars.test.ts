/*
 * Kubernetes reads manifests with go-yaml v2 (through sigs.k8s.io/yaml): every YAML 1.1 scalar
 * form, key and merge below is checked against what go-yaml v2.4 gives, through both readers
 * (the fast one and the `yaml`-library fallback), in block and flow context.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastYamlDocument } from "./fast-yaml.js";
import { parseWithLibrary, parseYamlStream } from "./yaml-documents.js";

/** [plain scalar as written, what Kubernetes sees] */
const table: [string, unknown][] = [
  // bools: go-yaml v2's resolve table, single letters included; other spellings are strings
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s): [string, unknown] => [s, true]),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s): [string, unknown] => [s, false]),
  ...["yES", "yEs", "tRUE", "oN", "oFF", "nO", "Of", "yess", "t", "f"].map((s): [string, unknown] => [s, s]),
  // null
  ...["~", "null", "Null", "NULL"].map((s): [string, unknown] => [s, null]),
  ...["nULL", "NUll", "nil", "None"].map((s): [string, unknown] => [s, s]),
  // ints: strconv.ParseInt(s, 0, 64) after removing `_`
  ["0", 0],
  ["-0", 0],
  ["+0", 0],
  ["12", 12],
  ["+12", 12],
  ["-12", -12],
  ["1_000", 1000],
  ["1__0_", 10],
  ["0755", 493],
  ["-0755", -493],
  ["0o755", 493],
  ["0O17", 15],
  ["0x1F", 31],
  ["0X1f", 31],
  ["-0x1F", -31],
  ["+0x1F", 31],
  ["0x_1F", 31],
  ["0b1010", 10],
  ["0B11", 3],
  ["-0b11", -3],
  ["0b1_0", 2],
  // Beyond 2^53 a JavaScript number rounds; Kubernetes keeps int64 (then uint64) exactly.
  ["9223372036854775807", Number(9223372036854775807n)],
  ["-9223372036854775808", Number(-9223372036854775808n)],
  ["18446744073709551615", Number(18446744073709551615n)],
  // floats
  ["08", 8],
  ["09.5", 9.5],
  ["1.5", 1.5],
  ["-1.5", -1.5],
  ["+.5", 0.5],
  [".5", 0.5],
  ["1.", 1],
  ["1e3", 1000],
  ["1E-3", 0.001],
  ["6.8523015e+5", 685230.15],
  ["1_000.5", 1000.5],
  ["1e-400", 0],
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s): [string, unknown] => [s, Number.POSITIVE_INFINITY]),
  ...["-.inf", "-.Inf", "-.INF"].map((s): [string, unknown] => [s, Number.NEGATIVE_INFINITY]),
  ...[".nan", ".NaN", ".NAN"].map((s): [string, unknown] => [s, Number.NaN]),
  // strings go-yaml leaves alone: no sexagesimal, out-of-range floats, half-numbers
  ...[
    "190:20:30",
    "1:20",
    "190:20:30.15",
    "-1:30",
    "1e400",
    ".1e400",
    ".5_0",
    "._5",
    "+.nan",
    ".iNf",
    "0x",
    "0b",
    "0b2",
    "0o8",
    "0xG",
    "1e",
    "+",
    "_1",
    "1.2.3",
    "0.0.0.0",
    "1,000",
    "<<",
    "=",
    "abc",
    "3000m",
    "512Mi",
    "1.25.3",
    "v1",
  ].map((s): [string, unknown] => [s, s]),
  // timestamps become time.Time, which JSON writes as RFC 3339
  ["2001-12-14", "2001-12-14T00:00:00Z"],
  ["2001-2-3", "2001-02-03T00:00:00Z"],
  ["2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.1-05:00"],
  ["2001-12-14T21:59:43.10+00:00", "2001-12-14T21:59:43.1Z"],
  ["2001-12-15T02:59:43.1Z", "2001-12-15T02:59:43.1Z"],
  ["2001-12-14 21:59:43.10", "2001-12-14T21:59:43.1Z"],
  ["2001-12-14T21:59:43.000Z", "2001-12-14T21:59:43Z"],
  ["2024-02-29", "2024-02-29T00:00:00Z"],
  ...["2023-02-29", "2001-13-01", "2001-12-14T21:59:43", "2001-12-14 21:59:43.10 -5", "2001-12-14T25:00:00Z", "20011-12-14"].map(
    (s): [string, unknown] => [s, s],
  ),
];

/** [plain key as written, the JSON key Kubernetes sees] */
const keys: [string, string][] = [
  ["yes", "true"],
  ["on", "true"],
  ["N", "false"],
  ["Off", "false"],
  ["0x10", "16"],
  ["010", "8"],
  ["1_000", "1000"],
  ["-0b11", "-3"],
  ["1.5", "1.5"],
  ["1e6", "1e+06"],
  ["100000.0", "100000"],
  ["0.00001", "1e-05"],
  ["0.0001", "0.0001"],
  ["3.14159265", "3.1415927"],
  [".inf", ".inf"],
  ["-.Inf", "-.inf"],
  ["9223372036854775807", "9223372036854775807"],
  ["name", "name"],
  ["190:20:30", "190:20:30"],
];

const fast = (text: string) => fastYamlDocument(text.split("\n"), 1, "kubernetes")?.data;
const library = (text: string) => {
  const stream = parseWithLibrary(text, 0, "kubernetes");
  expect(stream.errors).toEqual([]);
  return stream.documents[0]?.data;
};

describe("YAML 1.1 scalars as Kubernetes reads them (go-yaml v2), through both readers", () => {
  it.each(table)("%s", (form, want) => {
    const block = `a: ${form}\nb:\n  - ${form}\n`;
    const expected = { a: want, b: [want] };
    expect(fast(block)).toEqual(expected);
    expect(library(block)).toEqual(expected);
    if (!/[,[\]{}]/.test(form)) {
      const flow = `a: [${form}, {k: ${form}}]\n`;
      expect(fast(flow)).toEqual({ a: [want, { k: want }] });
      expect(library(flow)).toEqual({ a: [want, { k: want }] });
    }
    // Quoted, a scalar is always a string.
    expect(fast(`a: '${form}'\n`)).toEqual({ a: form });
    expect(library(`a: "${form}"\n`)).toEqual({ a: form });
  });

  it("an empty value is null", () => {
    for (const text of ["a:\n", "a: \n", "a: []\nb: {c: , d}\n"]) {
      const quick = fast(text);
      if (quick !== undefined) expect(quick).toEqual(library(text));
    }
    expect(fast("a:\n")).toEqual({ a: null });
    expect(library("a: []\nb: {c: , d}\n")).toEqual({ a: [], b: { c: null, d: null } });
  });

  it.each(keys)("the key %s is %s", (form, want) => {
    expect(fast(`${form}: x\n`)).toEqual({ [want]: "x" });
    expect(library(`${form}: x\n`)).toEqual({ [want]: "x" });
    if (!form.includes(":")) {
      expect(fast(`m: {${form}: x}\n`)).toEqual({ m: { [want]: "x" } });
      expect(library(`m: {${form}: x}\n`)).toEqual({ m: { [want]: "x" } });
    }
    expect(library(`"${form}": x\n`)).toEqual({ [form]: "x" });
  });

  it.each(["~", "null", "2001-12-14", "18446744073709551615"])("the key %s is an error, as in Kubernetes", (form) => {
    expect(fast(`${form}: x\n`)).toBeUndefined(); // the fast reader leaves it to the library, which reports it
    const stream = parseYamlStream(`a: 1\n${form}: x\n`, "kubernetes");
    expect(stream.documents).toEqual([]);
    expect(stream.errors[0]?.line).toBe(2);
  });

  it("tags: !!str keeps the text, the others resolve and must agree, as in go-yaml", () => {
    expect(library('a: !!str yes\nb: !!int "0x10"\nc: !!float 1\nd: !!bool "on"\ne: !!null ""\nf: !custom yes\n')).toEqual({
      a: "yes",
      b: 16,
      c: 1,
      d: true,
      e: null,
      f: "yes",
    });
    expect(parseYamlStream("a: !!int abc\n", "kubernetes").errors[0]?.message).toMatch(/cannot decode !!str `abc` as a !!int/);
  });

  it("slipway's own renders (golden files) read the same as Kubernetes reads them as in YAML 1.2", () => {
    const root = join(import.meta.dirname, "..", "..", "..", "test", "golden");
    const files = readdirSync(root).flatMap((example) =>
      readdirSync(join(root, example))
        .filter((f) => f.startsWith("kubernetes-"))
        .map((f) => join(root, example, f)),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(
        parseYamlStream(text, "kubernetes").documents.map((d) => d.data),
        file,
      ).toEqual(parseYamlStream(text, "core").documents.map((d) => d.data));
    }
  });

  it("the core schema (CI files) still reads YAML 1.2", () => {
    expect(parseYamlStream("on: push\na: yes\nb: 0755\nc: y\n").documents[0]?.data).toEqual({ on: "push", a: "yes", b: 755, c: "y" });
  });
});

describe("merge keys as go-yaml v2 applies them", () => {
  const cases: [string, string, unknown][] = [
    ["a merged mapping", "base: &b {privileged: yes}\nc:\n  <<: *b\n  name: x\n", { privileged: true, name: "x" }],
    ["a list, earlier mappings winning", "x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nc:\n  <<: [*x, *y]\n", { a: 1, b: 1, c: 2 }],
    ["keys after the merge override it", "x: &x {a: 1}\nc:\n  <<: *x\n  a: 2\n", { a: 2 }],
    // go-yaml v2 writes keys in document order, so a merge overrides the keys before it.
    ["keys before the merge are overridden by it", "x: &x {a: 1}\nc:\n  a: 2\n  <<: *x\n", { a: 1 }],
    ["nested merges", "x: &x {a: 1}\ny: &y {<<: *x, b: 2}\nc: {<<: *y, c: 3}\n", { a: 1, b: 2, c: 3 }],
    ["an inline mapping", "c:\n  <<: {a: 1}\n  b: 2\n", { a: 1, b: 2 }],
    ["a block mapping", "c:\n  <<:\n    a: 1\n  b: 2\n", { a: 1, b: 2 }],
    ["a list of inline mappings", "c:\n  <<: [{a: 1}, {a: 2, b: 2}]\n", { a: 1, b: 2 }],
    ["a quoted << is a plain key", 'c:\n  "<<": {a: 1}\n', { "<<": { a: 1 } }],
  ];
  it.each(cases)("%s", (_name, text, want) => {
    expect((library(text) as { c: unknown }).c).toEqual(want);
    const quick = fast(text) as { c: unknown } | undefined;
    if (quick !== undefined) expect(quick.c).toEqual(want); // without anchors the fast reader takes it
  });

  it("the fast reader takes merges without anchors and agrees with the library", () => {
    for (const text of ["c:\n  <<: {a: 1}\n  b: 2\n", "c:\n  a: 0\n  <<:\n    - {a: 1}\n    - b: 2\n", "c: {<<: {a: 1}, a: 3}\n"]) {
      expect(fast(text)).toBeDefined();
      expect(fast(text)).toEqual(library(text));
    }
  });

  it.each(["c:\n  <<: 1\n", "c:\n  <<: [1]\n", "c:\n  <<:\n"])("a merge of something else is an error: %j", (text) => {
    const stream = parseYamlStream(text, "kubernetes");
    expect(stream.documents).toEqual([]);
    expect(stream.errors[0]?.message).toMatch(/map merge requires/);
  });

  it("locates merged keys where they are written", () => {
    const doc = parseYamlStream("base: &b\n  privileged: yes\nc:\n  name: x\n  <<: *b\n", "kubernetes").documents[0];
    expect(doc?.locate(["c", "privileged"])).toBe(2);
    expect(doc?.locate(["c", "name"])).toBe(4);
    const quick = parseYamlStream("c:\n  name: x\n  <<:\n    privileged: yes\n", "kubernetes").documents[0];
    expect(quick?.locate(["c", "privileged"])).toBe(4);
  });

  it("locates resolved keys", () => {
    const doc = parseYamlStream("a: &x 1\nyes: *x\n", "kubernetes").documents[0];
    expect(doc?.data).toEqual({ a: 1, true: 1 });
    expect(doc?.locate(["true"])).toBe(2);
  });

  it("stops an alias bomb with an error", () => {
    let text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(", ")}]\n`;
    const stream = parseYamlStream(text, "kubernetes");
    expect(stream.documents).toEqual([]);
    expect(stream.errors[0]?.message).toMatch(/alias/);
  });
});

describe("the two readers agree on random documents in the Kubernetes schema", () => {
  const plain = fc.oneof(
    fc.constantFrom(...table.map(([form]) => form), ...keys.map(([form]) => form)),
    fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9._\-/]{0,10}$/),
  );
  const key = fc.oneof(fc.constantFrom(...keys.map(([form]) => form), "<<"), fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/));
  type Tree = { s: string } | { seq: Tree[] } | { map: [string, Tree][] };
  const tree = fc.letrec<{ node: Tree }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      plain.map((s) => ({ s })),
      fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((seq) => ({ seq })),
      fc.array(fc.tuple(key, tie("node")), { minLength: 1, maxLength: 4 }).map((map) => ({ map })),
    ),
  })).node;
  /** Block YAML with every scalar written plain, so that resolution decides what it means. */
  const emit = (t: Tree, indent: string): string => {
    if ("s" in t) return ` ${t.s}\n`;
    if ("seq" in t) return `\n${t.seq.map((v) => `${indent}-${emit(v, `${indent}  `)}`).join("")}`;
    return `\n${t.map.map(([k, v]) => `${indent}${k}:${emit(v, `${indent}  `)}`).join("")}`;
  };

  it("fast reader = library on every document the fast reader accepts (merges and errors included)", () => {
    let fastRuns = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc
          .array(fc.tuple(key, tree), { minLength: 1, maxLength: 5 })
          .map((pairs) => pairs.map(([k, v]) => `${k}:${emit(v, "  ")}`).join("")),
        (text) => {
          runs++;
          const lib = parseWithLibrary(text, 0, "kubernetes");
          const quick = fastYamlDocument(text.split("\n"), 1, "kubernetes");
          if (quick === undefined) return;
          fastRuns++;
          expect(lib.errors).toEqual([]);
          expect(quick.data).toEqual(lib.documents[0]?.data);
        },
      ),
      { numRuns: 600 },
    );
    expect(fastRuns / runs).toBeGreaterThan(0.5);
  });
});
