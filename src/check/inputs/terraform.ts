import type * as Yaml from "yaml";
import type { Node } from "yaml";
import { lineColAt, maxNestingDepth, nodeTooDeep, scanYaml, yamlLibrary } from "../../spec/yaml-limits.js";
import type { Origin, TfAttribute, TfBlock, TfBody, TfCall, TfExpression, TfFile, TfObject, TfValue } from "../types.js";
import { HclSyntaxError, parseHcl } from "./hcl.js";
import { readJsonDocument } from "./json-document.js";
import type { InputProblem } from "./kubernetes.js";

// The library's node tests, loaded on first call (strict .tf.json takes the JSON reader without it).
const isMap = (node: unknown): node is Yaml.YAMLMap => yamlLibrary().isMap(node);
const isScalar = (node: unknown): node is Yaml.Scalar => yamlLibrary().isScalar(node);
const isSeq = (node: unknown): node is Yaml.YAMLSeq => yamlLibrary().isSeq(node);

/** A .tf or .tf.json file as blocks, or the first syntax problem. */
export function terraformFromText(text: string, origin: Origin, json: boolean): { file: TfFile | undefined; problems: InputProblem[] } {
  const name = origin.file ?? origin.label;
  const lines = text.split("\n");
  try {
    const blocks = json ? terraformJsonBlocks(text, name) : parseHcl(text, name);
    return { file: { origin, blocks, lines }, problems: [] };
  } catch (error) {
    if (error instanceof HclSyntaxError)
      return { file: undefined, problems: [{ line: error.line, message: `HCL syntax: ${error.message} (column ${error.col})` }] };
    if (error instanceof JsonShapeError) return { file: undefined, problems: [{ line: error.line, message: error.message }] };
    throw error;
  }
}

const tooDeepMessage = `nested deeper than ${maxNestingDepth} levels`;

class JsonShapeError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Labels each top-level JSON key takes, in Terraform's JSON syntax. */
const labelDepth: Record<string, number> = {
  resource: 2,
  data: 2,
  module: 1,
  variable: 1,
  output: 1,
  provider: 1,
  terraform: 0,
  locals: 0,
};

function terraformJsonBlocks(text: string, file: string): TfBlock[] {
  // Strict JSON takes the light line-keeping reader (70k keys: 5.6 s and 273 MB through the YAML
  // library's node tree); anything it declines (not strict JSON, a `__proto__` key) goes the long way.
  const json = readJsonDocument(text);
  if (json?.kind === "too-deep") throw new JsonShapeError(tooDeepMessage, json.line);
  if (json?.kind === "document") return terraformJsonData(json.data, json.locate, json.line, file);
  const { LineCounter, parseDocument } = yamlLibrary();
  const lc = new LineCounter();
  const scan = scanYaml(text);
  if (scan.tooDeepAt !== undefined) throw new JsonShapeError(tooDeepMessage, lineColAt(text, scan.tooDeepAt).line);
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  const err = doc.errors[0];
  if (err?.code === "RESOURCE_EXHAUSTION") throw new JsonShapeError(tooDeepMessage, lc.linePos(err.pos[0]).line);
  if (err) throw new JsonShapeError(`JSON syntax: ${err.message.split(/ at line \d+/)[0] ?? err.message}`, lc.linePos(err.pos[0]).line);
  const deep = nodeTooDeep(doc.contents);
  if (deep) throw new JsonShapeError(tooDeepMessage, lc.linePos(deep.range?.[0] ?? 0).line);
  const line = (n: Node | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : 1);
  const endLine = (n: Node | null | undefined) => (n?.range ? lc.linePos(Math.max(n.range[0], n.range[1] - 1)).line : 1);
  const root = doc.contents;
  if (!isMap(root)) throw new JsonShapeError("a .tf.json file must hold a JSON object", line(root as Node | null));

  const blocks: TfBlock[] = [];
  const makeBlock = (type: string, labels: string[], node: Node, at: Node): TfBlock => ({
    type,
    labels,
    body: toBody(node, type),
    file,
    line: line(at),
    endLine: endLine(node),
  });
  const toBody = (node: Node, type: string): TfBody => {
    const attributes = new Map<string, TfAttribute>();
    const inner: TfBlock[] = [];
    if (!isMap(node)) return { attributes, blocks: inner };
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const value = pair.value as Node | null;
      attributes.set(key, { name: key, value: toValue(value), line: line(pair.key as Node) });
      if (type === "terraform" && key === "backend" && isMap(value)) {
        for (const b of value.items)
          inner.push(makeBlock("backend", [isScalar(b.key) ? String(b.key.value) : ""], b.value as Node, b.key as Node));
      } else if (isMap(value)) inner.push(makeBlock(key, [], value, pair.key as Node));
      else if (isSeq(value)) for (const item of value.items) if (isMap(item)) inner.push(makeBlock(key, [], item, item));
    }
    return { attributes, blocks: inner };
  };
  const each = (node: Node | null, depth: number, labels: string[], type: string, at: Node) => {
    if (depth === 0) {
      if (isSeq(node)) for (const item of node.items) each(item as Node, 0, labels, type, item as Node);
      else if (node) blocks.push(makeBlock(type, labels, node, at));
      return;
    }
    if (!isMap(node)) throw new JsonShapeError(`${type}: expected an object of ${depth === 2 ? "types" : "names"}`, line(node));
    for (const pair of node.items)
      each(pair.value as Node, depth - 1, [...labels, isScalar(pair.key) ? String(pair.key.value) : ""], type, pair.key as Node);
  };
  for (const pair of root.items) {
    const type = isScalar(pair.key) ? String(pair.key.value) : "";
    each(pair.value as Node, labelDepth[type] ?? 0, [], type, pair.key as Node);
  }
  return blocks;
}

type Path = (string | number)[];

/** The same blocks as terraformJsonBlocks, from plain JSON data and the reader's key lines. */
function terraformJsonData(root: unknown, locate: (path: Path) => number | undefined, rootLine: number, file: string): TfBlock[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const lineOf = (path: Path) => locate(path) ?? rootLine;
  if (!isObj(root)) throw new JsonShapeError("a .tf.json file must hold a JSON object", rootLine);
  const blocks: TfBlock[] = [];
  // No comments in JSON, so a block only needs to end at its last key (waivers are comments).
  const makeBlock = (type: string, labels: string[], value: unknown, path: Path): TfBlock => {
    const line = lineOf(path);
    const body = toBody(value, type, path);
    let endLine = line;
    for (const a of body.attributes.values()) if (a.line > endLine) endLine = a.line;
    for (const inner of body.blocks) if (inner.endLine > endLine) endLine = inner.endLine;
    return { type, labels, body, file, line, endLine };
  };
  const toBody = (value: unknown, type: string, path: Path): TfBody => {
    const attributes = new Map<string, TfAttribute>();
    const inner: TfBlock[] = [];
    if (!isObj(value)) return { attributes, blocks: inner };
    for (const [key, v] of Object.entries(value)) {
      const at = [...path, key];
      attributes.set(key, { name: key, value: jsonValue(v), line: lineOf(at) });
      if (type === "terraform" && key === "backend" && isObj(v)) {
        for (const [name, b] of Object.entries(v)) inner.push(makeBlock("backend", [name], b, [...at, name]));
      } else if (isObj(v)) inner.push(makeBlock(key, [], v, at));
      else if (Array.isArray(v)) {
        for (const [i, item] of v.entries()) if (isObj(item)) inner.push(makeBlock(key, [], item, [...at, i]));
      }
    }
    return { attributes, blocks: inner };
  };
  const each = (value: unknown, depth: number, labels: string[], type: string, path: Path): void => {
    if (depth === 0) {
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) each(item, 0, labels, type, [...path, i]);
      } else if (value !== undefined && value !== null) blocks.push(makeBlock(type, labels, value, path));
      return;
    }
    if (!isObj(value)) throw new JsonShapeError(`${type}: expected an object of ${depth === 2 ? "types" : "names"}`, lineOf(path));
    for (const [key, v] of Object.entries(value)) each(v, depth - 1, [...labels, key], type, [...path, key]);
  };
  for (const [type, value] of Object.entries(root)) each(value, labelDepth[type] ?? 0, [], type, [type]);
  return blocks;
}

function jsonValue(v: unknown): TfValue {
  if (typeof v === "string") {
    const m = /^\$\{([\s\S]*)\}$/.exec(v);
    if (m && !m[1]?.includes("${")) return { expr: (m[1] ?? "").trim() };
    return v;
  }
  if (typeof v === "number" || typeof v === "boolean" || v === null) return v;
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === "object") {
    const out: TfObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = jsonValue(x);
    return out;
  }
  return null;
}

function toValue(node: Node | null | undefined): TfValue {
  if (!node) return null;
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string") {
      const m = /^\$\{([\s\S]*)\}$/.exec(v);
      if (m && !m[1]?.includes("${")) return { expr: (m[1] ?? "").trim() };
      return v;
    }
    if (typeof v === "number" || typeof v === "boolean" || v === null) return v;
    return String(v);
  }
  if (isSeq(node)) return node.items.map((i) => toValue(i as Node));
  if (isMap(node)) {
    const out: TfObject = {};
    for (const pair of node.items) out[isScalar(pair.key) ? String(pair.key.value) : ""] = toValue(pair.value as Node);
    return out;
  }
  return null;
}

// ── Readers for rules ─────────────────────────────────────────────────────────────────────────

export function isExpression(v: TfValue | undefined): v is TfExpression {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as TfExpression).expr === "string" && Object.keys(v).length === 1
  );
}

export function isCall(v: TfValue | undefined): v is TfCall {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as TfCall).call === "string" && Array.isArray((v as TfCall).args)
  );
}

export function isObject(v: TfValue | undefined): v is TfObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isExpression(v) && !isCall(v);
}

export function attr(body: TfBody, name: string): TfValue | undefined {
  return body.attributes.get(name)?.value;
}

export function attrLine(block: TfBlock, name: string): number {
  return block.body.attributes.get(name)?.line ?? block.line;
}

/**
 * Nested blocks named `name` (in JSON syntax these are objects or lists of objects). Blocks written in
 * attribute syntax, `ingress = [{ from_port = 22, … }]` (which aws_security_group accepts for ingress
 * and egress), are read as blocks too, each at the attribute's line.
 */
export function nested(body: TfBody, name: string): TfBlock[] {
  const blocks = body.blocks.filter((b) => b.type === name);
  if (blocks.length > 0) return blocks;
  const a = body.attributes.get(name);
  if (!a) return [];
  const items = Array.isArray(a.value) ? a.value : [a.value];
  return items.filter(isObject).map((o) => ({
    type: name,
    labels: [],
    body: {
      attributes: new Map(Object.entries(o).map(([k, v]) => [k, { name: k, value: v, line: a.line }])),
      blocks: [],
    },
    file: "",
    line: a.line,
    endLine: a.line,
  }));
}

/** A boolean attribute: true/false, or undefined when unset or not a literal. */
export function bool(body: TfBody, name: string): boolean | "unknown" | undefined {
  const v = attr(body, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return "unknown";
}

export function num(body: TfBody, name: string): number | "unknown" | undefined {
  const v = attr(body, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return "unknown";
}

export function str(body: TfBody, name: string): string | undefined {
  const v = attr(body, name);
  return typeof v === "string" ? v : undefined;
}

/** A list of literal strings (expressions and other values dropped). */
export function strings(v: TfValue | undefined): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

/** `aws_db_instance.main` */
export function address(block: TfBlock): string {
  if (block.type === "resource") return block.labels.join(".");
  if (block.type === "data") return `data.${block.labels.join(".")}`;
  if (block.type === "module") return `module.${block.labels[0] ?? ""}`;
  return [block.type, ...block.labels].join(".");
}

/** Whether a resource or module looks like it belongs to production (its names, tags or variables). */
export function looksProduction(block: TfBlock): boolean {
  const texts: string[] = [...block.labels];
  const collect = (v: TfValue | undefined) => {
    if (typeof v === "string") texts.push(v);
    else if (isExpression(v)) texts.push(v.expr);
    else if (isObject(v)) for (const x of Object.values(v)) collect(x);
  };
  for (const key of ["identifier", "name", "cluster_identifier", "environment", "env", "tags"]) collect(attr(block.body, key));
  return texts.some((t) => /(^|[^a-z])(prod|production|prd)([^a-z]|$)/i.test(t));
}
