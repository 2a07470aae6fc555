/*
 * A fast reader for the block-YAML subset that Kubernetes manifests use (block mappings and
 * sequences, plain and quoted scalars, one-line flow collections, block scalars), recording the
 * line of every key and item. It is 5–10× faster than the general YAML library on large streams.
 * Anything outside the subset (anchors, tags, multi-line flow or quoted scalars, complex keys,
 * tabs) makes it give up on that document, and the caller parses it with the full library.
 * Scalars, keys and `<<` merge keys resolve in the given schema (yaml-scalars.ts).
 */
import { maxNestingDepth } from "../../spec/yaml-limits.js";
import type { DocPath } from "../types.js";
import { type LineTree, lineAt } from "./line-tree.js";
import { applyMerge, kubeKey, resolvePlain, type YamlSchema } from "./yaml-scalars.js";

class Unsupported extends Error {}

/** Line positions of a value: its own line and, for collections, its children's. */
type Pos = LineTree;

export interface FastDocument {
  data: unknown;
  line: number;
  locate(path: DocPath): number | undefined;
}

interface Line {
  /** 1-based line number in the whole stream. */
  no: number;
  /** -1 for blank and comment-only lines, which carry no structure. */
  indent: number;
  /** Text after the indentation. */
  text: string;
  /** Indentation as written, also for comment lines (they are content inside a block scalar). */
  rawIndent: number;
}

/** Parses one document (its lines, without `---`). Returns undefined when it is outside the subset. */
export function fastYamlDocument(lines: readonly string[], firstLine: number, schema: YamlSchema = "core"): FastDocument | undefined {
  const items: Line[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    const text = raw.slice(indent);
    const clean = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (clean === "") {
      items.push({ no: firstLine + i, indent: -1, text: "", rawIndent: indent });
      continue;
    }
    if (clean.charCodeAt(0) === 9) return undefined; // tabs as indentation
    if (clean.charCodeAt(0) === 35) {
      items.push({ no: firstLine + i, indent: -1, text: clean, rawIndent: indent }); // comment: no structure
      continue;
    }
    items.push({ no: firstLine + i, indent, text: clean, rawIndent: indent });
  }
  try {
    const reader = new Reader(items, schema);
    const start = reader.next();
    if (start === -1) return { data: null, line: firstLine, locate: () => undefined };
    const first = items[start] as Line;
    if (first.text.startsWith("%")) return undefined;
    const data = reader.node(start, first.indent);
    const pos = reader.pos;
    if (reader.next() !== -1) return undefined; // trailing content at a lower indentation
    return {
      data,
      line: first.no,
      locate: (path) => lineAt(pos, path),
    };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class Reader {
  private i = 0;
  /** Open collections; past maxNestingDepth the document leaves the fast path (the library path reports it). */
  private depth = 0;
  /** The positions of the value the last node/mapping/sequence/valueAfter/nested call returned (no tuple per value). */
  pos: Pos = { line: 0 };
  constructor(
    private readonly lines: Line[],
    private readonly schema: YamlSchema,
  ) {}

  /** Index of the next non-blank line at or after the cursor, or -1. */
  next(): number {
    while (this.i < this.lines.length && (this.lines[this.i] as Line).indent === -1) this.i++;
    return this.i < this.lines.length ? this.i : -1;
  }

  /** The block node starting at line index `at`, whose items sit at `indent`. */
  node(at: number, indent: number): unknown {
    const line = this.lines[at] as Line;
    if (line.text === "-" || line.text.startsWith("- ")) return this.sequence(indent);
    if (keyOf(line.text) !== undefined) return this.mapping(indent);
    // A lone scalar document or value on its own line.
    this.i = at + 1;
    const pos: Pos = { line: line.no };
    this.pos = pos;
    return inlineValue(line.text, pos, this.schema, this.depth);
  }

  private mapping(indent: number): unknown {
    if (++this.depth > maxNestingDepth) throw new Unsupported();
    const out: Record<string, unknown> = {};
    const children = new Map<string, Pos>();
    const start = this.lines[this.i] as Line;
    for (;;) {
      const at = this.next();
      if (at === -1) break;
      const line = this.lines[at] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new Unsupported();
      const key = keyOf(line.text);
      if (key === undefined) {
        if (line.text === "-" || line.text.startsWith("- ")) break;
        throw new Unsupported();
      }
      this.i = at + 1;
      const plain = keyPlain;
      const value = this.valueAfter(line, keyRest, indent, true);
      const pos = this.pos;
      const name = plain ? plainKey(key, this.schema) : key;
      if (name === merge) {
        mergeWithPositions(out, children, value, pos, line.no);
        continue;
      }
      if (name === "__proto__") throw new Unsupported();
      out[name] = value;
      // The value's positions are its own (fresh from valueAfter): point them at the key's line.
      pos.line = line.no;
      children.set(name, pos);
    }
    this.depth--;
    this.pos = { line: start.no, children };
    return out;
  }

  private sequence(indent: number): unknown {
    if (++this.depth > maxNestingDepth) throw new Unsupported();
    const out: unknown[] = [];
    const children: Pos[] = [];
    const start = this.lines[this.i] as Line;
    for (;;) {
      const at = this.next();
      if (at === -1) break;
      const line = this.lines[at] as Line;
      if (line.indent !== indent || !(line.text === "-" || line.text.startsWith("- "))) {
        if (line.indent > indent) throw new Unsupported();
        break;
      }
      const rest = line.text === "-" ? "" : line.text.slice(2);
      let extra = 0;
      while (rest.charCodeAt(extra) === 32) extra++;
      const content = rest.slice(extra);
      if (content === "" || content.startsWith("#")) {
        this.i = at + 1;
        out.push(this.nested(indent, false));
        children.push(this.pos);
        continue;
      }
      if (content.startsWith("- ") || content === "-" || keyOf(content) !== undefined) {
        // "- key: value" starts a mapping (or a nested sequence) at the column after "- ".
        this.lines[at] = { no: line.no, indent: indent + 2 + extra, text: content, rawIndent: indent + 2 + extra };
        out.push(this.node(at, indent + 2 + extra));
        children.push(this.pos);
        continue;
      }
      this.i = at + 1;
      const pos: Pos = { line: line.no };
      out.push(this.scalarOrBlock(content, pos, indent));
      children.push(pos);
    }
    this.depth--;
    this.pos = { line: start.no, children };
    return out;
  }

  /** The value of `key: rest`. */
  private valueAfter(line: Line, rest: string, indent: number, inMapping: boolean): unknown {
    if (rest === "" || rest.startsWith("#")) return this.nested(indent, inMapping);
    const pos: Pos = { line: line.no };
    const value = this.scalarOrBlock(rest, pos, indent);
    this.pos = pos;
    return value;
  }

  /** A value on the lines below a `key:` or `-`: a deeper block, a same-indent sequence under a key, or null. */
  private nested(indent: number, inMapping: boolean): unknown {
    const at = this.next();
    if (at === -1) {
      this.pos = { line: 0 };
      return null;
    }
    const line = this.lines[at] as Line;
    if (line.indent > indent) return this.node(at, line.indent);
    if (inMapping && line.indent === indent && (line.text === "-" || line.text.startsWith("- "))) return this.sequence(indent);
    this.pos = { line: line.no };
    return null;
  }

  private scalarOrBlock(text: string, pos: Pos, indent: number): unknown {
    const c = text.charCodeAt(0);
    if (c === 124 || c === 62) return this.blockScalar(text, indent); // | >
    const value = inlineValue(text, pos, this.schema, this.depth);
    // Anything more indented after a one-line value is a multi-line scalar (or an error): not in the subset.
    const at = this.next();
    if (at !== -1 && (this.lines[at] as Line).indent > indent) throw new Unsupported();
    return value;
  }

  private blockScalar(header: string, indent: number): string {
    const m = /^([|>])([-+]?)\s*(#.*)?$/.exec(header);
    if (!m) throw new Unsupported(); // indentation indicators and the like
    const folded = m[1] === ">";
    const chomp = m[2];
    const body: { indent: number; text: string }[] = [];
    let contentIndent = -1;
    while (this.i < this.lines.length) {
      const line = this.lines[this.i] as Line;
      if (line.indent === -1 && line.text === "") {
        body.push({ indent: -1, text: "" });
        this.i++;
        continue;
      }
      // A comment-looking line indented into the scalar is content.
      const lineIndent = line.indent === -1 ? line.rawIndent : line.indent;
      if (lineIndent <= indent) break;
      if (line.indent === -1 && contentIndent !== -1 && lineIndent < contentIndent) break;
      if (contentIndent === -1) contentIndent = lineIndent;
      if (lineIndent < contentIndent) throw new Unsupported();
      body.push({ indent: lineIndent - contentIndent, text: line.text });
      this.i++;
    }
    // Trailing blank lines belong to chomping; give back the ones after the last content line.
    let end = body.length;
    while (end > 0 && (body[end - 1] as { indent: number }).indent === -1) end--;
    const trailing = body.length - end;
    const texts = body.slice(0, end).map((l) => (l.indent === -1 ? "" : " ".repeat(l.indent) + l.text));
    if (body.slice(0, end).some((l) => l.indent === -1) && folded) throw new Unsupported();
    let value = folded ? foldLines(texts) : texts.join("\n");
    if (texts.length === 0) return "";
    if (chomp === "-") return value;
    value += "\n";
    if (chomp === "+") value += "\n".repeat(trailing);
    return value;
  }
}

function foldLines(lines: string[]): string {
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (i > 0) out += line.startsWith(" ") || (lines[i - 1] as string).startsWith(" ") ? "\n" : " ";
    out += line;
  }
  return out;
}

/** A `<<` key: merge the value into the mapping (Kubernetes schema only). */
const merge = Symbol("merge");

/** The key a plain scalar stands for; gives up on keys only the library reports well (null, timestamps). */
function plainKey(name: string, schema: YamlSchema): string | typeof merge {
  if (schema === "core") {
    if (name === "<<") throw new Unsupported();
    return name;
  }
  if (name === "<<") return merge;
  try {
    return kubeKey(name);
  } catch {
    throw new Unsupported();
  }
}

/** Applies a merge and points every merged key at its line (in the merged mapping when known). */
function mergeWithPositions(out: Record<string, unknown>, children: Map<string, Pos>, value: unknown, pos: Pos, line: number): void {
  try {
    applyMerge(out, value, (key, from) => {
      const source = from === -1 ? pos : Array.isArray(pos.children) ? pos.children[from] : undefined;
      const child = source?.children instanceof Map ? source.children.get(key) : undefined;
      children.set(key, child ?? { line });
    });
  } catch {
    throw new Unsupported(); // the library reports what Kubernetes says about it
  }
}

/** What follows the colon of the last key keyOf returned, and whether that key was plain (no object per key). */
let keyRest = "";
let keyPlain = false;

/**
 * `key: rest` → the key (what follows the colon in keyRest, plainness in keyPlain); undefined when
 * the line is not a mapping entry.
 */
function keyOf(text: string): string | undefined {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const end = quotedEnd(text, c);
    if (end === -1 || text.charCodeAt(end + 1) !== 58) return undefined;
    const after = text.slice(end + 2);
    if (after !== "" && !after.startsWith(" ")) return undefined;
    keyRest = after.trimStart();
    keyPlain = false;
    return String(quoted(text.slice(0, end + 1)));
  }
  if (c === 45 && (text.length === 1 || text.charCodeAt(1) === 32)) return undefined; // "- "
  if ("[{&*!|>%@`?#".includes(text[0] as string)) {
    if (c === 63 || c === 38 || c === 42 || c === 33) throw new Unsupported(); // ? & * !
    return undefined;
  }
  let i = text.indexOf(":");
  while (i !== -1) {
    const next = text.charCodeAt(i + 1);
    if (Number.isNaN(next) || next === 32) {
      const name = text.slice(0, i).trimEnd();
      if (name.includes(" #")) return undefined;
      keyRest = text.slice(i + 1).trimStart();
      keyPlain = true;
      return name;
    }
    i = text.indexOf(":", i + 1);
  }
  return undefined;
}

function quotedEnd(text: string, quote: number): number {
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote === 34 && c === 92) {
      i++;
      continue;
    }
    if (c === quote) {
      if (quote === 39 && text.charCodeAt(i + 1) === 39) {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

/** A value written on one line: quoted, flow collection or plain scalar (comments stripped). */
function inlineValue(text: string, pos: Pos, schema: YamlSchema, depth: number): unknown {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const end = quotedEnd(text, c);
    if (end === -1) throw new Unsupported(); // multi-line quoted scalar
    const rest = text.slice(end + 1).trim();
    if (rest !== "" && !rest.startsWith("#")) throw new Unsupported();
    return quoted(text.slice(0, end + 1));
  }
  if (c === 91 || c === 123) {
    const flow = new Flow(text, pos, schema, depth);
    const value = flow.value();
    flow.end();
    return value;
  }
  if ("&*!|>%@`?".includes(text[0] as string)) throw new Unsupported();
  let end = text.length;
  const hash = text.indexOf(" #");
  if (hash !== -1) end = hash;
  const plain = text.slice(0, end).trimEnd();
  // `key: -` opens a block sequence on the key's line, which YAML forbids: the library reports it.
  if (plain.includes(": ") || plain.endsWith(":") || plain === "-") throw new Unsupported();
  return resolvePlain(plain, schema);
}

function quoted(text: string): string {
  if (text.charCodeAt(0) === 39) return text.slice(1, -1).replace(/''/g, "'");
  const body = text.slice(1, -1);
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "r":
        out += "\r";
        break;
      case "0":
        out += "\0";
        break;
      case '"':
      case "\\":
      case "/":
      case " ":
        out += e;
        break;
      case "x":
      case "u":
      case "U": {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new Unsupported();
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        i += len;
        break;
      }
      default:
        throw new Unsupported();
    }
  }
  return out;
}

/** One-line flow collections: [a, b], {k: v}, nested. */
class Flow {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly pos: Pos,
    private readonly schema: YamlSchema,
    private depth: number,
  ) {}

  end(): void {
    this.ws();
    if (this.i < this.s.length && this.s[this.i] !== "#") throw new Unsupported();
  }

  private ws(): void {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "[" || c === "{") {
      if (++this.depth > maxNestingDepth) throw new Unsupported();
      const value = c === "[" ? this.sequence() : this.mapping();
      this.depth--;
      return value;
    }
    const scalar = this.scalar(false);
    return scalar.plain ? resolvePlain(scalar.text, this.schema) : scalar.text;
  }

  private sequence(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === "]") {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "]") throw new Unsupported();
    }
  }

  private mapping(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        return out;
      }
      const key = this.scalar(true);
      this.ws();
      let value: unknown = null;
      if (this.s[this.i] === ":") {
        this.i++;
        value = this.value();
      }
      // Core-schema flow keys resolve then stringify (`{1.0: a}` has the key "1"), as before.
      const name = !key.plain
        ? key.text
        : this.schema === "core"
          ? plainKey(String(resolvePlain(key.text, "core")), "core")
          : plainKey(key.text, this.schema);
      if (name === merge) {
        mergeWithPositions(out, new Map(), value, { line: this.pos.line }, this.pos.line);
      } else {
        if (name === "__proto__") throw new Unsupported();
        out[name] = value;
      }
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "}") throw new Unsupported();
    }
  }

  /** The next scalar's text, unquoted, and whether it was plain (plain scalars resolve). */
  private scalar(isKey: boolean): { text: string; plain: boolean } {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === 34 || c === 39) {
      const end = quotedEnd(this.s.slice(this.i), c);
      if (end === -1) throw new Unsupported();
      const text = this.s.slice(this.i, this.i + end + 1);
      this.i += end + 1;
      return { text: quoted(text), plain: false };
    }
    if (Number.isNaN(c) || "[]{},&*!|>%@`?#".includes(this.s[this.i] as string)) throw new Unsupported();
    const start = this.i;
    while (this.i < this.s.length) {
      const ch = this.s[this.i] as string;
      if (ch === "," || ch === "]" || ch === "}" || ch === "[" || ch === "{") break;
      if (ch === ":" && (isKey || this.s[this.i + 1] === " " || this.s[this.i + 1] === "," || this.i + 1 === this.s.length)) break;
      if (ch === "#" && this.s[this.i - 1] === " ") throw new Unsupported();
      this.i++;
    }
    return { text: this.s.slice(start, this.i).trim(), plain: true };
  }
}
