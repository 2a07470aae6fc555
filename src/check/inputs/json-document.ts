/*
 * A strict JSON reader that records the line of every key and item, for Kubernetes JSON given to
 * `check` (`kubectl get -o json` output). The YAML library reads JSON too, but keeps a CST and an
 * AST per node: 40k keys in 1 MB cost it 5 s and 250 MB, this a tenth of a second. It loops with an
 * explicit stack (no recursion) and refuses nesting past maxNestingDepth. Text that is not strict
 * JSON (YAML flow, comments, `__proto__` keys) comes back undefined for the YAML library.
 */
import { maxNestingDepth } from "../../spec/yaml-limits.js";
import type { DocPath } from "../types.js";
import { type LineTree, lineAt } from "./line-tree.js";

type Pos = LineTree;

export type JsonRead =
  | { kind: "document"; data: unknown; line: number; locate(path: DocPath): number | undefined }
  | { kind: "too-deep"; line: number; col: number };

type Frame =
  | { array: true; value: unknown[]; pos: Pos & { children: Pos[] } }
  | { array: false; value: Record<string, unknown>; pos: Pos & { children: Map<string, Pos> }; key: string; keyLine: number };

const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;

/** Reads one JSON value filling `text` (whitespace around it allowed); undefined when it is not strict JSON. */
export function readJsonDocument(text: string, firstLine = 1): JsonRead | undefined {
  let i = 0;
  let line = firstLine;
  let lineStart = 0;
  const stack: Frame[] = [];
  let root: { value: unknown; pos: Pos } | undefined;
  // Whether the next token must be a value (after `[`, `key:` or `,`, and at the start).
  let expectValue = true;

  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        line++;
        i++;
        lineStart = i;
      } else if (c === 32 || c === 9 || c === 13) i++;
      else return;
    }
  };
  const readString = (): string | undefined => {
    const start = i;
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c) || c === 10) return undefined;
      if (c === 92) i += 2;
      else if (c === 34) break;
      else i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return undefined;
    }
  };
  /** Puts a finished value into its parent (or makes it the root). */
  const place = (value: unknown, pos: Pos): boolean => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (root) return false;
      root = { value, pos };
      return true;
    }
    if (top.array) {
      top.value.push(value);
      top.pos.children.push(pos);
    } else {
      top.value[top.key] = value;
      top.pos.children.set(top.key, { line: top.keyLine, ...(pos.children ? { children: pos.children } : {}) });
    }
    return true;
  };

  for (;;) {
    skipSpace();
    if (i >= text.length) break;
    const top = stack[stack.length - 1];
    const c = text[i];
    // After a value inside a collection: `,` or the closing bracket.
    if (c === "," || c === "]" || c === "}") {
      if (!top || expectValue) return undefined;
      if (c === ",") {
        i++;
        skipSpace();
        if (!top.array) {
          if (text[i] !== '"') return undefined;
          if (!readKey(top)) return undefined;
        }
        expectValue = true;
        continue;
      }
      if ((c === "]") !== top.array) return undefined;
      i++;
      stack.pop();
      if (!place(top.value, top.pos)) return undefined;
      continue;
    }
    if (!expectValue) return undefined;
    const valueLine = line;
    if (c === "[" || c === "{") {
      if (stack.length + 1 > maxNestingDepth) return { kind: "too-deep", line, col: i - lineStart + 1 };
      i++;
      if (c === "[") {
        stack.push({ array: true, value: [], pos: { line: valueLine, children: [] } });
        skipSpace();
        expectValue = text[i] !== "]";
        if (!expectValue) {
          i++;
          stack.pop();
          if (!place([], { line: valueLine, children: [] })) return undefined;
        }
        continue;
      } else {
        const frame: Frame = { array: false, value: {}, pos: { line: valueLine, children: new Map() }, key: "", keyLine: 0 };
        stack.push(frame);
        skipSpace();
        if (text[i] === "}") {
          i++;
          stack.pop();
          expectValue = false;
          if (!place({}, { line: valueLine, children: new Map() })) return undefined;
          continue;
        }
        if (text[i] !== '"' || !readKey(frame)) return undefined;
        expectValue = true;
      }
      continue;
    }
    let value: unknown;
    if (c === '"') {
      value = readString();
      if (value === undefined) return undefined;
    } else if (text.startsWith("true", i)) {
      value = true;
      i += 4;
    } else if (text.startsWith("false", i)) {
      value = false;
      i += 5;
    } else if (text.startsWith("null", i)) {
      value = null;
      i += 4;
    } else {
      numberPattern.lastIndex = i;
      const m = numberPattern.exec(text);
      if (!m) return undefined;
      value = Number(m[0]);
      i += m[0].length;
    }
    expectValue = false;
    if (!place(value, { line: valueLine })) return undefined;
  }
  if (stack.length > 0 || !root) return undefined;
  const { value: data, pos } = root;
  return {
    kind: "document",
    data,
    line: pos.line,
    locate: (path) => lineAt(pos, path),
  };

  /** Reads `"key":` into the frame; false when malformed or a key JavaScript objects cannot hold as data. */
  function readKey(frame: Frame & { array: false }): boolean {
    frame.keyLine = line;
    const key = readString();
    if (key === undefined || key === "__proto__") return false;
    skipSpace();
    if (text[i] !== ":") return false;
    i++;
    frame.key = key;
    return true;
  }
}
