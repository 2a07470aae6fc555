import type { LineCounter, Node, Pair, YAMLMap } from "yaml";
import { SlipwayError, type SpecLocation } from "../errors/slipway-error.js";
import { maxSpecBytes } from "../model/input-limits.js";
import { type FastNode, fastSpec } from "./fast-spec.js";
import { lineColAt, maxNestingDepth, scanYaml, yamlLibrary } from "./yaml-limits.js";

export { maxSpecBytes };

/**
 * Keys, values and items a spec may hold. Real specs have a few hundred; the cap keeps a 1 MB file
 * of tiny keys from costing the YAML library seconds and hundreds of megabytes.
 */
export const maxSpecNodes = 20_000;

/** Keys that would reach an object's prototype in JavaScript; refused anywhere in a spec. */
const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/** A parsed YAML document that can tell where any path of keys sits in the source. */
export interface SourceDocument {
  file: string;
  data: unknown;
  /** 1-based line and column of the node at `path`, or of its nearest existing parent. */
  locate(path: readonly (string | number)[], want?: "key" | "value"): { line: number; col: number } | undefined;
  /** Whether `path` exists in the document. */
  has(path: readonly (string | number)[]): boolean;
  /** The text a scalar at `path` was written as (`1.10` for the number 1.1), if there is one. */
  scalarSource(path: readonly (string | number)[]): string | undefined;
}

/**
 * Parses spec text. Pure: the caller reads the file. Throws SlipwayError for anything that is not
 * a YAML mapping, with the position of the first problem.
 */
export function parseSpecText(text: string | Uint8Array, file: string): SourceDocument {
  return parseSpec(text, file, true);
}

/** parseSpecText without the fast reader: the reference the fast reader is tested against. */
export function parseSpecTextWithLibrary(text: string | Uint8Array, file: string): SourceDocument {
  return parseSpec(text, file, false);
}

function parseSpec(text: string | Uint8Array, file: string, tryFast: boolean): SourceDocument {
  const bytes = typeof text === "string" ? Buffer.byteLength(text) : text.byteLength;
  if (bytes > maxSpecBytes) {
    throw new SlipwayError("SPEC_TOO_LARGE", `${file} is ${bytes} bytes; a spec may be at most ${maxSpecBytes} bytes`, {
      location: { file, path: [] },
      hint: "Check that -f points at slipway.yaml and not at a log, archive or build output.",
    });
  }
  let source: string;
  if (typeof text === "string") source = text;
  else {
    try {
      source = new TextDecoder("utf-8", { fatal: true }).decode(text);
    } catch {
      throw notText(file);
    }
  }
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  // NUL and most C0 controls never occur in a YAML text file; they mean binary data.
  const control = firstControlCharacter(source);
  if (control !== -1) throw notText(file, lineColOf(source, control));

  // Most specs: the fast reader, which returns what the library path below would, or nothing.
  const fast = tryFast ? fastSpec(source) : undefined;
  if (fast) return fastDocument(file, fast.data, fast.root);

  const scan = scanYaml(source, maxNestingDepth, maxSpecNodes);
  if (scan.tooDeepAt !== undefined) throw tooDeep(file, lineColAt(source, scan.tooDeepAt));
  if (scan.nodes > maxSpecNodes) {
    throw new SlipwayError("SPEC_TOO_LARGE", `${file} holds more than ${maxSpecNodes} keys and values; a spec is far smaller`, {
      location: { file, path: [], line: 1, col: 1 },
      hint: "Check that -f points at slipway.yaml; keep large configuration in files the app reads, not in env.",
    });
  }

  const { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  // Duplicate keys are found below in one pass: the library's own check compares each key with
  // every earlier one (193 s for 104k keys).
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    if (firstError.code === "RESOURCE_EXHAUSTION") throw tooDeep(file, pos);
    throw new SlipwayError("SPEC_YAML_SYNTAX", `${file}:${pos.line}:${pos.col}: ${yamlMessage(firstError.message)}`, {
      location: { file, path: [], line: pos.line, col: pos.col },
      hint: yamlHint(firstError.code),
    });
  }
  checkKeys(doc.contents, file, lineCounter);
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw new SlipwayError("SPEC_EMPTY", `${file} is empty`, {
      location: { file, path: [], line: 1, col: 1 },
      hint: "Run `slipway init` to write a commented slipway.yaml for this folder.",
    });
  }
  if (!isMap(doc.contents)) {
    const pos =
      doc.contents && isNode(doc.contents) && doc.contents.range ? lineCounter.linePos(doc.contents.range[0]) : { line: 1, col: 1 };
    throw new SlipwayError(
      "SPEC_NOT_A_MAPPING",
      `${file}:${pos.line}:${pos.col}: the spec must be a mapping of keys (name:, app:, environments:, …)`,
      {
        location: { file, path: [], line: pos.line, col: pos.col },
        hint: "Start the file with `name: my-app` on its own line; see `slipway init` for a full example.",
      },
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new SlipwayError("SPEC_YAML_SYNTAX", `${file}: ${error instanceof Error ? error.message : String(error)}`, {
      location: { file, path: [], line: 1, col: 1 },
      hint: "Remove YAML anchors and aliases that expand to very large documents.",
    });
  }

  // Key → pair per mapping, built on first use: locating thousands of problems stays linear.
  const index = new WeakMap<object, Map<string, Pair>>();
  const pairsOf = (map: YAMLMap): Map<string, Pair> => {
    let pairs = index.get(map);
    if (!pairs) {
      pairs = new Map();
      for (const item of map.items) if (isScalar(item.key) && !pairs.has(String(item.key.value))) pairs.set(String(item.key.value), item);
      index.set(map, pairs);
    }
    return pairs;
  };
  const nodeAt = (path: readonly (string | number)[]): { node: Node | undefined; keyNode: Node | undefined; depth: number } => {
    let current: unknown = doc.contents;
    let keyNode: Node | undefined;
    let depth = 0;
    for (const part of path) {
      if (isMap(current)) {
        const pair = pairsOf(current).get(String(part));
        if (!pair) break;
        keyNode = isNode(pair.key) ? pair.key : undefined;
        current = pair.value;
      } else if (isSeq(current) && typeof part === "number") {
        const item = current.items[part];
        if (item === undefined) break;
        keyNode = undefined;
        current = item;
      } else break;
      depth++;
    }
    return { node: isNode(current) ? current : undefined, keyNode, depth };
  };

  return {
    file,
    data,
    locate(path, want = "value") {
      const { node, keyNode, depth } = nodeAt(path);
      // A missing key is reported at its parent's key (`app:`), not at the parent's first child.
      const preferKey = depth < path.length || want === "key";
      const target = preferKey && keyNode ? keyNode : (node ?? keyNode);
      if (!target?.range) return undefined;
      const pos = lineCounter.linePos(target.range[0]);
      return { line: pos.line, col: pos.col };
    },
    has(path) {
      return nodeAt(path).depth === path.length;
    },
    scalarSource(path) {
      const { node, depth } = nodeAt(path);
      return depth === path.length && isScalar(node) ? node.source : undefined;
    },
  };
}

/** A SourceDocument over the fast reader's nodes; locates as the library path does (same walk). */
function fastDocument(file: string, data: unknown, root: FastNode): SourceDocument {
  const nodeAt = (path: readonly (string | number)[]) => {
    let current: FastNode | undefined = root;
    let keyNode: { line: number; col: number } | undefined;
    let depth = 0;
    for (const part of path) {
      if (current.entries) {
        const entry = current.entries.get(String(part));
        if (!entry) break;
        keyNode = entry;
        current = entry.value;
      } else if (current.items && typeof part === "number") {
        const item: FastNode | undefined = current.items[part];
        if (item === undefined) break;
        keyNode = undefined;
        current = item;
      } else break;
      depth++;
    }
    return { node: current, keyNode, depth };
  };
  return {
    file,
    data,
    locate(path, want = "value") {
      const { node, keyNode, depth } = nodeAt(path);
      const target = (depth < path.length || want === "key") && keyNode ? keyNode : node;
      return { line: target.line, col: target.col };
    },
    has(path) {
      return nodeAt(path).depth === path.length;
    },
    scalarSource(path) {
      const { node, depth } = nodeAt(path);
      return depth === path.length ? node.source : undefined;
    },
  };
}

/**
 * One pass over the document, without recursion: nesting deeper than maxNestingDepth, duplicate
 * keys (linear, a set per mapping) and keys that would reach a prototype.
 */
function checkKeys(root: unknown, file: string, lineCounter: LineCounter): void {
  const { isMap, isScalar, isSeq } = yamlLibrary();
  const at = (node: Node): { line: number; col: number } => (node.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 });
  const stack: { node: unknown; depth: number; path: (string | number)[] }[] = [{ node: root, depth: 1, path: [] }];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop() as { node: unknown; depth: number; path: (string | number)[] };
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > maxNestingDepth) throw tooDeep(file, at(node));
    const children: { node: unknown; depth: number; path: (string | number)[] }[] = [];
    if (isMap(node)) {
      const keys = new Map<unknown, Node>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          const pos = at(key);
          const name = String(key.value);
          if (forbiddenKeys.has(name)) {
            throw new SlipwayError("SPEC_FORBIDDEN_KEY", `${file}:${pos.line}:${pos.col}: the key '${name}' is not allowed`, {
              location: { file, path: [...path, name], line: pos.line, col: pos.col },
              hint: "Remove it: __proto__, constructor and prototype are never spec keys (they would reach JavaScript object internals).",
            });
          }
          const first = keys.get(key.value);
          if (first) {
            throw new SlipwayError(
              "SPEC_YAML_SYNTAX",
              `${file}:${pos.line}:${pos.col}: duplicate key '${name}' (first at line ${at(first).line})`,
              { location: { file, path: [...path, name], line: pos.line, col: pos.col }, hint: yamlHint("DUPLICATE_KEY") },
            );
          }
          keys.set(key.value, key);
          children.push({ node: pair.value, depth: depth + 1, path: [...path, name] });
        } else {
          children.push({ node: key, depth: depth + 1, path }, { node: pair.value, depth: depth + 1, path });
        }
      }
    } else {
      node.items.forEach((item, i) => {
        children.push({ node: item, depth: depth + 1, path: [...path, i] });
      });
    }
    // Reversed, so the first problem in document order is the one reported.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as (typeof children)[number]);
  }
}

function tooDeep(file: string, pos: { line: number; col: number }): SlipwayError {
  return new SlipwayError("INPUT_TOO_DEEP", `${file}:${pos.line}:${pos.col}: nested deeper than ${maxNestingDepth} levels`, {
    location: { file, path: [], line: pos.line, col: pos.col },
    hint: "A spec nests a few levels; check for an unclosed [ or { or a generated file passed by mistake.",
  });
}

function notText(file: string, pos?: { line: number; col: number }): SlipwayError {
  const where = pos ? `:${pos.line}:${pos.col}` : "";
  return new SlipwayError("SPEC_NOT_TEXT", `${file}${where}: the file holds binary data, not YAML text`, {
    location: { file, path: [], ...(pos ?? {}) },
    hint: "Check that -f points at slipway.yaml; spec files must be UTF-8 text.",
  });
}

function firstControlCharacter(source: string): number {
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c && code !== 0x0b) return i;
  }
  return -1;
}

function lineColOf(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

function yamlMessage(message: string): string {
  // The yaml library appends "at line X, column Y" and a code excerpt; the location is ours to print.
  return (message.split(/ at line \d+, column \d+/)[0] ?? message).trim();
}

function yamlHint(code: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return "Each key may appear once per mapping; merge the two entries.";
    case "TAB_AS_INDENT":
      return "YAML indents with spaces, not tabs.";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "Check the indentation: nested keys need more spaces than their parent, siblings the same.";
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return "A key seems to be missing its ':' or the line above is not closed; check quotes and colons.";
    default:
      return "Fix the YAML syntax at that position; quote values that contain ': ' or start with special characters.";
  }
}

/** The location of `path` in `source`, for errors. */
export function locationOf(source: SourceDocument, path: readonly (string | number)[], want: "key" | "value" = "value"): SpecLocation {
  const pos = source.locate(path, want);
  return pos ? { file: source.file, path, line: pos.line, col: pos.col } : { file: source.file, path };
}
