/*
 * A fast reader for the block-YAML subset that Kubernetes manifests use (block mappings and
 * sequences, plain and quoted scalars, one-line flow collections, block scalars), recording the
 * line of every key and item. It is 5–10× faster than the general YAML library on large streams.
 * Anything outside the subset (anchors, tags, multi-line flow or quoted scalars, complex keys,
 * tabs) makes it give up on that document, and the caller parses it with the full library.
 * Scalars, keys and `<<` merge keys resolve in the given schema (yaml-scalars.ts).
 */
import { maxNestingDepth } from "../../spec/yaml-limits.js";
import { quotedEnd, unquoteYaml } from "../../spec/yaml-quoted.js";
import type { DocPath } from "../types.js";
import { applyMerge, kubeKey, resolvePlain, type YamlSchema } from "./yaml-scalars.js";

class Unsupported extends Error {}

/**
 * Line positions, compact (no object per scalar, no Map per mapping): a number is the line of a
 * scalar (or of a value without children); a collection is an array whose first element is its
 * line: [line, MAP, key, pos, key, pos, …] for a mapping (the last entry of a key wins, as the
 * data's last write does), [line, pos, pos, …] for a sequence.
 */
type Pos = number | unknown[];
const MAP = Symbol("mapping");

export interface FastDocument {
  data: unknown;
  line: number;
  locate(path: DocPath): number | undefined;
}

/**
 * The per-line indentations, reused by every document (a typed array per document costs more than
 * reading it): nothing keeps it once fastYamlDocument returns, and the reader never re-enters.
 */
let indentScratch = new Int32Array(1024);

/** Parses one document (its lines, without `---`). Returns undefined when it is outside the subset. */
export function fastYamlDocument(lines: readonly string[], firstLine: number, schema: YamlSchema = "core"): FastDocument | undefined {
  // The lines as they are (a copy only without a trailing \r) and one indentation per line, which
  // is also where the line's text starts (no string per line). Blank and comment-only lines carry
  // no structure and store -1 - (their indentation as written), which a block scalar needs (a
  // comment-looking line indented into it is content).
  const n = lines.length;
  let texts = lines as string[];
  if (indentScratch.length < n) indentScratch = new Int32Array(Math.max(n, 2 * indentScratch.length));
  const indents = indentScratch;
  for (let i = 0; i < n; i++) {
    let raw = texts[i] as string;
    if (raw.charCodeAt(raw.length - 1) === 13) {
      if (texts === lines) texts = lines.slice();
      raw = raw.slice(0, -1);
      texts[i] = raw;
    }
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    const c = raw.charCodeAt(indent);
    if (c === 9) return undefined; // tabs as indentation
    indents[i] = Number.isNaN(c) || c === 35 ? -1 - indent : indent;
  }
  try {
    const reader = new Reader(texts, indents, firstLine, schema);
    const start = reader.next();
    if (start === -1) return { data: null, line: firstLine, locate: () => undefined };
    if ((texts[start] as string).charCodeAt(indents[start] as number) === 37) return undefined; // %
    const data = reader.node(start, indents[start] as number);
    const pos = reader.pos;
    if (reader.next() !== -1) return undefined; // trailing content at a lower indentation
    return {
      data,
      line: firstLine + start,
      locate: (path) => lineOf(pos, path),
    };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/** The line of the deepest part of `path` the positions have (the root's line when none). */
function lineOf(root: Pos, path: DocPath): number {
  let current = root;
  for (const part of path) {
    if (typeof current === "number") break;
    let child: unknown;
    if (current[1] === MAP) {
      const key = String(part);
      for (let i = current.length - 2; i >= 2; i -= 2)
        if (current[i] === key) {
          child = current[i + 1];
          break;
        }
    } else if (typeof part === "number" && Number.isInteger(part) && part >= 0) child = current[part + 1];
    if (child === undefined) break;
    current = child as Pos;
  }
  return typeof current === "number" ? current : (current[0] as number);
}

/** `-` or `- …` at `from`: a sequence entry. */
const isEntry = (text: string, from: number): boolean =>
  text.charCodeAt(from) === 45 && (text.length === from + 1 || text.charCodeAt(from + 1) === 32);

class Reader {
  private i = 0;
  /** Open collections; past maxNestingDepth the document leaves the fast path (the library path reports it). */
  private depth = 0;
  /** The positions of the value the last node/mapping/sequence/valueAfter/nested call returned (no tuple per value). */
  pos: Pos = 0;
  constructor(
    /** The lines; a line's text starts at its indentation. */
    private readonly texts: readonly string[],
    /** Per line: its indentation, or -1 - indentation for blank and comment lines. */
    private readonly indents: Int32Array,
    /** 1-based line number of the first line in the whole stream. */
    private readonly first: number,
    private readonly schema: YamlSchema,
  ) {}

  /** Index of the next non-blank line at or after the cursor, or -1. */
  next(): number {
    const n = this.texts.length;
    let i = this.i;
    while (i < n && (this.indents[i] as number) < 0) i++;
    this.i = i;
    return i < n ? i : -1;
  }

  /** The block node starting at line index `at`, whose items sit at `indent`. */
  node(at: number, indent: number): unknown {
    const text = this.texts[at] as string;
    const from = this.indents[at] as number;
    if (isEntry(text, from)) return this.sequence(indent);
    if (isKeyLine(text, from)) return this.mapping(indent);
    // A lone scalar document or value on its own line.
    this.i = at + 1;
    const line = this.first + at;
    this.pos = line;
    return inlineValue(text.slice(from), line, this.schema, this.depth);
  }

  private mapping(indent: number): unknown {
    if (++this.depth > maxNestingDepth) throw new Unsupported();
    const out: Record<string, unknown> = {};
    const positions: unknown[] = [this.first + this.i, MAP];
    for (;;) {
      const at = this.next();
      if (at === -1) break;
      const lineIndent = this.indents[at] as number;
      if (lineIndent < indent) break;
      if (lineIndent > indent) throw new Unsupported();
      const text = this.texts[at] as string;
      const key = keyOf(text, lineIndent);
      if (key === undefined) {
        if (isEntry(text, lineIndent)) break;
        throw new Unsupported();
      }
      this.i = at + 1;
      const plain = keyPlain;
      const line = this.first + at;
      const value = this.valueAfter(line, keyRest, indent, true);
      const pos = this.pos;
      const name = plain ? plainKey(key, this.schema) : key;
      if (name === merge) {
        mergeWithPositions(out, positions, value, pos, line);
        continue;
      }
      if (name === "__proto__") throw new Unsupported();
      out[name] = value;
      // The value's positions are its own (fresh from valueAfter): point them at the key's line.
      if (typeof pos === "number") positions.push(name, line);
      else {
        pos[0] = line;
        positions.push(name, pos);
      }
    }
    this.depth--;
    this.pos = positions;
    return out;
  }

  private sequence(indent: number): unknown {
    if (++this.depth > maxNestingDepth) throw new Unsupported();
    const out: unknown[] = [];
    const positions: unknown[] = [this.first + this.i];
    for (;;) {
      const at = this.next();
      if (at === -1) break;
      const lineIndent = this.indents[at] as number;
      const text = this.texts[at] as string;
      if (lineIndent !== indent || !isEntry(text, lineIndent)) {
        if (lineIndent > indent) throw new Unsupported();
        break;
      }
      // The entry's content starts after "- " and any further spaces, at column `start`.
      let start = indent + 2;
      while (text.charCodeAt(start) === 32) start++;
      const first = text.charCodeAt(start);
      if (Number.isNaN(first) || first === 35) {
        this.i = at + 1;
        out.push(this.nested(indent, false));
        positions.push(this.pos);
        continue;
      }
      if (isEntry(text, start) || isKeyLine(text, start)) {
        // "- key: value" starts a mapping (or a nested sequence) at the column after "- ".
        this.indents[at] = start;
        out.push(this.node(at, start));
        positions.push(this.pos);
        continue;
      }
      this.i = at + 1;
      const line = this.first + at;
      out.push(this.scalarOrBlock(text.slice(start), line, indent));
      positions.push(line);
    }
    this.depth--;
    this.pos = positions;
    return out;
  }

  /** The value of `key: rest` on `line`. */
  private valueAfter(line: number, rest: string, indent: number, inMapping: boolean): unknown {
    if (rest === "" || rest.charCodeAt(0) === 35) return this.nested(indent, inMapping);
    const value = this.scalarOrBlock(rest, line, indent);
    this.pos = line;
    return value;
  }

  /** A value on the lines below a `key:` or `-`: a deeper block, a same-indent sequence under a key, or null. */
  private nested(indent: number, inMapping: boolean): unknown {
    const at = this.next();
    if (at === -1) {
      this.pos = 0;
      return null;
    }
    const lineIndent = this.indents[at] as number;
    if (lineIndent > indent) return this.node(at, lineIndent);
    if (inMapping && lineIndent === indent && isEntry(this.texts[at] as string, lineIndent)) return this.sequence(indent);
    this.pos = this.first + at;
    return null;
  }

  private scalarOrBlock(text: string, line: number, indent: number): unknown {
    const c = text.charCodeAt(0);
    if (c === 124 || c === 62) return this.blockScalar(text, indent); // | >
    const value = inlineValue(text, line, this.schema, this.depth);
    // Anything more indented after a one-line value is a multi-line scalar (or an error): not in the subset.
    const at = this.next();
    if (at !== -1 && (this.indents[at] as number) > indent) throw new Unsupported();
    return value;
  }

  private blockScalar(header: string, indent: number): string {
    const m = /^([|>])([-+]?)\s*(#.*)?$/.exec(header);
    if (!m) throw new Unsupported(); // indentation indicators and the like
    const folded = m[1] === ">";
    const chomp = m[2];
    const body: { indent: number; text: string }[] = [];
    let contentIndent = -1;
    while (this.i < this.texts.length) {
      const stored = this.indents[this.i] as number;
      const text = this.texts[this.i] as string;
      // A comment-looking line indented into the scalar is content.
      const lineIndent = stored < 0 ? -1 - stored : stored;
      if (stored < 0 && lineIndent >= text.length) {
        body.push({ indent: -1, text: "" });
        this.i++;
        continue;
      }
      if (lineIndent <= indent) break;
      if (stored < 0 && contentIndent !== -1 && lineIndent < contentIndent) break;
      if (contentIndent === -1) contentIndent = lineIndent;
      if (lineIndent < contentIndent) throw new Unsupported();
      body.push({ indent: lineIndent - contentIndent, text: text.slice(lineIndent) });
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

/**
 * Applies a merge and points every merged key at its line (in the merged mapping when known):
 * appends (key, pos) to the mapping's positions, where a later entry wins.
 */
function mergeWithPositions(out: Record<string, unknown>, positions: unknown[], value: unknown, pos: Pos, line: number): void {
  // Each merged mapping's positions by key, built once (a lookup per key would be quadratic).
  const indexes = new Map<unknown[], Map<string, Pos>>();
  const childOf = (source: unknown, key: string): Pos | undefined => {
    if (!Array.isArray(source) || source[1] !== MAP) return undefined;
    let index = indexes.get(source);
    if (!index) {
      index = new Map();
      for (let i = 2; i < source.length; i += 2) index.set(source[i] as string, source[i + 1] as Pos);
      indexes.set(source, index);
    }
    return index.get(key);
  };
  try {
    applyMerge(out, value, (key, from) => {
      const source = from === -1 ? pos : Array.isArray(pos) && pos[1] !== MAP ? pos[from + 1] : undefined;
      positions.push(key, childOf(source, key) ?? line);
    });
  } catch {
    throw new Unsupported(); // the library reports what Kubernetes says about it
  }
}

/** What follows the colon of the last key keyOf returned, and whether that key was plain (no object per key). */
let keyRest = "";
let keyPlain = false;

/**
 * `key: rest` at `from` → the key (what follows the colon in keyRest, plainness in keyPlain);
 * undefined when the line is not a mapping entry.
 */
function keyOf(text: string, from: number): string | undefined {
  const c = text.charCodeAt(from);
  if (c === 34 || c === 39) return quotedKey(from === 0 ? text : text.slice(from), c);
  if (c === 45 && (text.length === from + 1 || text.charCodeAt(from + 1) === 32)) return undefined; // "- "
  if (isIndicator(c)) {
    if (c === 63 || c === 38 || c === 42 || c === 33) throw new Unsupported(); // ? & * !
    return undefined;
  }
  const i = plainKeyColon(text, from);
  if (i === -1) return undefined;
  // The value starts after the spaces (one slice; trimStart only for other whitespace).
  let start = i + 1;
  while (text.charCodeAt(start) === 32) start++;
  const first = text.charCodeAt(start);
  keyRest = Number.isNaN(first) || (first > 32 && first < 127) ? text.slice(start) : text.slice(i + 1).trimStart();
  keyPlain = true;
  return text.slice(from, i).trimEnd();
}

/** keyOf for a quoted key (`text` starts with the quote). */
function quotedKey(text: string, quote: number): string | undefined {
  const end = quotedEnd(text, quote);
  if (end === -1 || text.charCodeAt(end + 1) !== 58) return undefined;
  const after = text.slice(end + 2);
  if (after !== "" && !after.startsWith(" ")) return undefined;
  keyRest = after.trimStart();
  keyPlain = false;
  return String(quoted(text.slice(0, end + 1)));
}

/** Whether the text at `from` is a mapping entry: keyOf without building the key and the rest. */
function isKeyLine(text: string, from: number): boolean {
  const c = text.charCodeAt(from);
  if (c === 34 || c === 39) return keyOf(text, from) !== undefined;
  if (c === 45 && (text.length === from + 1 || text.charCodeAt(from + 1) === 32)) return false; // "- "
  if (isIndicator(c)) {
    if (c === 63 || c === 38 || c === 42 || c === 33) throw new Unsupported(); // ? & * !
    return false;
  }
  return plainKeyColon(text, from) !== -1;
}

/**
 * The index of the colon that ends a plain key starting at `from` (the first `:` followed by a
 * space or the end of the line), or -1 when there is none or the key would hold ` #` (a comment,
 * so no key).
 */
function plainKeyColon(text: string, from: number): number {
  let i = text.indexOf(":", from);
  while (i !== -1) {
    const next = text.charCodeAt(i + 1);
    if (Number.isNaN(next) || next === 32) {
      // The key is text[from, i) without trailing spaces: it holds " #" when one starts before i - 1.
      const hash = text.indexOf(" #", from);
      return hash !== -1 && hash < i - 1 ? -1 : i;
    }
    i = text.indexOf(":", i + 1);
  }
  return -1;
}

/** [ { & * ! | > % @ ` ? #: characters that cannot start a plain key. */
function isIndicator(c: number): boolean {
  switch (c) {
    case 91:
    case 123:
    case 38:
    case 42:
    case 33:
    case 124:
    case 62:
    case 37:
    case 64:
    case 96:
    case 63:
    case 35:
      return true;
    default:
      return false;
  }
}

/** A value written on one line: quoted, flow collection or plain scalar (comments stripped). */
function inlineValue(text: string, line: number, schema: YamlSchema, depth: number): unknown {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const end = quotedEnd(text, c);
    if (end === -1) throw new Unsupported(); // multi-line quoted scalar
    const rest = text.slice(end + 1).trim();
    if (rest !== "" && !rest.startsWith("#")) throw new Unsupported();
    return quoted(text.slice(0, end + 1));
  }
  if (c === 91 || c === 123) {
    const flow = new Flow(text, line, schema, depth);
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
  const value = unquoteYaml(text);
  if (value === undefined) throw new Unsupported();
  return value;
}

/** One-line flow collections: [a, b], {k: v}, nested. */
class Flow {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly line: number,
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
        mergeWithPositions(out, [], value, this.line, this.line);
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
