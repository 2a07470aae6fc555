/*
 * A small HCL writer: a typed tree of blocks, attributes and values in, text out, laid out the way
 * `terraform fmt` lays it out (two-space indent, `=` aligned within a run of one-line attributes,
 * a multi-line value or a nested block ending the run), and the same tree as Terraform's JSON
 * syntax (.tf.json). Written here rather than taken from npm: the one maintained package,
 * @cdktf/hcl-tools, only re-formats text (a Go WASM binary of 1.6 MB, about a second to start,
 * asynchronous), so slipway would still build the text itself; this writer is synchronous, pure
 * and emits formatted output directly. docs/infra.md has the measurement.
 */

/** A Terraform expression written as is: a reference (`module.vpc.vpc_id`) or a function call. */
export class Expr {
  constructor(readonly text: string) {}
}

/** `fn(args…)`: written as a call in HCL, and as "${fn(…)}" in JSON. */
export class Call {
  constructor(
    readonly fn: string,
    readonly args: readonly HclValue[],
  ) {}
}

export type HclValue = string | number | boolean | null | Expr | Call | readonly HclValue[] | HclObject;
export interface HclObject {
  readonly [key: string]: HclValue;
}

/** A line of the body: an attribute, a nested block, a comment (HCL only) or a blank line. */
export type HclItem =
  | { kind: "attribute"; name: string; value: HclValue }
  | { kind: "block"; block: HclBlock }
  | { kind: "comment"; text: string; json?: boolean }
  | { kind: "blank" };

export interface HclBlock {
  type: string;
  labels: readonly string[];
  body: readonly HclItem[];
}

/** A reference or other raw expression. */
export const ref = (text: string): Expr => new Expr(text);
export const call = (fn: string, ...args: HclValue[]): Call => new Call(fn, args);

/** Builds a body from `[name, value]` pairs (undefined values left out), blocks, comments and blanks. */
export function body(...items: (readonly [string, HclValue | undefined] | HclBlock | HclItem | undefined)[]): HclItem[] {
  const out: HclItem[] = [];
  for (const item of items) {
    if (item === undefined) continue;
    if (Array.isArray(item)) {
      const [name, value] = item as readonly [string, HclValue | undefined];
      if (value !== undefined) out.push({ kind: "attribute", name, value });
    } else if ("kind" in item) out.push(item);
    else out.push({ kind: "block", block: item as HclBlock });
  }
  return out;
}

export const block = (type: string, labels: readonly string[], items: readonly HclItem[]): HclBlock => ({ type, labels, body: items });
export const comment = (text: string): HclItem => ({ kind: "comment", text });
/** A comment kept in .tf.json too, as the body's "//" property (Terraform reads it as a comment): for waivers. */
export const jsonComment = (text: string): HclItem => ({ kind: "comment", text, json: true });
export const blank: HclItem = { kind: "blank" };

const identifier = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A file of top-level blocks, one blank line between blocks, ending in a newline. */
export function writeHcl(blocks: readonly (HclBlock | HclItem)[]): string {
  const parts: string[] = [];
  for (const b of blocks) {
    if ("kind" in b) {
      if (b.kind === "comment") parts.push(`${commentLines(b.text, "")}\n`);
      else if (b.kind === "block") parts.push(writeBlock(b.block, ""));
    } else parts.push(writeBlock(b, ""));
  }
  // Comments sit directly above the block they introduce.
  let text = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const previous = parts[i - 1];
    if (i > 0 && !previous?.startsWith("#")) text += "\n";
    text += part;
  }
  return text;
}

function writeBlock(b: HclBlock, indent: string): string {
  const head = [b.type, ...b.labels.map(quote)].join(" ");
  if (b.body.length === 0) return `${indent}${head} {}\n`;
  return `${indent}${head} {\n${writeBody(b.body, `${indent}  `)}${indent}}\n`;
}

function writeBody(items: readonly HclItem[], indent: string): string {
  let out = "";
  let run: { name: string; value: string }[] = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((a) => a.name.length));
    for (const a of run) out += `${indent}${a.name.padEnd(width)} = ${a.value}\n`;
    run = [];
  };
  let previous: HclItem["kind"] | undefined;
  for (const item of items) {
    switch (item.kind) {
      case "attribute": {
        const name = identifier.test(item.name) ? item.name : quote(item.name);
        const value = writeValue(item.value, indent);
        if (value.includes("\n")) {
          flush();
          out += `${indent}${name} = ${value}\n`;
        } else run.push({ name, value });
        break;
      }
      case "block":
        flush();
        // A nested block is set off from attributes above it by a blank line, as people write it.
        if (previous === "attribute") out += "\n";
        out += writeBlock(item.block, indent);
        break;
      case "comment":
        flush();
        out += `${commentLines(item.text, indent)}\n`;
        break;
      case "blank":
        flush();
        out += "\n";
        break;
    }
    previous = item.kind;
  }
  flush();
  return out;
}

function commentLines(text: string, indent: string): string {
  return text
    .split("\n")
    .map((line) => `${indent}#${line === "" ? "" : ` ${line}`}`)
    .join("\n");
}

/** One value; objects with entries and lists of objects span lines, indented from `indent`. */
export function writeValue(value: HclValue, indent: string): string {
  if (value === null) return "null";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`HCL has no number ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (value instanceof Expr) return value.text;
  if (value instanceof Call) return `${value.fn}(${value.args.map((a) => writeValue(a, indent)).join(", ")})`;
  const inner = `${indent}  `;
  if (isList(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v) => writeValue(v, inner));
    const oneLine = `[${items.join(", ")}]`;
    if (!items.some((i) => i.includes("\n")) && !value.some(isObjectValue) && indent.length + oneLine.length <= 100) return oneLine;
    return `[\n${items.map((i) => `${inner}${i},\n`).join("")}${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const items: HclItem[] = entries.map(([name, v]) => ({ kind: "attribute", name, value: v }));
  return `{\n${writeBody(items, inner)}${indent}}`;
}

function isList(value: HclValue): value is readonly HclValue[] {
  return Array.isArray(value);
}

function isObjectValue(value: HclValue): boolean {
  return value !== null && typeof value === "object" && !(value instanceof Expr) && !(value instanceof Call) && !isList(value);
}

/** A quoted HCL string: escapes, and `${` / `%{` doubled so nothing in a value is interpolated. */
export function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out.replaceAll("${", () => "$${").replaceAll("%{", "%%{")}"`;
}

/**
 * The same blocks in Terraform's JSON syntax: block types as keys, labels as nested keys,
 * expressions as "${…}" strings; comments dropped. Repeated nested blocks become arrays.
 */
export function writeTfJson(blocks: readonly (HclBlock | HclItem)[]): string {
  const root: Record<string, unknown> = {};
  for (const b of blocks) {
    const blk = "kind" in b ? (b.kind === "block" ? b.block : undefined) : b;
    if (blk) addBlock(root, blk);
  }
  return `${JSON.stringify(root, null, 2)}\n`;
}

function addBlock(into: Record<string, unknown>, b: HclBlock): void {
  let node = into;
  const keys = [b.type, ...b.labels];
  const last = keys.pop() as string;
  for (const key of keys) {
    if (!Object.hasOwn(node, key)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const content = jsonBody(b.body);
  if (Object.hasOwn(node, last)) {
    // A second block of the same type (two `ingress` blocks, two `provider "aws"`): a list.
    const existing = node[last];
    node[last] = Array.isArray(existing) ? [...existing, content] : [existing, content];
  } else node[last] = content;
}

function jsonBody(items: readonly HclItem[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    // depends_on takes bare references in the JSON syntax ("module.x"), not "${…}" templates.
    if (item.kind === "attribute" && item.name === "depends_on" && Array.isArray(item.value))
      out[item.name] = (item.value as readonly HclValue[]).map((v) => (v instanceof Expr ? v.text : jsonValue(v)));
    else if (item.kind === "attribute") out[item.name] = jsonValue(item.value);
    else if (item.kind === "block") addBlock(out, item.block);
    else if (item.kind === "comment" && item.json) out["//"] = item.text;
  }
  return out;
}

/** A value on one line (objects as `{ a = 1, b = 2 }`), for a call inside a JSON string. */
function inlineValue(value: HclValue): string {
  if (value instanceof Call) return `${value.fn}(${value.args.map(inlineValue).join(", ")})`;
  if (value === null || typeof value !== "object" || value instanceof Expr) return writeValue(value, "");
  if (isList(value)) return `[${value.map(inlineValue).join(", ")}]`;
  const entries = Object.entries(value).map(([k, v]) => `${identifier.test(k) ? k : quote(k)} = ${inlineValue(v)}`);
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

function jsonValue(value: HclValue): unknown {
  if (value instanceof Expr) return `\${${value.text}}`;
  if (value instanceof Call) return `\${${inlineValue(value)}}`;
  if (typeof value === "string") return value.replaceAll("${", () => "$${").replaceAll("%{", "%%{");
  if (value === null || typeof value !== "object") return value;
  if (isList(value)) return value.map(jsonValue);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
}
