import type { DocPath, KubeContext, KubeData, KubeSubject, Origin } from "../types.js";
import { parseYamlStream, type YamlStream } from "./yaml-documents.js";

/** A document that is not a Kubernetes object, or a document that did not parse. */
export interface InputProblem {
  line: number;
  message: string;
}

export interface KubeParse {
  subjects: KubeSubject[];
  problems: InputProblem[];
}

/**
 * Kubernetes objects from a YAML/JSON stream, read as kubectl reads it (YAML 1.1 scalars and
 * merge keys, see yaml-scalars.ts); lists are expanded into their items. `stream` is the text
 * already parsed with the Kubernetes schema (detection parses it first).
 */
export function kubeSubjectsFromText(text: string, origin: Origin, stream: YamlStream = parseYamlStream(text, "kubernetes")): KubeParse {
  const subjects: KubeSubject[] = [];
  const problems: InputProblem[] = stream.errors.map((e) => ({ line: e.line, message: `YAML syntax: ${e.message} (column ${e.col})` }));
  for (const doc of stream.documents) {
    if (doc.data === null || doc.data === undefined) continue;
    collect(doc.data, [], doc.locate, doc.line, origin, subjects, problems);
  }
  return { subjects, problems };
}

function collect(
  data: unknown,
  prefix: DocPath,
  locate: (path: DocPath) => number | undefined,
  line: number,
  origin: Origin,
  out: KubeSubject[],
  problems: InputProblem[],
): void {
  if (!isRecord(data) || typeof data.kind !== "string" || typeof data.apiVersion !== "string") {
    problems.push({ line: locate(prefix) ?? line, message: "not a Kubernetes object (a mapping with apiVersion and kind)" });
    return;
  }
  // kubectl reads any object with an `items` array as a list (apimachinery's unstructured decoder)
  // and applies each item; items without apiVersion and kind take the list's apiVersion and its
  // kind without "List" (a PodList's items are Pods). A `kind: List` without items holds nothing.
  if (Array.isArray(data.items) || data.kind === "List") {
    const items = Array.isArray(data.items) ? data.items : [];
    const itemKind = data.kind.endsWith("List") ? data.kind.slice(0, -4) : data.kind;
    items.forEach((item, i) => {
      const typed =
        itemKind !== "" && isRecord(item) && item.kind === undefined && item.apiVersion === undefined
          ? { apiVersion: data.apiVersion, kind: itemKind, ...item }
          : item;
      collect(typed, [...prefix, "items", i], locate, line, origin, out, problems);
    });
    return;
  }
  out.push(makeSubject(data, origin, (path) => locate([...prefix, ...path]), locate(prefix) ?? line));
}

/** A subject for an object slipway rendered itself: no file, no lines. */
export function kubeSubjectFromObject(object: KubeData, origin: Origin): KubeSubject {
  return makeSubject(object, origin, () => undefined, undefined);
}

function makeSubject(
  object: KubeData,
  origin: Origin,
  locate: (path: DocPath) => number | undefined,
  line: number | undefined,
): KubeSubject {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name =
    typeof metadata.name === "string"
      ? metadata.name
      : typeof metadata.generateName === "string"
        ? `${metadata.generateName}*`
        : "(unnamed)";
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
  const kind = String(object.kind);
  return {
    origin,
    object,
    kind,
    apiVersion: String(object.apiVersion),
    name,
    namespace,
    ref: `${namespace ? `${namespace}/` : ""}${kind}/${name}`,
    line,
    locate,
  };
}

/**
 * Indexes objects by kind and namespace so cross-object rules stay linear. An object without
 * `metadata.namespace` lands in `defaultNamespace`, the namespace it will be applied to (kubectl's
 * `--namespace`, "default" unless told), so it meets the objects that name that namespace.
 */
export function kubeContext(all: readonly KubeSubject[], defaultNamespace = "default"): KubeContext {
  const index = new Map<string, KubeSubject[]>();
  const kinds = new Map<string, KubeSubject[]>();
  for (const s of all) {
    const key = `${s.kind}\u0000${s.namespace ?? defaultNamespace}`;
    const list = index.get(key);
    if (list) list.push(s);
    else index.set(key, [s]);
    const ofKind = kinds.get(s.kind);
    if (ofKind) ofKind.push(s);
    else kinds.set(s.kind, [s]);
  }
  const memos = new Map<symbol, unknown>();
  let names: Map<string, KubeSubject> | undefined;
  return {
    all,
    defaultNamespace,
    byKind(kind, namespace) {
      return index.get(`${kind}\u0000${namespace ?? defaultNamespace}`) ?? [];
    },
    named(kind, namespace, name) {
      if (!names) {
        names = new Map();
        for (const s of all) {
          const key = `${s.kind}\u0000${s.namespace ?? defaultNamespace}\u0000${s.name}`;
          if (!names.has(key)) names.set(key, s);
        }
      }
      return names.get(`${kind}\u0000${namespace ?? defaultNamespace}\u0000${name}`);
    },
    ofKind(kind) {
      return kinds.get(kind) ?? [];
    },
    memo<T>(key: symbol, build: () => T): T {
      if (memos.has(key)) return memos.get(key) as T;
      const value = build();
      memos.set(key, value);
      return value;
    },
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
