import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { toYaml, toYamlStream } from "./yaml-stream.js";

const tricky = fc.constantFrom(
  "E-0",
  "e+5",
  "E5",
  "yes",
  "No",
  "ON",
  "off",
  "y",
  "N",
  "true",
  "False",
  "null",
  "~",
  "",
  " ",
  "1",
  "1.0",
  "0x1F",
  "0o17",
  "012",
  "1e3",
  ".5",
  ".inf",
  "-.Inf",
  ".NaN",
  "2001-12-14",
  "1:20",
  "<<",
  "- a",
  "? a",
  ": a",
  "a: b",
  "a #b",
  "#a",
  "&a",
  "*a",
  "!a",
  "|",
  ">",
  "'",
  '"',
  "%a",
  "@a",
  "`a",
  "a\nb",
  "a\tb",
  "\u2028",
  "\u0085",
  "a ",
  " a",
  "[a]",
  "{a}",
  "a,b",
  "=",
  "latest",
  "/metrics",
  "a.",
  "E0",
  "e12",
  "-0",
);

describe("toYaml", () => {
  it("round-trips any JSON value through YAML 1.2 and 1.1 parsers", () => {
    const value = fc.jsonValue({ maxDepth: 4 });
    const withTricky = fc.oneof(value, fc.dictionary(fc.oneof(tricky, fc.string()), fc.oneof(tricky, fc.string(), fc.array(tricky))));
    fc.assert(
      fc.property(withTricky, (v) => {
        const text = toYaml(v);
        expect(parse(text)).toEqual(v);
        expect(parse(text, { version: "1.1" })).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it("every short string over number-ish characters reads back as the same string (YAML 1.2 and 1.1)", () => {
    // Exhaustive where random strings rarely reach: exponents ("E-0"), signs, dots, underscores, radix prefixes.
    const alphabet = ["e", "E", "0", "1", "-", "+", ".", "_", "x", "o", "b", ":", "a"];
    const words: string[] = [...alphabet];
    for (const a of alphabet) for (const b of alphabet) words.push(a + b);
    for (const a of alphabet) for (const b of alphabet) for (const c of alphabet) words.push(a + b + c);
    const misread = words.filter((w) => {
      const text = toYaml({ k: w, [w]: "v" });
      return parse(text)?.k !== w || parse(text, { version: "1.1" })?.k !== w || parse(text, { version: "1.1" })?.[w] !== "v";
    });
    expect(misread).toEqual([]);
  });

  it("writes plain words plain and quotes what a parser could misread", () => {
    expect(toYaml({ a: "RuntimeDefault", b: "yes", c: "1.0", d: "/up", e: "" })).toBe(
      'a: RuntimeDefault\nb: "yes"\nc: "1.0"\nd: /up\ne: ""\n',
    );
  });

  it("indents sequences under their key", () => {
    expect(toYaml({ a: [{ b: 1, c: [2] }], d: [], e: {} })).toBe("a:\n  - b: 1\n    c:\n      - 2\nd: []\ne: {}\n");
  });

  it("writes a stream of documents", () => {
    const docs = parseAllDocuments(toYamlStream([{ a: 1 }, { b: [true, null] }])).map((d) => d.toJS());
    expect(docs).toEqual([{ a: 1 }, { b: [true, null] }]);
  });
});

describe("toYaml with literalBlocks", () => {
  it("writes a multi-line script as a literal block that reads back unchanged", () => {
    const value = { run: "echo one\n  indented \"q\" 'x' $HOME #c\n\nlast", kept: "a\nb\n" };
    const text = toYaml(value, { literalBlocks: true });
    expect(text).toBe(`run: |-\n  echo one\n    indented "q" 'x' $HOME #c\n\n  last\nkept: |\n  a\n  b\n`);
    expect(parse(text)).toEqual(value);
  });

  it("reads back every string unchanged, falling back to quotes when a block cannot hold it", () => {
    const line = fc.stringMatching(/^[ -~\t\r\u00e9\u2028]{0,12}$/);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), fc.boolean(), (lines, newline) => {
        const value = { a: { run: `${lines.join("\n")}${newline ? "\n" : ""}` }, list: [{ script: lines.join("\n") }] };
        expect(parse(toYaml(value, { literalBlocks: true }), { version: "1.1" })).toEqual(value);
        const text = toYaml(value, { literalBlocks: true });
        expect(parse(text)).toEqual(value);
        if (/\u2028|\t|\r/.test(lines.join(""))) expect(text).not.toMatch(/: \|-?\n/);
      }),
      { numRuns: 500 },
    );
  });
});
