/*
 * Property tests for the HCL reader: a generator writes Terraform-shaped files the way people and
 * modules write them (for/if expressions across lines, heredocs with <<-, nested and labelled blocks,
 * comments of all three kinds between and after everything, tuples, objects and calls across lines,
 * templates with nested braces) and knows the tree it wrote. Two references judge the reader:
 * - the generator's own tree (values, calls with their arguments, the line of every attribute and block);
 * - HashiCorp's HCL parser (@cdktf/hcl2json, the Go parser built to WASM), which also proves the
 *   generated text is valid HCL that means what the generator thinks.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the generator writes HCL interpolations
import { parse as hcl2json } from "@cdktf/hcl2json";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TfAttribute, TfBlock, TfBody, TfValue } from "../types.js";
import { parseHcl } from "./hcl.js";

const runs = Number(process.env.SLIPWAY_PROPERTY_RUNS ?? 150);

/** A value as text plus what the reader must make of it. `heredoc`: the next token must start a new line. */
interface Gen {
  text: string;
  value: TfValue;
  heredoc?: boolean;
}

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const comment = fc.constantFrom("# note", "// note: x = 1", "/* c */", "# } ] ) { [ (", "/* a\n   b */");
const inlineComment = fc.constantFrom("# tail", "// tail", "/* tail */");

// ── Leaves ─────────────────────────────────────────────────────────────────────────────────────

const number: fc.Arbitrary<Gen> = fc.oneof(
  fc.nat(100_000).map((n) => ({ text: String(n), value: n })),
  fc.tuple(fc.nat(999), fc.constantFrom(0.25, 0.5, 0.75)).map(([i, f]) => ({ text: String(i + f), value: i + f })),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 6 })).map(([m, e]) => ({ text: `${m}e${e}`, value: m * 10 ** e })),
  fc.nat(1000).map((n) => ({ text: `-${n + 1}`, value: -(n + 1) })),
);

const literal: fc.Arbitrary<Gen> = fc.constantFrom<Gen>(
  { text: "true", value: true },
  { text: "false", value: false },
  { text: "null", value: null },
);

const reference: fc.Arbitrary<Gen> = fc
  .constantFrom(
    "var.name",
    "local.tags",
    "aws_s3_bucket.logs.arn",
    "module.vpc.private_subnets[0]",
    "data.aws_iam_policy_document.p.json",
    "var.subnets[*].id",
    'local.m["k-1"]',
    "each.value.port",
    "count.index",
    "!var.enabled",
    "-var.offset",
  )
  .map((t) => ({ text: t, value: { expr: t } }));

/** Pieces of a quoted string: literal text, escapes, interpolations and directives (kept as written). */
const stringPiece: fc.Arbitrary<{ text: string; value: string }> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-zA-Z0-9 _.:/=-]{1,10}$/).map((s) => ({ text: s, value: s })) },
  fc.constantFrom(
    { text: '\\"', value: '"' },
    { text: "\\\\", value: "\\" },
    { text: "\\n", value: "\n" },
    { text: "\\t", value: "\t" },
    { text: "\\u00e9", value: "é" },
    { text: "#", value: "#" },
    { text: "//", value: "//" },
  ),
  fc
    .constantFrom(
      "${var.name}",
      "${ var.name }",
      '${local.m["k"]}',
      '${join(",", var.list)}',
      '${ {a = 1}["a"] }',
      "${var.n + 1}",
      '${lookup(var.m, "x", "}")}',
      "%{ if var.on }on%{ else }off%{ endif }",
      "$${literal}",
    )
    .map((t) => ({ text: t, value: t })),
);

const quoted: fc.Arbitrary<Gen> = fc
  .array(stringPiece, { maxLength: 5 })
  .map((ps) => ({ text: `"${ps.map((p) => p.text).join("")}"`, value: ps.map((p) => p.value).join("") }));

const heredocLine = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-zA-Z0-9 _.:{}"[\]=,-]{1,16}$/).filter((s) => s.trim() !== "") },
  fc.constantFrom("", '"Resource": "${aws_s3_bucket.b.arn}/*"', "echo ${ var.name }", "# not a comment", "EOTX"),
);

const heredoc: fc.Arbitrary<Gen> = fc
  .record({
    marker: fc.constantFrom("EOT", "EOF", "POLICY", "END_OF_TEXT"),
    flush: fc.boolean(),
    base: fc.integer({ min: 0, max: 6 }),
    lines: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), heredocLine), { minLength: 1, maxLength: 5 }),
    closeIndent: fc.integer({ min: 0, max: 4 }),
    pad: fc.constantFrom(" ", "\t"),
  })
  .filter((h) => h.lines.some(([, l]) => l.trim() !== "") && !h.lines.some(([, l]) => l.trim() === h.marker))
  .map(({ marker, flush, base, lines, closeIndent, pad }) => {
    const written = lines.map(([extra, l]) => (l === "" ? "" : pad.repeat(base + extra) + l));
    const cut = flush ? Math.min(...written.filter((l) => l !== "").map((l) => l.length - l.trimStart().length)) : 0;
    return {
      text: `<<${flush ? "-" : ""}${marker}\n${written.join("\n")}\n${" ".repeat(closeIndent)}${marker}\n`,
      value: `${written.map((l) => l.slice(cut)).join("\n")}\n`,
      heredoc: true,
    };
  });

const leaf: fc.Arbitrary<Gen> = fc.oneof(number, literal, reference, quoted, quoted);

// ── Composite values ───────────────────────────────────────────────────────────────────────────

/** Separator between items in brackets: commas, optional new lines with comments. */
function listText(
  items: readonly Gen[],
  open: string,
  close: string,
  multiline: boolean,
  comments: readonly string[],
  trailing: boolean,
): string {
  if (!multiline && !items.some((i) => i.heredoc)) return `${open}${items.map((i) => i.text).join(", ")}${close}`;
  let out = `${open}${comments[0] ? ` ${comments[0]}` : ""}\n`;
  items.forEach((item, k) => {
    out += `  ${item.text}`;
    const last = k === items.length - 1;
    const comma = !last || trailing ? "," : "";
    const note = comments[k + 1];
    // After a heredoc (whose text ends with its marker line) the comma starts the next line.
    out += `${comma}${note ? ` ${note}` : ""}\n`;
  });
  return `${out}${close}`;
}

const forTuple: fc.Arbitrary<Gen> = fc
  .record({
    nl: fc.boolean(),
    cond: fc.boolean(),
    note: fc.option(comment, { nil: undefined }),
    body: fc.constantFrom("upper(s)", "s", '"${s}-x"', "{ name = s }", "[s, 1]"),
  })
  .map(({ nl, cond, note, body }) => {
    const sep = nl ? "\n    " : " ";
    const text = `[${nl && note ? ` ${note}` : ""}${sep}for i, s in var.list :${sep}${body}${cond ? `${sep}if s != ""` : ""}${nl ? "\n  " : ""}]`;
    return { text, value: { expr: text } };
  });

const forObject: fc.Arbitrary<Gen> = fc
  .record({ nl: fc.boolean(), cond: fc.boolean(), group: fc.boolean(), note: fc.option(comment, { nil: undefined }) })
  .map(({ nl, cond, group, note }) => {
    const sep = nl ? "\n    " : " ";
    const text = `{${nl && note ? ` ${note}` : ""}${sep}for k, v in var.map : k => v${group ? "..." : ""}${cond ? `${sep}if v != null` : ""}${nl ? "\n  " : " "}}`;
    return { text, value: { expr: text } };
  });

const conditional = (multiline: boolean): fc.Arbitrary<Gen> =>
  fc.tuple(fc.constantFrom("var.enabled", "local.on == true", 'var.env != "prod"'), leaf, leaf, fc.boolean()).map(([c, a, b, nl]) => {
    const text = multiline && nl ? `${c}\n    ? ${a.text}\n    : ${b.text}` : `${c} ? ${a.text} : ${b.text}`;
    return { text, value: { expr: text } };
  });

const binary: fc.Arbitrary<Gen> = fc
  .tuple(reference, fc.constantFrom("+", "*", "-", "&&", "||", ">=", "%"), number)
  .map(([a, op, b]) => ({ text: `${a.text} ${op} ${b.text}`, value: { expr: `${a.text} ${op} ${b.text}` } }));

const { value } = fc.letrec<{ value: Gen; inList: Gen; tuple: Gen; object: Gen; call: Gen }>((tie) => ({
  /** A value where a new line ends it (attribute, object entry). */
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: leaf },
    heredoc,
    forTuple,
    forObject,
    conditional(false),
    binary,
    tie("tuple"),
    tie("object"),
    tie("call"),
  ),
  /** Inside brackets and call arguments new lines are ignored: a conditional may span lines. */
  inList: fc.oneof({ depthSize: "small" }, { weight: 3, arbitrary: tie("value") }, conditional(true)),
  tuple: fc
    .record({
      items: fc.array(tie("inList"), { maxLength: 4 }),
      multiline: fc.boolean(),
      comments: fc.array(fc.option(inlineComment, { nil: "" }), { maxLength: 5 }),
      trailing: fc.boolean(),
    })
    .map(({ items, multiline, comments, trailing }) => ({
      text: listText(items, "[", "]", multiline, comments, trailing && items.length > 0),
      value: items.map((i) => i.value),
    })),
  object: fc
    .record({
      entries: fc.uniqueArray(fc.tuple(word, fc.boolean(), fc.constantFrom("=", ":"), tie("value")), {
        selector: ([k]) => k,
        maxLength: 4,
      }),
      multiline: fc.boolean(),
      comments: fc.array(fc.option(inlineComment, { nil: "" }), { maxLength: 5 }),
    })
    .filter(({ entries }) => !entries.some(([k]) => ["for", "true", "false", "null"].includes(k)))
    .map(({ entries, multiline, comments }) => {
      const one = (k: string, q: boolean, eq: string, v: Gen) => `${q ? `"${k}"` : k} ${eq} ${v.text}`;
      const value = Object.fromEntries(entries.map(([k, , , v]) => [k, v.value]));
      if (!multiline && !entries.some(([, , , v]) => v.heredoc))
        return { text: `{ ${entries.map(([k, q, eq, v]) => one(k, q, eq, v)).join(", ")} }`.replace("{  }", "{}"), value };
      let text = `{${comments[0] ? ` ${comments[0]}` : ""}\n`;
      entries.forEach(([k, q, eq, v], n) => {
        text += `    ${one(k, q, eq, v)}`;
        if (!v.heredoc) text += `${comments[n + 1] ? ` ${comments[n + 1]}` : ""}\n`;
      });
      return { text: `${text}  }`, value };
    }),
  call: fc
    .record({
      name: fc.constantFrom("merge", "jsonencode", "concat", "coalesce", "format", "lookup", "tomap", "cidrsubnet"),
      args: fc.array(tie("inList"), { maxLength: 3 }),
      multiline: fc.boolean(),
      comments: fc.array(fc.option(inlineComment, { nil: "" }), { maxLength: 4 }),
      trailing: fc.boolean(),
    })
    .map(({ name, args, multiline, comments, trailing }) => ({
      text: `${name}${listText(args, "(", ")", multiline, comments, trailing && args.length > 0)}`,
      value: { call: name, args: args.map((a) => a.value) },
    })),
}));

// ── Bodies and files ───────────────────────────────────────────────────────────────────────────

interface GenBlock {
  type: string;
  labels: { text: string; label: string }[];
  body: GenBody;
  openNote: string | undefined;
  /** A block comment between the labels and the brace. */
  labelNote: boolean;
}
interface GenBody {
  attributes: { name: string; value: Gen; note: string | undefined }[];
  blocks: GenBlock[];
  /** Comments and blank lines between items, by position. */
  gaps: string[];
}

const attrNames = ["name", "count", "tags", "policy", "cidr_blocks", "enabled", "description", "source", "ports", "user_data"];
/** Block types with their label count (blocks of one type share it, as in Terraform's schemas). */
const blockLabels: Record<string, number> = {
  resource: 2,
  data: 2,
  module: 1,
  locals: 0,
  ingress: 0,
  lifecycle: 0,
  dynamic: 1,
  statement: 0,
};

const label = fc.oneof(
  word.map((w) => ({ text: `"${w}"`, label: w })),
  fc.constantFrom("aws_s3_bucket", "web-1", "x.y").map((w) => ({ text: `"${w}"`, label: w })),
  word.map((w) => ({ text: w, label: w })),
);
const gap = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  fc.constant("\n"),
  comment.map((c) => `${c}\n`),
);

const body = (depth: number): fc.Arbitrary<GenBody> =>
  fc.record({
    attributes: fc.uniqueArray(
      fc.record({ name: fc.constantFrom(...attrNames), value, note: fc.option(inlineComment, { nil: undefined }) }),
      { selector: (a) => a.name, maxLength: 4 },
    ),
    blocks:
      depth >= 3
        ? fc.constant([])
        : fc.array(
            fc.record({
              type: fc.constantFrom(...Object.keys(blockLabels)),
              labels: fc.array(label, { minLength: 2, maxLength: 2 }),
              body: fc.constant(undefined).chain(() => body(depth + 1)),
              openNote: fc.option(inlineComment, { nil: undefined }),
              labelNote: fc.boolean(),
            }),
            { maxLength: depth === 0 ? 3 : 2 },
          ),
    gaps: fc.array(gap, { minLength: 8, maxLength: 8 }),
  });

const topBlock = fc.record({
  type: fc.constantFrom(...Object.keys(blockLabels)),
  labels: fc.array(label, { minLength: 2, maxLength: 2 }),
  body: body(1),
  openNote: fc.option(inlineComment, { nil: undefined }),
  labelNote: fc.boolean(),
});

/** Writes a file and, alongside, the blocks the reader must return (lines counted as it writes). */
function writeFile(blocks: readonly GenBlock[], leading: string): { text: string; expected: TfBlock[] } {
  let text = leading;
  const line = () => text.split("\n").length;
  const writeBody = (b: GenBody, indent: string): TfBody => {
    const attributes = new Map<string, TfAttribute>();
    const out: TfBlock[] = [];
    let g = 0;
    const gapText = () => {
      const s = b.gaps[g++ % b.gaps.length] ?? "";
      return s === "" ? "" : `${indent}${s}`;
    };
    for (const a of b.attributes) {
      text += gapText();
      const at = line();
      text += `${indent}${a.name} = ${a.value.text}`;
      if (!a.value.heredoc) text += `${a.note ? ` ${a.note}` : ""}\n`;
      attributes.set(a.name, { name: a.name, value: a.value.value, line: at });
    }
    for (const blk of b.blocks) {
      text += gapText();
      out.push(writeBlock(blk, indent));
    }
    text += gapText();
    return { attributes, blocks: out };
  };
  const writeBlock = (blk: GenBlock, indent: string): TfBlock => {
    const at = line();
    const own = blk.labels.slice(0, blockLabels[blk.type] ?? 0);
    const labels = own.map((l) => ` ${l.text}`).join("");
    text += `${indent}${blk.type}${labels}${blk.labelNote ? " /* labels */" : ""} {${blk.openNote ? ` ${blk.openNote}` : ""}\n`;
    const inner = writeBody(blk.body, `${indent}  `);
    const end = line();
    text += `${indent}}\n`;
    return { type: blk.type, labels: own.map((l) => l.label), body: inner, file: "gen.tf", line: at, endLine: end };
  };
  const expected = blocks.map((b) => writeBlock(b, ""));
  return { text, expected };
}

/** Our tree in the JSON shape hcl2json prints: blocks grouped by type and labels, expressions as ${…}. */
function asHcl2Json(body: TfBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of body.attributes) out[name] = jsonValue(a.value);
  for (const b of body.blocks) {
    let slot = out as Record<string, unknown>;
    const keys = [b.type, ...b.labels];
    for (const k of keys.slice(0, -1)) {
      slot[k] ??= {};
      slot = slot[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1] as string;
    slot[last] ??= [];
    (slot[last] as unknown[]).push(asHcl2Json(b.body));
  }
  return out;
}

function jsonValue(v: TfValue): unknown {
  if (v === null || typeof v !== "object") return typeof v === "string" ? normalize(v) : v;
  if (Array.isArray(v)) return v.map(jsonValue);
  if ("expr" in v && typeof v.expr === "string") return normalize(`\${${v.expr}}`);
  if ("call" in v && typeof v.call === "string") return { call: v.call };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x as TfValue)]));
}

/** hcl2json reprints templates: `${ x }` comes back as `${x}`. Applied to both sides. */
function normalize(s: string): string {
  return s.replace(/([$%])\{\s+/g, "$1{").replace(/\s+\}/g, "}");
}

/** Where our side holds a call, hcl2json prints its source as ${name(…)}: accept that, compare the rest. */
function alignCalls(ours: unknown, theirs: unknown): unknown {
  if (ours && typeof ours === "object" && !Array.isArray(ours) && typeof (ours as { call?: unknown }).call === "string") {
    const name = (ours as { call: string }).call;
    if (typeof theirs === "string" && theirs.startsWith(`\${${name}(`) && theirs.endsWith(")}")) return theirs;
    return ours;
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) return ours.map((o, i) => alignCalls(o, theirs[i]));
  if (ours && typeof ours === "object" && theirs && typeof theirs === "object" && !Array.isArray(theirs))
    return Object.fromEntries(Object.entries(ours).map(([k, o]) => [k, alignCalls(o, (theirs as Record<string, unknown>)[k])]));
  return ours;
}

function normalizeDeep(v: unknown): unknown {
  if (typeof v === "string") return normalize(v);
  if (Array.isArray(v)) return v.map(normalizeDeep);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeDeep(x)]));
  return v;
}

const file = fc.record({ blocks: fc.array(topBlock, { minLength: 1, maxLength: 3 }), leading: gap });

describe("parseHcl on generated Terraform", () => {
  it("returns the tree the generator wrote, lines included", () => {
    fc.assert(
      fc.property(file, ({ blocks, leading }) => {
        const { text, expected } = writeFile(blocks, leading);
        expect(parseHcl(text, "gen.tf")).toEqual(expected);
      }),
      { numRuns: runs * 2 },
    );
  });

  it("agrees with HashiCorp's HCL parser (hcl2json) on every generated file", async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ blocks, leading }) => {
        const { text } = writeFile(blocks, leading);
        const theirs = normalizeDeep(await hcl2json("gen.tf", text));
        const ours = asHcl2Json({ attributes: new Map(), blocks: parseHcl(text, "gen.tf") });
        expect(alignCalls(ours, theirs)).toEqual(theirs);
      }),
      { numRuns: runs },
    );
  });
});

describe("parseHcl on shapes from real modules", () => {
  it("reads a for expression that starts on the line after its bracket (terraform-aws-modules)", () => {
    const [locals] = parseHcl(
      `locals {
  private_subnets = [
    # one per zone, skipping the spare
    for index, zone in var.azs :
    cidrsubnet(var.cidr, 8, index)
    if zone != var.spare_az
  ]
  by_name = {

    for s in var.subnets : s.name => s
  }
}
`,
      "main.tf",
    );
    const v = (k: string) => locals?.body.attributes.get(k)?.value;
    expect(v("private_subnets")).toEqual({
      expr: "[\n    # one per zone, skipping the spare\n    for index, zone in var.azs :\n    cidrsubnet(var.cidr, 8, index)\n    if zone != var.spare_az\n  ]",
    });
    expect(v("by_name")).toEqual({ expr: "{\n\n    for s in var.subnets : s.name => s\n  }" });
  });

  it("reads a conditional across lines inside brackets and call arguments, and leaves trailing comments out", () => {
    const [b] = parseHcl(
      `resource "aws_instance" "x" {
  tags = merge(
    var.tags,
    var.named
    ? { Name = var.name }
    : {},
  )
  ids = [
    var.a
    ? 1
    : 2, // first
    3,
  ]
  count = var.n + 1 # one more
}
`,
      "main.tf",
    );
    const v = (k: string) => b?.body.attributes.get(k)?.value;
    expect(v("tags")).toEqual({ call: "merge", args: [{ expr: "var.tags" }, { expr: "var.named\n    ? { Name = var.name }\n    : {}" }] });
    expect(v("ids")).toEqual([{ expr: "var.a\n    ? 1\n    : 2" }, 3]);
    expect(v("count")).toEqual({ expr: "var.n + 1" });
  });
});
