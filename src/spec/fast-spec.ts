/*
 * A fast reader for the YAML a slipway.yaml is written in: block mappings and sequences, one-line
 * flow collections, plain and one-line quoted scalars, `|`/`>` block scalars, comments. It keeps
 * the line and column of every key and value, which the spec's errors and warnings point at.
 *
 * It returns exactly what the `yaml` library path of load.ts returns for the same text, or
 * undefined, and then load.ts parses with the library. It gives up on anything outside the subset
 * and on anything that is not plainly fine: anchors, aliases, tags, directives, documents
 * markers, tabs, CR, multi-line scalars, duplicate or forbidden keys, deep nesting, large files
 * (the library path reports the limits and errors), and every plain scalar that YAML 1.1 reads
 * differently from YAML 1.2 (yes/no/on/off, 0755, 1_000, 1:30, 1.0.0, timestamps, `<<`, …):
 * the spec is read with YAML 1.2 core semantics, and a text one reader would take differently
 * goes through the library, which is the reference.
 *
 * The check layer has its own fast reader (src/check/inputs/fast-yaml.ts) for large Kubernetes
 * streams; it records lines only and resolves scalars the way Kubernetes does, so it does not fit
 * here.
 */
import { quotedEnd, unquoteYaml } from "./yaml-quoted.js";

/** A node of the document: where it starts, and its children. */
export interface FastNode {
  line: number;
  col: number;
  /** Keys in order, for a mapping. */
  entries?: Map<string, { line: number; col: number; value: FastNode }>;
  /** Items, for a sequence. */
  items?: FastNode[];
  /** For a scalar: the text it was written as (unquoted, block scalars folded). */
  source?: string;
}

export interface FastSpec {
  data: Record<string, unknown>;
  root: FastNode;
}

class Bail extends Error {}

/** Files past this many characters go to the library path (it counts nodes against maxSpecNodes). */
const maxFastChars = 20_000;
/** Nesting past this goes to the library path (which checks maxNestingDepth). */
const maxFastDepth = 64;
/** YAML limits an implicit key to 1024 characters; longer ones go to the library, which reports it. */
const maxKeyChars = 1000;

const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);
// Tab, CR, form feed, vertical tab, DEL and C1 controls, BOM, line/paragraph separators, surrogates, non-characters.
const unusual = /[\t\r\f\v\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]/;

interface Line {
  /** 1-based line number. */
  no: number;
  /** Offset of the line's first character in the source. */
  start: number;
  /** 0-based column of `text`; -1 for blank and comment-only lines. */
  indent: number;
  /** The text from `indent` on. */
  text: string;
  /** The leading spaces as written (blank lines keep theirs: block scalars read them). */
  spaces: number;
  /** Whether the line is only spaces. */
  blank: boolean;
}

/** Reads `source` (BOM already removed), or undefined when the library should. */
export function fastSpec(source: string): FastSpec | undefined {
  if (source.length > maxFastChars || unusual.test(source)) return undefined;
  const raw = source.split("\n");
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const text = raw[i] as string;
    let spaces = 0;
    while (text.charCodeAt(spaces) === 32) spaces++;
    const rest = text.slice(spaces);
    const blank = rest === "";
    const comment = rest.charCodeAt(0) === 35;
    // Directives, document markers: not in the subset.
    if (spaces === 0 && (rest.startsWith("%") || rest.startsWith("---") || rest.startsWith("..."))) return undefined;
    lines.push({ no: i + 1, start, indent: blank || comment ? -1 : spaces, text: rest, spaces, blank });
    start += text.length + 1;
  }
  try {
    const reader = new Reader(lines);
    const first = reader.next();
    if (first === -1) return undefined;
    const line = lines[first] as Line;
    if (line.indent !== 0 || keyOf(line.text) === undefined) return undefined;
    const data = reader.mapping(0) as Record<string, unknown>;
    const root = reader.node;
    if (reader.next() !== -1) return undefined;
    return { data, root };
  } catch (error) {
    if (error instanceof Bail) return undefined;
    throw error;
  }
}

class Reader {
  private i = 0;
  private depth = 0;
  /** The node of the value the last call returned. */
  node: FastNode = { line: 0, col: 0 };
  constructor(private readonly lines: Line[]) {}

  /** Index of the next line with content at or after the cursor, or -1. */
  next(): number {
    while (this.i < this.lines.length && (this.lines[this.i] as Line).indent === -1) this.i++;
    return this.i < this.lines.length ? this.i : -1;
  }

  private enter(): void {
    if (++this.depth > maxFastDepth) throw new Bail();
  }

  /** A block mapping whose keys sit at column `indent`; the cursor is on its first key. */
  mapping(indent: number): unknown {
    this.enter();
    const out: Record<string, unknown> = {};
    const entries = new Map<string, { line: number; col: number; value: FastNode }>();
    const first = this.lines[this.i] as Line;
    const node: FastNode = { line: first.no, col: indent + 1, entries };
    for (;;) {
      const at = this.next();
      if (at === -1) break;
      const line = this.lines[at] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new Bail();
      if (isDash(line.text)) break; // a sequence at the parent key's column ends here
      const key = keyOf(line.text);
      if (key === undefined) throw new Bail();
      this.i = at + 1;
      const value = this.valueAfter(line, line.indent + key.restAt, indent, true);
      addKey(out, entries, key.name, value, this.node, line.no, indent + 1);
    }
    this.depth--;
    this.node = node;
    return out;
  }

  /** A block sequence whose dashes sit at column `indent`; the cursor is on its first item. */
  private sequence(indent: number): unknown[] {
    this.enter();
    const out: unknown[] = [];
    const items: FastNode[] = [];
    const first = this.lines[this.i] as Line;
    const node: FastNode = { line: first.no, col: indent + 1, items };
    for (;;) {
      const at = this.next();
      if (at === -1) break;
      const line = this.lines[at] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new Bail();
      if (!isDash(line.text)) break;
      let after = 1;
      while (line.text.charCodeAt(after) === 32) after++;
      const content = line.text.slice(after);
      const col = line.indent + after;
      if (content !== "" && !content.startsWith("#") && (isDash(content) || keyOf(content) !== undefined)) {
        // `- key: value` or `- - x`: a collection starting at the content's column, on this line.
        this.lines[at] = { ...line, indent: col, text: content, spaces: col };
        out.push(isDash(content) ? this.sequence(col) : this.mapping(col));
      } else {
        this.i = at + 1;
        out.push(this.valueAfter(line, col, indent, false));
      }
      items.push(this.node);
    }
    this.depth--;
    this.node = node;
    return out;
  }

  /**
   * The value after a key's colon or a dash: `at` is the column of the first non-space character
   * after it (the end of the line when there is none), `indent` the column of the key or dash.
   */
  private valueAfter(line: Line, at: number, indent: number, inMapping: boolean): unknown {
    const rest = line.text.slice(at - line.indent);
    if (rest === "" || rest.startsWith("#")) {
      const next = this.next();
      if (next !== -1) {
        const below = this.lines[next] as Line;
        if (below.indent > indent) {
          if (isDash(below.text)) return this.sequence(below.indent);
          if (keyOf(below.text) !== undefined) return this.mapping(below.indent);
          // A scalar or flow collection on the line below the key.
          const c = below.text.charCodeAt(0);
          if (c === 124 || c === 62) throw new Bail();
          this.i = next + 1;
          return this.inlineValue(below, below.indent, indent);
        }
        if (inMapping && below.indent === indent && isDash(below.text)) return this.sequence(indent);
      }
      this.node = { line: line.no, col: at + 1, source: "" };
      return null;
    }
    if (rest.charCodeAt(0) === 124 || rest.charCodeAt(0) === 62) return this.blockScalar(rest, line, at, indent); // | >
    return this.inlineValue(line, at, indent);
  }

  /** A scalar or flow collection written on one line, at column `at` of `line`, in a node at column `indent`. */
  private inlineValue(line: Line, at: number, indent: number): unknown {
    const rest = line.text.slice(at - line.indent);
    const c = rest.charCodeAt(0);
    let value: unknown;
    if (c === 91 || c === 123) {
      const flow = new Flow(rest, line.no, at, this.depth);
      value = flow.value();
      flow.end();
      this.node = flow.node;
    } else if (c === 34 || c === 39) {
      const end = quotedEnd(rest, c);
      if (end === -1 || !endsLine(rest.slice(end + 1))) throw new Bail();
      value = unquoteOrBail(rest.slice(0, end + 1));
      this.node = { line: line.no, col: at + 1, source: value as string };
    } else {
      const hash = rest.indexOf(" #");
      const text = (hash === -1 ? rest : rest.slice(0, hash)).trimEnd();
      if (!plainStart(text, false) || text.includes(": ") || text.endsWith(":")) throw new Bail();
      value = resolvePlain(text);
      this.node = { line: line.no, col: at + 1, source: text };
    }
    // A more indented line after a one-line value continues a multi-line scalar (or is an error).
    const next = this.next();
    if (next !== -1 && (this.lines[next] as Line).indent > indent) throw new Bail();
    return value;
  }

  private blockScalar(header: string, line: Line, at: number, indent: number): string {
    const m = /^([|>])(-?)(?: +#.*| *)$/.exec(header);
    if (!m) throw new Bail(); // keep (+) chomping, indentation indicators
    const folded = m[1] === ">";
    const strip = m[2] === "-";
    const body: string[] = [];
    let contentIndent = -1;
    let trailing = 0;
    while (this.i < this.lines.length) {
      const l = this.lines[this.i] as Line;
      if (l.blank) {
        if (contentIndent === -1 || l.spaces > contentIndent) throw new Bail(); // leading blank lines, or spaces kept as content
        trailing++;
        this.i++;
        continue;
      }
      if (l.spaces <= indent) break;
      if (contentIndent === -1) contentIndent = l.spaces;
      if (l.spaces < contentIndent) throw new Bail();
      if (folded && (l.spaces > contentIndent || trailing > 0)) throw new Bail(); // folding rules beyond the plain case
      for (; trailing > 0; trailing--) body.push("");
      body.push(" ".repeat(l.spaces - contentIndent) + l.text);
      this.i++;
    }
    // Trailing blank lines go to chomping (clip or strip: none of them are kept).
    let value = body.length === 0 ? "" : folded ? body.join(" ") : body.join("\n");
    if (body.length > 0 && !strip) value += "\n";
    this.node = { line: line.no, col: at + 1, source: value };
    return value;
  }
}

/** Adds a key to a mapping being read, or gives up on keys the library path reports or reads its own way. */
function addKey(
  out: Record<string, unknown>,
  entries: Map<string, { line: number; col: number; value: FastNode }>,
  name: string,
  value: unknown,
  node: FastNode,
  line: number,
  col: number,
): void {
  if (forbiddenKeys.has(name) || entries.has(name)) throw new Bail();
  out[name] = value;
  entries.set(name, { line, col, value: node });
}

const isDash = (text: string): boolean => text === "-" || text.startsWith("- ");

/**
 * `key: rest` → the key's name and where the text after the colon's spaces starts (relative to
 * the line's text); undefined when the line is not a mapping entry. Throws Bail on keys outside
 * the subset.
 */
function keyOf(text: string): { name: string; restAt: number } | undefined {
  const c = text.charCodeAt(0);
  if (c === 34 || c === 39) {
    const end = quotedEnd(text, c);
    if (end === -1 || text.charCodeAt(end + 1) !== 58) return undefined;
    if (end + 2 < text.length && text.charCodeAt(end + 2) !== 32) return undefined;
    if (end > maxKeyChars) throw new Bail();
    return { name: unquoteOrBail(text.slice(0, end + 1)), restAt: afterSpaces(text, end + 2) };
  }
  if (isDash(text) || c === 91 || c === 123) return undefined; // a flow collection (as a key it bails when read as a value)
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) {
    if (i + 1 < text.length && text.charCodeAt(i + 1) !== 32) continue;
    const name = text.slice(0, i);
    if (name.includes(" #")) return undefined;
    if (name !== name.trimEnd() || !plainStart(name, false) || name.length > maxKeyChars) throw new Bail();
    if (resolvePlain(name) !== name) throw new Bail(); // null, true, 1: keys the library turns into other values
    return { name, restAt: afterSpaces(text, i + 1) };
  }
  return undefined;
}

function afterSpaces(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === 32) i++;
  return i;
}

/** Whether the rest of a line after a value is only spaces and a comment. */
function endsLine(rest: string): boolean {
  const trimmed = rest.trimStart();
  return trimmed === "" || (trimmed.startsWith("#") && trimmed.length < rest.length);
}

/**
 * Whether `text` can be a plain scalar as written: not empty, no indicator at its start that
 * makes it something else, no comment or flow indicator where they would matter.
 */
function plainStart(text: string, inFlow: boolean): boolean {
  if (text === "") return false;
  const c = text[0] as string;
  if ("&*!|>'\"%@`#,[]{}".includes(c)) return false;
  if ((c === "-" || c === "?" || c === ":") && (text.length === 1 || text[1] === " " || (inFlow && ",[]{}".includes(text[1] as string))))
    return false;
  if (text.includes(" #")) return false;
  return true;
}

// Plain scalars that YAML 1.1 or the 1.2 core schema read as something other than a string.
const words = new Map<string, unknown>([
  ["~", null],
  ["null", null],
  ["Null", null],
  ["NULL", null],
  ["true", true],
  ["True", true],
  ["TRUE", true],
  ["false", false],
  ["False", false],
  ["FALSE", false],
]);
const yaml11Bools = new Set(["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]);
/** One expression (compiled once) of every non-string form of a plain scalar that starts with a digit, sign, dot, < or =. */
const nonString = new RegExp(
  [
    /^[-+]?0b[0-1_]+$/, // 1.1 binary
    /^[-+]?0[0-7_]+$/, // 1.1 octal
    /^[-+]?(?:0|[1-9][0-9_]*)$/, // 1.1 decimal (with _)
    /^[-+]?0x[0-9a-fA-F_]+$/, // 1.1 hex
    /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/, // 1.1 sexagesimal int
    /^(?=.*[0-9])[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?$/, // 1.1 float (with a digit: every reader takes `.` as text)
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/, // 1.1 sexagesimal float
    /^[-+]?\.(?:inf|Inf|INF)$/,
    /^\.(?:nan|NaN|NAN)$/,
    /^[0-9]{4}-[0-9]/, // 1.1 timestamps
    /^[-+]?[0-9]+$/, // 1.2 int
    /^0o[0-7]+$/, // 1.2 octal
    /^0x[0-9a-fA-F]+$/, // 1.2 hex
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/, // 1.2 float
    /^(?:<<|=)$/, // merge and value keys
  ]
    .map((r) => `(?:${r.source})`)
    .join("|"),
);

/** A plain scalar as YAML 1.2 core reads it, when YAML 1.1 reads it the same; Bail otherwise. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 60 || c === 61)) {
    if (s.length > 5) return s;
    if (words.has(s)) return words.get(s);
    if (yaml11Bools.has(s)) throw new Bail();
    return s;
  }
  if (isPlainDecimal(s)) return Number(s);
  if (nonString.test(s)) throw new Bail();
  return s;
}

/**
 * Numbers both read alike: `-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?` (no plus sign, leading zero,
 * exponent or `_`; few enough digits to be exact).
 */
function isPlainDecimal(s: string): boolean {
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const first = i;
  if (s.charCodeAt(i) === 48) i++;
  else while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === first || i - first > 15) return false;
  if (i === s.length) return true;
  if (s.charCodeAt(i) !== 46) return false;
  const dot = ++i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  return i === s.length && i > dot && i - dot <= 15;
}

/** One-line flow collections (`[a, b]`, `{k: v}`, nested), with the position of every node. */
class Flow {
  private i = 0;
  node: FastNode = { line: 0, col: 0 };
  constructor(
    private readonly s: string,
    private readonly line: number,
    /** Column (0-based) of `s` in its line. */
    private readonly at: number,
    private depth: number,
  ) {}

  end(): void {
    if (!endsLine(this.s.slice(this.i))) throw new Bail();
  }

  private ws(): void {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
  }

  private here(): { line: number; col: number } {
    return { line: this.line, col: this.at + this.i + 1 };
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "[" || c === "{") {
      if (++this.depth > maxFastDepth) throw new Bail();
      const value = c === "[" ? this.sequence() : this.mapping();
      this.depth--;
      return value;
    }
    const pos = this.here();
    const scalar = this.scalar(false);
    const value = scalar.plain ? resolvePlain(scalar.text) : scalar.text;
    this.node = { ...pos, source: scalar.text };
    return value;
  }

  private sequence(): unknown[] {
    const node: FastNode = { ...this.here(), items: [] };
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === "]") {
        this.i++;
        this.node = node;
        return out;
      }
      out.push(this.value());
      node.items?.push(this.node);
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "]") throw new Bail();
    }
  }

  private mapping(): Record<string, unknown> {
    const entries = new Map<string, { line: number; col: number; value: FastNode }>();
    const node: FastNode = { ...this.here(), entries };
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        this.node = node;
        return out;
      }
      const keyPos = this.here();
      const key = this.scalar(true);
      if (this.s[this.i] !== ":") throw new Bail(); // `{a}` and `{"a":b}`: not in the subset
      this.i++;
      if (this.i < this.s.length && !" ,}".includes(this.s[this.i] as string)) throw new Bail();
      this.ws();
      let value: unknown = null;
      if (this.s[this.i] === "," || this.s[this.i] === "}") this.node = { ...this.here(), source: "" };
      else value = this.value();
      if (key.plain && resolvePlain(key.text) !== key.text) throw new Bail();
      addKey(out, entries, key.text, value, this.node, keyPos.line, keyPos.col);
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "}") throw new Bail();
    }
  }

  /** The next scalar's text, unquoted, and whether it was plain. */
  private scalar(isKey: boolean): { text: string; plain: boolean } {
    const c = this.s.charCodeAt(this.i);
    if (c === 34 || c === 39) {
      const end = quotedEnd(this.s.slice(this.i), c);
      if (end === -1) throw new Bail();
      const text = this.s.slice(this.i, this.i + end + 1);
      this.i += end + 1;
      if (isKey && text.length > maxKeyChars) throw new Bail();
      return { text: unquoteOrBail(text), plain: false };
    }
    const start = this.i;
    while (this.i < this.s.length) {
      const ch = this.s[this.i] as string;
      if (ch === "," || ch === "]" || ch === "}" || ch === "[" || ch === "{") break;
      if (ch === ":" && (this.i + 1 === this.s.length || " ,[]{}".includes(this.s[this.i + 1] as string))) break;
      if (ch === "#" && this.s[this.i - 1] === " ") throw new Bail();
      this.i++;
    }
    const text = this.s.slice(start, this.i).trimEnd();
    if (!plainStart(text, true) || (isKey && text.length > maxKeyChars)) throw new Bail();
    return { text, plain: true };
  }
}

function unquoteOrBail(text: string): string {
  const value = unquoteYaml(text);
  if (value === undefined) throw new Bail();
  return value;
}
