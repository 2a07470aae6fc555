import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastSpec } from "./fast-spec.js";
import { parseSpecText, parseSpecTextWithLibrary, type SourceDocument } from "./load.js";

const repoRoot = join(import.meta.dirname, "..", "..");

/** Every path in `data`, plus paths that are not there (a missing key, an index past the end, a step into a scalar). */
function pathsOf(data: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(data)) {
    data.forEach((item, i) => {
      pathsOf(item, [...prefix, i], out);
    });
    out.push([...prefix, data.length], [...prefix, "0"], [...prefix, -1]);
  } else if (typeof data === "object" && data !== null) {
    for (const [key, value] of Object.entries(data)) pathsOf(value, [...prefix, key], out);
    out.push([...prefix, "no-such-key"], [...prefix, 0], [...prefix, "no-such-key", "deeper"]);
  } else out.push([...prefix, "x"], [...prefix, 0]);
  return out;
}

function view(doc: SourceDocument) {
  return {
    data: doc.data,
    paths: pathsOf(doc.data).map((path) => ({
      path,
      key: doc.locate(path, "key"),
      value: doc.locate(path, "value"),
      has: doc.has(path),
      source: doc.scalarSource(path),
    })),
  };
}

/** The fast reader's document equals the library's in data and every location, or the fast reader bails. Returns whether it read it. */
function agrees(text: string): boolean {
  if (!fastSpec(text)) return false;
  const library = parseSpecTextWithLibrary(text, "slipway.yaml"); // must not throw: the fast reader took it
  const fast = parseSpecText(text, "slipway.yaml");
  expect(view(fast)).toEqual(view(library));
  return true;
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) yamlFiles(path, out);
    } else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe("the fast spec reader", () => {
  it("reads every example spec as the yaml library does, with every location (and reads them at all)", () => {
    const examples = readdirSync(join(repoRoot, "examples"), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(examples.length).toBeGreaterThan(2);
    for (const example of examples) {
      const text = readFileSync(join(repoRoot, "examples", example.name, "slipway.yaml"), "utf8");
      expect(agrees(text), example.name).toBe(true);
    }
  });

  it("reads YAML under test/ and docs/ (fixtures, the app corpus, the docs' examples) as the library does, or leaves it to the library", () => {
    const texts = yamlFiles(join(repoRoot, "test")).map((file) => readFileSync(file, "utf8"));
    for (const file of readdirSync(join(repoRoot, "docs")).filter((f) => f.endsWith(".md"))) {
      const md = readFileSync(join(repoRoot, "docs", file), "utf8");
      for (const m of md.matchAll(/```ya?ml\n([\s\S]*?)```/g)) texts.push(m[1] as string);
    }
    let read = 0;
    for (const text of texts) {
      let libraryFails = false;
      try {
        parseSpecTextWithLibrary(text, "slipway.yaml");
      } catch {
        libraryFails = true;
      }
      if (libraryFails) expect(fastSpec(text)).toBeUndefined();
      else if (agrees(text)) read++;
    }
    expect(texts.length).toBeGreaterThan(100);
    expect(read).toBeGreaterThan(30);
  });

  it("locates keys and values like the library: nulls, comments, nested and flow collections, block scalars", () => {
    const text = [
      "# head",
      "",
      "a:",
      "b:   # c",
      "c:",
      "  # comment before the first key",
      "  d: 1",
      "  e: [1, {f: , g: 'h'}, []]",
      "s:",
      "- x",
      "- - 2",
      "  - 3",
      "-",
      "  q: 1",
      "- ",
      "-",
      "- k: v",
      '  l: "w\\tz"',
      '  esc: "\\x41\\u00e9\\U0001F600\\r\\0\\ \\/"',
      "lit: |",
      "  x",
      "",
      "    y",
      "",
      "lit2: |-",
      "  z",
      "fold: >",
      "  p",
      "  q",
      "num: -1.50",
      "empty: |",
      "last: {}",
    ].join("\n");
    expect(agrees(text)).toBe(true);
  });

  it("leaves to the library what YAML 1.1 and 1.2 read differently, and what is outside its subset", () => {
    const bails = [
      "a: yes",
      "a: on",
      "a: [n]",
      "a: 0755",
      "a: 1_000",
      "a: 1:30",
      "a: 1.0.0",
      "a: 1e3",
      "a: .5",
      "a: +1",
      "a: 0x1F",
      "a: 0o17",
      "a: 2026-01-01",
      "a: .inf",
      "a: 12345678901234567890",
      "<<: {a: 1}",
      "a: &x 1\nb: *x",
      "a: !!str 1",
      "%YAML 1.2\n---\na: 1",
      "---\na: 1",
      "a: 1\n---\nb: 2",
      "a:\tb",
      "a: 1\r\nb: 2",
      "a: 1\na: 2",
      "a: {b: 1, b: 2}",
      "__proto__: 1",
      "a: {constructor: 1}",
      "a: 'x\n  y'",
      "a: x\n  y",
      "a: [1,\n  2]",
      "a: |+\n  x\n",
      "a: |2\n  x\n",
      "a: >\n  x\n\n  y\n",
      "a: |\n\n  x\n",
      "1: a",
      "true: a",
      "null: a",
      "? a\n: b",
      "a: {b}",
      'a: "\\q"',
      'a: "\\UFFFFFFFF"',
      "- a",
      "just text",
      "",
      "# only a comment",
      "  a: 1",
      `${"k".repeat(1001)}: 1`,
      `a: ${"x".repeat(20_001)}`,
      `a: ${"[".repeat(70)}${"]".repeat(70)}`,
    ];
    for (const text of bails) expect(fastSpec(text), JSON.stringify(text)).toBeUndefined();
  });

  it("gives every error the library path gives (it bails on all of them)", () => {
    const cases = ["a: 1\na: 2\n", "a: [1, 2\n", "__proto__: 1\n", "a: b: c\n", "- 1\n", "", "a:\n  - 1\n  b: 2\n", "a: 'x\n"];
    for (const text of cases) {
      expect(() => parseSpecTextWithLibrary(text, "slipway.yaml"), JSON.stringify(text)).toThrow();
      let fastError: unknown;
      let libraryError: unknown;
      try {
        parseSpecText(text, "slipway.yaml");
      } catch (error) {
        fastError = error;
      }
      try {
        parseSpecTextWithLibrary(text, "slipway.yaml");
      } catch (error) {
        libraryError = error;
      }
      expect(fastError).toEqual(libraryError);
      expect(JSON.stringify(fastError)).toEqual(JSON.stringify(libraryError));
    }
  });

  it("on generated specs with nasty scalars, either bails or equals the library", () => {
    const scalars = fc.oneof(
      fc.constantFrom(
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "n",
        "~",
        "null",
        "Null",
        "true",
        "FALSE",
        "0",
        "-0",
        "007",
        "0x1F",
        "0o17",
        "1_000",
        "1:30",
        "190:20:30",
        "1.0",
        "1.10",
        "-1.5",
        "1e3",
        "1E-3",
        ".5",
        "+1",
        ".inf",
        "-.Inf",
        ".nan",
        "1.0.0",
        "2026-01-01",
        "2001-12-14t21:59:43.10-05:00",
        "250m",
        "512Mi",
        "-C",
        "-",
        "?",
        ":x",
        "a:b",
        "a: b",
        "a #b",
        "a#b",
        "#x",
        "<<",
        "=",
        "'q'",
        '"d"',
        "it's",
        "x\\y",
        "é",
        "日本",
        "[a]",
        "{a: 1}",
        "",
        " ",
        "a ",
        "@x",
        "`x",
        "%x",
        "&x",
        "*x",
        "!x",
        "|",
        ">",
        "a,b",
        "a]",
        "12345678901234567",
        "9007199254740993",
        "3.141592653589793238",
      ),
      fc.string({
        unit: fc.constantFrom("a", "1", "0", ".", "-", "+", ":", " ", "#", "'", '"', "\\", "x", "e", "_", ",", "[", "]", "{", "}"),
      }),
    );
    const key = fc.oneof(fc.constantFrom("a", "b", "name", "env", "1", "true", "yes", "x y", "a:b", "-k", "<<", "__proto__"), scalars);
    const quote = (s: string, style: number): string =>
      style === 0 ? s : style === 1 ? `'${s.replace(/'/g, "''")}'` : `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    const scalarText = fc.tuple(scalars, fc.integer({ min: 0, max: 2 })).map(([s, style]) => quote(s, style));
    const flow: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
      f: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        scalarText,
        fc.array(tie("f"), { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
        fc
          .array(
            fc.tuple(
              fc.tuple(key, fc.integer({ min: 0, max: 2 })).map(([k, s]) => quote(k, s)),
              tie("f"),
            ),
            { maxLength: 3 },
          )
          .map((kvs) => `{${kvs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
      ),
    })).f;
    type Block = { lines: string[] };
    const comment = fc.oneof(fc.constant(""), fc.constant(" # note"), fc.constant("   #c"));
    const block: fc.Arbitrary<Block> = fc.letrec<{ b: Block }>((tie) => ({
      b: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc
          .array(
            fc.tuple(
              fc.tuple(key, fc.integer({ min: 0, max: 2 })).map(([k, s]) => quote(k, s)),
              value(tie("b")),
              comment,
            ),
            {
              minLength: 1,
              maxLength: 4,
            },
          )
          .map((entries) => ({
            lines: entries.flatMap(([k, v, c]) =>
              v.inline !== undefined
                ? [`${k}:${v.inline === "" ? "" : ` ${v.inline}`}${c}`, ...v.tail]
                : [`${k}:${c}`, ...v.lines.map((l) => `${v.indent}${l}`)],
            ),
          })),
        fc.array(fc.tuple(value(tie("b")), comment), { minLength: 1, maxLength: 3 }).map((items) => ({
          lines: items.flatMap(([v, c]) =>
            v.inline !== undefined
              ? [`-${v.inline === "" ? "" : ` ${v.inline}`}${c}`, ...v.tail]
              : v.lines[0]?.startsWith("- ") || v.indent === ""
                ? [`-${c}`, ...v.lines.map((l) => `  ${l}`)]
                : [`- ${v.lines[0]}`, ...v.lines.slice(1).map((l) => `  ${l}`)],
          ),
        })),
      ),
    })).b;
    function value(inner: fc.Arbitrary<Block>): fc.Arbitrary<{ inline?: string; tail: string[]; lines: string[]; indent: string }> {
      return fc.oneof(
        scalarText.map((s) => ({ inline: s, tail: [], lines: [], indent: "" })),
        flow.map((s) => ({ inline: s, tail: [], lines: [], indent: "" })),
        fc.constant<{ inline?: string; tail: string[]; lines: string[]; indent: string }>({ inline: "", tail: [], lines: [], indent: "" }),
        fc
          .tuple(
            fc.constantFrom("|", "|-", ">", ">-"),
            fc.array(fc.constantFrom("text", "  more", "# not a comment", "", "x: y"), { minLength: 0, maxLength: 3 }),
          )
          .map(([h, body]) => ({ inline: h, tail: body.map((l) => (l === "" ? "" : `  ${l}`)), lines: [], indent: "" })),
        fc.tuple(inner, fc.constantFrom("  ", "    ", " ")).map(([b, indent]) => ({ tail: [], lines: b.lines, indent })),
      );
    }
    let read = 0;
    fc.assert(
      fc.property(block, fc.boolean(), fc.constantFrom("", "# top\n", "\n"), (doc, trailingNewline, head) => {
        const text = head + doc.lines.join("\n") + (trailingNewline ? "\n" : "");
        let libraryFails = false;
        try {
          parseSpecTextWithLibrary(text, "slipway.yaml");
        } catch {
          libraryFails = true;
        }
        if (libraryFails) expect(fastSpec(text), text).toBeUndefined();
        else if (agrees(text)) read++;
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(300);
  });
});
