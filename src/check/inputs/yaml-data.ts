/*
 * Data from a document the `yaml` package parsed with its failsafe schema (every scalar kept as
 * text), resolved the way Kubernetes reads it: plain scalars, keys and `<<` merges through the
 * shared resolver in yaml-scalars.ts, so this fallback and the fast reader agree.
 */
import type * as Yaml from "yaml";
import type { Document, Node, Pair } from "yaml";
import { yamlLibrary } from "../../spec/yaml-limits.js";
import type { DocPath } from "../types.js";
import { applyMerge, kubeKey, resolvePlain, resolveTagged, setKey, YamlDataError } from "./yaml-scalars.js";

// The library's node tests, loaded on first call: a check whose documents all go through the fast
// reader never evaluates the yaml library (≈ 11 % of a cold check of 45 objects).
const isAlias = (node: unknown): node is Yaml.Alias => yamlLibrary().isAlias(node);
const isMap = (node: unknown): node is Yaml.YAMLMap => yamlLibrary().isMap(node);
const isNode = (node: unknown): node is Yaml.Node => yamlLibrary().isNode(node);
const isPair = (node: unknown): node is Yaml.Pair => yamlLibrary().isPair(node);
const isScalar = (node: unknown): node is Yaml.Scalar => yamlLibrary().isScalar(node);
const isSeq = (node: unknown): node is Yaml.YAMLSeq => yamlLibrary().isSeq(node);

/** Nodes copied out of aliases before a document counts as an alias bomb. */
const maxAliasNodes = 200_000;
/** Nesting depth where reading stops with an error rather than overflowing the stack. */
const maxDepth = 1_000;
const mergeTag = "tag:yaml.org,2002:merge";

/** A YamlDataError with the offset of the node it is about. */
export class YamlNodeError extends YamlDataError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** The document's content as Kubernetes reads it. Throws YamlNodeError where Kubernetes fails. */
export function kubeDocumentData(doc: Document): unknown {
  let aliasNodes = 0;
  // Alias.resolve searches the document for its anchor; an alias-heavy document repeats that a lot.
  const anchors = new Map<unknown, unknown>();
  const at = (node: unknown): number => (isNode(node) && node.range ? node.range[0] : 0);
  const visit = (node: unknown, depth: number, inAlias: boolean): unknown => {
    if (depth > maxDepth) throw new YamlNodeError(`nested more than ${maxDepth} levels deep`, at(node));
    if (inAlias && ++aliasNodes > maxAliasNodes)
      throw new YamlNodeError(`aliases expand to more than ${maxAliasNodes} nodes (an alias bomb)`, at(node));
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      let target = anchors.get(node);
      if (target === undefined) {
        target = node.resolve(doc);
        anchors.set(node, target);
      }
      if (!target) throw new YamlNodeError(`unknown anchor ${node.source}`, at(node));
      return visit(target, depth + 1, true);
    }
    try {
      if (isScalar(node)) return scalarData(node.value, node.type, node.tag);
      if (isSeq(node)) return node.items.map((item) => visit(item, depth + 1, inAlias));
      if (isMap(node)) {
        const out: Record<string, unknown> = {};
        for (const pair of node.items) {
          const value = visit(pair.value, depth + 1, inAlias);
          try {
            const key = pairKey(pair, doc);
            if (key === merge) applyMerge(out, value);
            else setKey(out, key, value);
          } catch (error) {
            // Point at the key (or the `<<`), not at the mapping.
            if (error instanceof YamlDataError && !(error instanceof YamlNodeError))
              throw new YamlNodeError(error.message, at(pair.key ?? node));
            throw error;
          }
        }
        return out;
      }
    } catch (error) {
      if (error instanceof YamlDataError && !(error instanceof YamlNodeError)) throw new YamlNodeError(error.message, at(node));
      throw error;
    }
    return null;
  };
  return visit(doc.contents, 0, false);
}

const merge = Symbol("merge");

function scalarData(value: unknown, type: string | undefined, tag: string | undefined): unknown {
  const text = String(value ?? "");
  if (tag) return resolveTagged(tag, text);
  return type === "PLAIN" ? resolvePlain(text, "kubernetes") : text;
}

/** The JSON key of a pair, or `merge` for `<<`. */
function pairKey(pair: Pair<unknown, unknown>, doc: Document): string | typeof merge {
  let key = pair.key;
  if (isAlias(key)) key = key.resolve(doc);
  if (!isScalar(key))
    throw new YamlDataError(key === null || key === undefined ? "a mapping key is missing" : "a mapping key that is not a scalar");
  const text = String(key.value ?? "");
  if (key.tag === mergeTag) return merge;
  if (key.tag) {
    const data = resolveTagged(key.tag, text);
    return typeof data === "string" ? data : kubeKey(text);
  }
  if (key.type !== "PLAIN") return text;
  return text === "<<" ? merge : kubeKey(text);
}

/**
 * The node at `path` (the key for mapping entries, so a reader lands on the key's line), or the
 * deepest one found. Keys match as the data has them: resolved (Kubernetes) and through merges.
 */
export function nodeAtPath(doc: Document, path: DocPath, kubernetes: boolean): Node | undefined {
  let current: unknown = doc.contents;
  let found: Node | undefined = isNode(current) ? current : undefined;
  for (const part of path) {
    if (isAlias(current)) current = current.resolve(doc);
    if (isMap(current)) {
      const pair = kubernetes ? pairFor(current.items, String(part), doc, 0) : plainPair(current.items, String(part));
      if (!pair) break;
      // A key's line is where a reader looks for it; a block value starts on the next line.
      if (isNode(pair.key)) found = pair.key;
      current = pair.value;
      if (isScalar(current)) found = current;
    } else if (isSeq(current) && typeof part === "number") {
      const item = current.items[part];
      if (item === undefined) break;
      current = item;
      if (isNode(current)) found = current;
    } else break;
  }
  return found;
}

function plainPair(items: readonly unknown[], key: string): Pair<unknown, unknown> | undefined {
  return items.find((item): item is Pair<unknown, unknown> => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
}

/** The pair that sets `key` last in go-yaml's order: a direct entry or one inside a merged mapping. */
function pairFor(items: readonly unknown[], key: string, doc: Document, depth: number): Pair<unknown, unknown> | undefined {
  if (depth > 50) return undefined;
  let found: Pair<unknown, unknown> | undefined;
  for (const item of items) {
    if (!isPair(item)) continue;
    let name: string | typeof merge;
    try {
      name = pairKey(item, doc);
    } catch {
      continue;
    }
    if (name !== merge) {
      if (name === key) found = item;
      continue;
    }
    const value = isAlias(item.value) ? item.value.resolve(doc) : item.value;
    const sources = isSeq(value) ? [...value.items].reverse() : [value];
    for (const source of sources) {
      const map = isAlias(source) ? source.resolve(doc) : source;
      if (isMap(map)) found = pairFor(map.items, key, doc, depth + 1) ?? found;
    }
  }
  return found;
}
