import type { DocPath, KubeContext, KubeData, KubeSubject, Origin } from "../types.js";
import { parseYamlStream } from "./yaml-documents.js";

/** A document that is not a Kubernetes object, or a document that did not parse. */
export interface InputProblem {
  line: number;
  message: string;
}

export interface KubeParse {
  subjects: KubeSubject[];
  problems: InputProblem[];
}

/** Kubernetes objects from a YAML/JSON stream; `List` kinds are expanded into their items. */
export function kubeSubjectsFromText(text: string, origin: Origin): KubeParse {
  const stream = parseYamlStream(text);
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
  if (data.kind === "List" || (data.kind.endsWith("List") && Array.isArray(data.items))) {
    const items = Array.isArray(data.items) ? data.items : [];
    items.forEach((item, i) => {
      collect(item, [...prefix, "items", i], locate, line, origin, out, problems);
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

/** Indexes objects by kind and namespace so cross-object rules stay linear. */
export function kubeContext(all: readonly KubeSubject[]): KubeContext {
  const index = new Map<string, KubeSubject[]>();
  for (const s of all) {
    const key = `${s.kind}\u0000${s.namespace ?? ""}`;
    const list = index.get(key);
    if (list) list.push(s);
    else index.set(key, [s]);
  }
  return {
    all,
    byKind(kind, namespace) {
      return index.get(`${kind}\u0000${namespace ?? ""}`) ?? [];
    },
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
