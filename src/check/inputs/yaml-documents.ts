import type { parseAllDocuments } from "yaml";
import { lineColAt, maxNestingDepth, nodeTooDeep, scanYaml, yamlLibrary } from "../../spec/yaml-limits.js";
import type { DocPath } from "../types.js";
import { fastYamlDocument } from "./fast-yaml.js";
import { readJsonDocument } from "./json-document.js";
import { kubeDocumentData, nodeAtPath, YamlNodeError } from "./yaml-data.js";
import type { YamlSchema } from "./yaml-scalars.js";

/** One document of a YAML (or JSON) stream, with the lines of its parts. */
export interface YamlDocument {
  data: unknown;
  /** 1-based line where the document's content starts. */
  line: number;
  /** Line of the node at `path`, or of its nearest existing parent. */
  locate(path: DocPath): number | undefined;
  /** The comment lines right before the content (helm template writes `# Source: …` there). */
  comment: string | undefined;
}

export interface YamlSyntaxError {
  line: number;
  col: number;
  message: string;
}

export interface YamlStream {
  documents: YamlDocument[];
  /** One entry per document that could not be parsed; the other documents are still returned. */
  errors: YamlSyntaxError[];
}

/**
 * Parses a multi-document YAML or JSON text, keeping positions. Never throws. Documents in the
 * block subset Kubernetes manifests use take a fast path; the rest go through the YAML library.
 * `schema` decides how plain scalars, keys and `<<` resolve (yaml-scalars.ts): "kubernetes" reads
 * them as kubectl does (YAML 1.1 as go-yaml v2 implements it), "core" as YAML 1.2.
 */
export function parseYamlStream(text: string, schema: YamlSchema = "core"): YamlStream {
  const head = text.trimStart();
  if (head.startsWith("{") || head.startsWith("[")) {
    // Strict JSON (kubectl -o json) takes its own light reader (JSON has no YAML 1.1 scalars to
    // resolve); anything else JSON-like goes to the library.
    const json = readJsonDocument(text);
    if (json?.kind === "document") return { documents: [{ ...json, comment: undefined }], errors: [] };
    if (json?.kind === "too-deep") return { documents: [], errors: [{ line: json.line, col: json.col, message: tooDeepMessage }] };
    return parseWithLibrary(text, 0, schema);
  }
  if (/^(%|--- *[^\s#])/m.test(text)) return parseWithLibrary(text, 0, schema);
  const lines = text.split("\n");
  const documents: YamlDocument[] = [];
  const errors: YamlSyntaxError[] = [];
  let start = 0;
  const flush = (end: number) => {
    const slice = lines.slice(start, end);
    if (slice.some((l) => l.trim() !== "" && !l.trimStart().startsWith("#"))) {
      const fast = fastYamlDocument(slice, start + 1, schema);
      if (fast) documents.push({ ...fast, comment: undefined });
      else {
        const parsed = parseWithLibrary(slice.join("\n"), start, schema);
        documents.push(...parsed.documents);
        errors.push(...parsed.errors);
      }
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith("---") && (line.length === 3 || line[3] === " " || line[3] === "\r")) {
      flush(i);
      start = i + 1;
    } else if (line === "..." || line === "...\r") {
      flush(i);
      start = i + 1;
    }
  }
  flush(lines.length);
  return { documents, errors };
}

/** The full YAML library, for what the fast path does not cover; `lineOffset` shifts its line numbers. */
export function parseWithLibrary(text: string, lineOffset: number, schema: YamlSchema): YamlStream {
  // Loaded here, on first use: the fast reader takes most files without it.
  const { isNode, LineCounter, parseAllDocuments } = yamlLibrary();
  const lineCounter = new LineCounter();
  const documents: YamlDocument[] = [];
  const errors: YamlSyntaxError[] = [];
  // The library recurses per level and costs seconds on 1 MB of `[[[[`; refuse that before it starts.
  const scan = scanYaml(text);
  if (scan.tooDeepAt !== undefined) {
    const pos = lineColAt(text, scan.tooDeepAt);
    return { documents, errors: [{ line: pos.line + lineOffset, col: pos.col, message: tooDeepMessage }] };
  }
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    parsed = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
      strict: false,
      // Kubernetes: keep every scalar as text and resolve it the way go-yaml does (yaml-data.ts).
      ...(schema === "kubernetes" ? { schema: "failsafe" as const } : {}),
    });
  } catch (error) {
    return { documents, errors: [{ line: 1, col: 1, message: error instanceof Error ? error.message : String(error) }] };
  }
  const docs = Array.isArray(parsed) ? parsed : [];
  if (!Array.isArray(parsed)) {
    const pos = lineCounter.linePos(0);
    errors.push({ line: pos.line + lineOffset, col: pos.col, message: "not a YAML stream" });
  }
  for (const doc of docs) {
    const firstError = doc.errors[0];
    if (firstError) {
      const pos = lineCounter.linePos(firstError.pos[0]);
      const message = firstError.code === "RESOURCE_EXHAUSTION" ? tooDeepMessage : cleanMessage(firstError.message);
      errors.push({ line: pos.line + lineOffset, col: pos.col, message });
      continue;
    }
    const deep = nodeTooDeep(doc.contents);
    if (deep) {
      const pos = lineCounter.linePos(deep.range?.[0] ?? 0);
      errors.push({ line: pos.line + lineOffset, col: pos.col, message: tooDeepMessage });
      continue;
    }
    let data: unknown;
    try {
      data = schema === "kubernetes" ? kubeDocumentData(doc) : doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const pos = lineCounter.linePos(error instanceof YamlNodeError ? error.offset : (doc.range?.[0] ?? 0));
      errors.push({ line: pos.line + lineOffset, col: pos.col, message: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const contents = doc.contents;
    const start = contents && isNode(contents) && contents.range ? contents.range[0] : (doc.range?.[0] ?? 0);
    documents.push({
      data,
      line: lineCounter.linePos(start).line + lineOffset,
      comment: doc.commentBefore ?? undefined,
      locate(path) {
        const node = nodeAtPath(doc, path, schema === "kubernetes");
        return node?.range ? lineCounter.linePos(node.range[0]).line + lineOffset : undefined;
      },
    });
  }
  return { documents, errors };
}

const tooDeepMessage = `nested deeper than ${maxNestingDepth} levels`;

function cleanMessage(message: string): string {
  return (message.split(/ at line \d+, column \d+/)[0] ?? message).trim();
}
