#!/usr/bin/env node
/*
 * The layer test: reads the import graph of src/ (import, import type, export … from, import()) and
 * fails on an import cycle between files, on an import that climbs a layer, and on a pure stage that
 * does I/O. `node scripts/check-layers.mjs` prints what is wrong and exits 1; test/unit/layers.test.ts
 * runs it, and feeds `checkLayers` small made-up graphs to prove each rule fails.
 *
 * Layers, highest first: a file may import its own layer and the layers below it, never one above.
 * Decided by reading what each folder does and imports (December 2026):
 *
 *   rank  folders                                  what they are
 *   6     src/index.ts                             the public library API (imports anything)
 *   5     cli                                      flags, commands, reporters chosen, exit codes
 *   4     targets                                  local and kubernetes drivers: the engine's targets
 *   3     deploy, render, check, plan, init, docs, the engine, renderers, check rules, diffs, `init`'s
 *         output                                   app detection, generated docs, deploy reporters
 *   2     spec                                     schema, loading, normalisation into the model
 *   1     model, effects                           the model's data types and the I/O primitives. The
 *                                                  same rank because effects take and return model data
 *                                                  (secrets of a model, release records); the purity rule
 *                                                  below still keeps model free of effects.
 *   any   errors, secrets                          SlipwayError and codes; redaction and fingerprints
 *                                                  (small leaves with no imports into other layers)
 *
 * Purity: spec, model, render, check and plan (and the Kubernetes waiters) never import node:fs,
 * node:child_process, effects or cli.
 *
 * Test files (*.test.ts) are left out: they build fixtures with whatever they need and ship in no
 * bundle.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Folder (first path segment under src/, or the file name for top-level files) → rank. */
export const layerRanks = {
  "index.ts": 6,
  cli: 5,
  targets: 4,
  deploy: 3,
  render: 3,
  check: 3,
  plan: 3,
  init: 3,
  docs: 3,
  output: 3,
  spec: 2,
  model: 1,
  effects: 1,
};

/** Folders any layer may import. */
export const anywhere = ["errors", "secrets"];

/** Folders (or deeper paths) that do no I/O, and what they may not import. */
export const pure = ["spec", "model", "render", "check", "plan", "deploy/waiters", "targets/kubernetes/waiters"];
const pureForbiddenModules = ["node:fs", "node:fs/promises", "node:child_process", "fs", "fs/promises", "child_process"];
const pureForbiddenFolders = ["effects", "cli"];

/**
 * Import edges left out of the graph, each `{ from, to, why }` (paths relative to src/). Empty since
 * issue 14's merges; an entry whose import no longer exists fails the test, so the list only shrinks.
 */
export const allowed = [];

/** Reads every .ts file under `srcDir` (test files left out) into `{ files: { "a/b.ts": ["node:fs", "c/d.ts", …] } }`. */
export function readImportGraph(srcDir) {
  const files = {};
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")) {
        const name = relative(srcDir, path).split("\\").join("/");
        files[name] = importsOf(readFileSync(path, "utf8")).map((specifier) => resolveSpecifier(name, specifier));
      }
    }
  };
  walk(srcDir);
  for (const name of Object.keys(files)) files[name] = [...new Set(files[name])].sort();
  return { files };
}

/** The module specifiers a TypeScript file imports or re-exports, type-only and dynamic ones included. */
export function importsOf(source) {
  const code = withoutComments(source);
  const found = [];
  const patterns = [
    // import x from "m"; import type { A, B } from "m"; import * as m from "m"; export { a } from "m"; export * from "m"
    /\b(?:import|export)\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+[\w$]+))?)\s+from\s*["']([^"']+)["']/g,
    // import "m";
    /\bimport\s*["']([^"']+)["']/g,
    // import("m"), also `typeof import("m")` in a type
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** The source with comments blanked (strings kept: a `//` inside a URL is not a comment). */
function withoutComments(source) {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
      out += " ";
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A relative specifier as a path under src/ (`../x/y.js` → `x/y.ts`); others (node:fs, packages) as written. */
function resolveSpecifier(from, specifier) {
  if (!specifier.startsWith(".")) return specifier;
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  return joined.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts");
}

/** The layer of a file under src/: its first folder, or its own name at the top. */
export function layerOf(file) {
  const slash = file.indexOf("/");
  return slash < 0 ? file : file.slice(0, slash);
}

function isInternal(target) {
  return target.endsWith(".ts") || target.endsWith(".mts");
}

/**
 * Checks a graph (`{ files: { "a/b.ts": [imports] } }`) against the layer table. Returns the
 * problems as lines of text (empty when none). `allow` are edges left out (see `allowed`).
 */
export function checkLayers(graph, allow = allowed) {
  const problems = [];
  const isAllowed = new Set(allow.map((a) => `${a.from} -> ${a.to}`));
  const used = new Set();
  const edges = new Map();
  for (const [from, imports] of Object.entries(graph.files)) {
    const kept = [];
    for (const to of imports) {
      const key = `${from} -> ${to}`;
      if (isAllowed.has(key)) {
        used.add(key);
        continue;
      }
      kept.push(to);
    }
    edges.set(from, kept);
  }

  for (const [from, imports] of edges) {
    const fromLayer = layerOf(from);
    const fromRank = layerRanks[fromLayer];
    if (fromRank === undefined && !anywhere.includes(fromLayer))
      problems.push(`unknown layer: ${from} is in src/${fromLayer}, which the layer table in scripts/check-layers.mjs does not name`);
    const pureHere = pure.find((p) => from === p || from.startsWith(`${p}/`));
    for (const to of imports) {
      if (pureHere !== undefined) {
        if (pureForbiddenModules.includes(to)) problems.push(`impure: ${from} imports ${to} (src/${pureHere} does no I/O)`);
        else if (isInternal(to) && pureForbiddenFolders.includes(layerOf(to)))
          problems.push(`impure: ${from} imports ${to} (src/${pureHere} never imports ${layerOf(to)}/)`);
      }
      if (!isInternal(to)) continue;
      const toLayer = layerOf(to);
      if (toLayer === fromLayer || anywhere.includes(toLayer)) continue;
      if (anywhere.includes(fromLayer)) {
        problems.push(`climb: ${from} imports ${to} (src/${fromLayer} may be imported anywhere, so it imports no other layer)`);
        continue;
      }
      const toRank = layerRanks[toLayer];
      if (toRank === undefined) continue;
      if (fromRank !== undefined && toRank > fromRank)
        problems.push(`climb: ${from} imports ${to} (${fromLayer}, layer ${fromRank}, may not import ${toLayer}, layer ${toRank})`);
    }
  }

  for (const cycle of findCycles(edges)) problems.push(`cycle: ${cycle.join(" -> ")}`);

  for (const entry of allow) {
    const key = `${entry.from} -> ${entry.to}`;
    if (!used.has(key)) problems.push(`stale allow-list entry: ${key} (the import is gone: delete the entry)`);
  }
  return problems;
}

/** One cycle (as a path that ends where it starts) per strongly connected group of files. */
function findCycles(edges) {
  const internal = (from) => (edges.get(from) ?? []).filter((to) => edges.has(to));
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const visit = (start) => {
    // Tarjan's algorithm, iterative: deep import chains must not overflow the call stack.
    const work = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = internal(frame.node);
      if (frame.next < targets.length) {
        const to = targets[frame.next++];
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const group = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.node);
        if (group.length > 1 || internal(frame.node).includes(frame.node)) groups.push(group);
      }
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return groups.map((group) => cyclePath(group.sort(), internal));
}

/** A shortest way from the group's first file back to itself, through files of the group. */
function cyclePath(group, internal) {
  const members = new Set(group);
  const start = group[0];
  const cameFrom = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const to of internal(node)) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [...group, start];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
  const problems = checkLayers(readImportGraph(srcDir));
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  if (problems.length > 0) {
    process.stderr.write(`check-layers: ${problems.length} problem(s); the layer table is at the top of scripts/check-layers.mjs\n`);
    process.exit(1);
  }
}
