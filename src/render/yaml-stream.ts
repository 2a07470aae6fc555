/*
 * A small YAML emitter for plain data (what renderers produce: strings, numbers, booleans, null,
 * arrays and objects). It is faster to load and run than a general YAML library, which matters for
 * CLI start-up, and it is conservative: a string is written plain only when no YAML 1.1 or 1.2
 * parser (Go's, Python's, JavaScript's) could read it as anything else; otherwise it is
 * double-quoted with JSON escapes. Tests parse the output back and compare.
 */

/** Serializes objects as a YAML stream: one document each, stable bytes. */
export function toYamlStream(objects: readonly object[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join("");
}

/** How toYaml writes strings. */
export interface YamlStyle {
  /**
   * Write a multi-line string as a literal block (`|-`) when it reads back unchanged (printable
   * lines without leading or trailing blanks on the first line): what a person expects of a CI
   * script. Default false: double-quoted with escapes.
   */
  literalBlocks?: boolean;
}

/** Serializes one value as a YAML document (block style, two-space indent). */
export function toYaml(value: unknown, style: YamlStyle = {}): string {
  if (isCollection(value) && !isEmpty(value)) return `${block(value, 0, style).join("\n")}\n`;
  return `${scalar(value)}\n`;
}

/** A literal block's lines (keep or strip the final newline), or undefined when the string is not safe as one. */
function literalLines(s: string, indent: number): string[] | undefined {
  // U+2028/2029 are line breaks to YAML 1.1 readers (PyYAML): only quoted they stay one character.
  if (!s.includes("\n") || /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/u.test(s)) return undefined;
  const body = s.endsWith("\n") ? s.slice(0, -1) : s;
  const lines = body.split("\n");
  if (lines.some((l) => / $/.test(l)) || /^ /.test(lines[0] ?? "") || lines[0] === "" || body.endsWith("\n")) return undefined;
  const pad = " ".repeat(indent);
  return [s.endsWith("\n") ? "|" : "|-", ...lines.map((l) => (l === "" ? "" : `${pad}${l}`))];
}

type Collection = readonly unknown[] | Record<string, unknown>;

function isCollection(value: unknown): value is Collection {
  return value !== null && typeof value === "object";
}

function isEmpty(value: Collection): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function block(value: Collection, indent: number, style: YamlStyle = {}): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item === undefined) continue;
      if (isCollection(item) && !isEmpty(item)) {
        const inner = block(item, indent + 2, style);
        const first = inner[0] ?? "";
        lines.push(`${pad}- ${first.slice(indent + 2)}`, ...inner.slice(1));
      } else lines.push(`${pad}- ${scalar(item)}`);
    }
    return lines;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const k = scalarString(key);
    const literal = style.literalBlocks && typeof item === "string" ? literalLines(item, indent + 2) : undefined;
    if (isCollection(item) && !isEmpty(item)) {
      lines.push(`${pad}${k}:`, ...block(item, Array.isArray(item) ? indent + 2 : indent + 2, style));
    } else if (literal) lines.push(`${pad}${k}: ${literal[0]}`, ...literal.slice(1));
    else lines.push(`${pad}${k}: ${scalar(item)}`);
  }
  return lines;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as YAML`);
    return Object.is(value, -0) ? "-0.0" : JSON.stringify(value);
  }
  if (typeof value === "string") return scalarString(value);
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object") return "{}";
  throw new TypeError(`cannot write a ${typeof value} as YAML`);
}

/** Words that some YAML version reads as a boolean or null (and "E5", a float to one JavaScript parser). */
const reserved = new Set(["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]);

function scalarString(s: string): string {
  if (/^[A-Za-z_/][A-Za-z0-9_./@-]*$/.test(s) && !reserved.has(s.toLowerCase()) && !s.endsWith(".") && !/^[eE][-+]?[0-9]+$/.test(s)) {
    return s;
  }
  return quote(s);
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || code === 0xfeff) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}
