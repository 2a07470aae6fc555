/*
 * Limits checked on YAML/JSON text before the `yaml` library builds a document from it. The
 * library's composer recurses once per nesting level and keeps several objects per node: 1 MB of
 * `[[[[…` or 100k keys costs it seconds and hundreds of megabytes. Its lexer is linear and light, so
 * one pass over its tokens finds nesting past the limit (and counts nodes) first.
 */
import type * as Yaml from "yaml";
import type { Node } from "yaml";

let library: typeof Yaml | undefined;

/**
 * The `yaml` library, loaded on first use: a spec the fast reader (fast-spec.ts) reads never
 * loads it, which saves ≈ 15M instructions of a cold `render kubernetes`. A plain `require`
 * call, so the bundle (esbuild) evaluates its own copy of the library only here; under Node's
 * ESM loader (the tsc build, tests) Node's require, which loads the same module `import` does.
 */
export function yamlLibrary(): typeof Yaml {
  library ??= (
    typeof require === "function" ? require("yaml") : process.getBuiltinModule("node:module").createRequire(import.meta.url)("yaml")
  ) as typeof Yaml;
  return library;
}

/** No real manifest, spec or Terraform JSON nests anywhere near this; recursive readers stay far from the stack's end. */
export const maxNestingDepth = 256;

export interface YamlScan {
  /** Scalars and collections seen (an upper bound of the document's nodes). */
  nodes: number;
  /** Offset where nesting first passed `maxDepth`, if it did. */
  tooDeepAt: number | undefined;
}

/**
 * Counts nodes and finds nesting deeper than `maxDepth` in one pass over the lexer's tokens. Flow
 * nesting (`[`, `{`) is exact; block nesting is counted by the indentation columns of open
 * entries, which can undercount by half (a sequence may sit at its parent key's column), so
 * callers check the parsed document's real depth too. Stops at the first place that is too deep
 * or once `maxNodes` is passed.
 */
export function scanYaml(text: string, maxDepth = maxNestingDepth, maxNodes = Number.POSITIVE_INFINITY): YamlScan {
  let offset = 0;
  let lineStart = 0;
  let flow = 0;
  let nodes = 0;
  // Columns of the open block entries, innermost last.
  const columns: number[] = [];
  let lastScalarCol = -1;
  let lastScalarLine = -1;
  let line = 0;
  const enterBlock = (col: number): boolean => {
    while (columns.length > 0 && (columns[columns.length - 1] as number) > col) columns.pop();
    if (columns.length === 0 || (columns[columns.length - 1] as number) < col) columns.push(col);
    return columns.length + flow > maxDepth;
  };
  const { Lexer } = yamlLibrary();
  for (const token of new Lexer().lex(text)) {
    // Control tokens (document start, scalar marker, flow error end, BOM) take no source text.
    if (token.length === 1 && (token === "\u0002" || token === "\u001f" || token === "\u0018" || token === "\ufeff")) continue;
    const start = offset;
    const col = start - lineStart;
    offset += token.length;
    switch (token[0]) {
      case "\n":
      case "\r":
        line++;
        lineStart = offset;
        continue;
      case "[":
      case "{":
        if (token.length !== 1) break;
        flow++;
        nodes++;
        if (columns.length + flow > maxDepth) return { nodes, tooDeepAt: start };
        continue;
      case "]":
      case "}":
        if (token.length !== 1) break;
        if (flow > 0) flow--;
        continue;
      case "-":
        if (token === "---") {
          columns.length = 0;
          continue;
        }
        if (token !== "-") break;
        nodes++;
        if (flow === 0 && enterBlock(col)) return { nodes, tooDeepAt: start };
        continue;
      case "?":
        if (token !== "?") break;
        if (flow === 0 && enterBlock(col)) return { nodes, tooDeepAt: start };
        continue;
      case ":":
        if (token !== ":") break;
        if (flow === 0 && enterBlock(lastScalarLine === line ? lastScalarCol : col)) return { nodes, tooDeepAt: start };
        continue;
      case " ":
      case "\t":
      case "#":
      case ",":
        // Space, comments and separators; a block scalar's body also arrives as one token.
        if (token.includes("\n")) {
          line += countNewlines(token);
          lineStart = start + token.lastIndexOf("\n") + 1;
        }
        continue;
    }
    // A scalar (plain, quoted or a block scalar's header/body) or anything else with text.
    nodes++;
    lastScalarCol = col;
    lastScalarLine = line;
    if (token.includes("\n")) {
      line += countNewlines(token);
      lineStart = start + token.lastIndexOf("\n") + 1;
    }
    if (nodes > maxNodes) return { nodes, tooDeepAt: undefined };
  }
  return { nodes, tooDeepAt: undefined };
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** 1-based line and column of `offset` in `text`. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

/** The first collection (in document order) nested deeper than `maxDepth` in a parsed document, walked without recursion. */
export function nodeTooDeep(root: unknown, maxDepth = maxNestingDepth): Node | undefined {
  const { isMap, isPair, isSeq } = yamlLibrary();
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > maxDepth) return node;
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item: unknown = node.items[i];
      if (isPair(item)) stack.push([item.value, depth + 1], [item.key, depth + 1]);
      else stack.push([item, depth + 1]);
    }
  }
  return undefined;
}
