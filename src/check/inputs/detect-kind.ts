import type { InputKind } from "../types.js";
import { parseYamlStream, type YamlStream } from "./yaml-documents.js";

/** What a file holds, and the YAML stream when detection already parsed it for Kubernetes. */
export interface DetectedInput {
  kind: InputKind;
  /** The text parsed with the Kubernetes schema (set for kind "kubernetes"). */
  stream?: YamlStream | undefined;
  /** A YAML/JSON input (by name or content) that is none of the kinds: report it, do not drop it. */
  yaml: boolean;
}

/** Decides what a file holds from its name, then its content. */
export function detectKind(path: string, text: string): InputKind {
  return detectInput(path, text).kind;
}

/**
 * Decides what a file holds from its name, then by parsing it: a YAML/JSON stream is Kubernetes
 * when a document is a mapping with apiVersion and kind (minified JSON, flow style and a long
 * comment first included), Terraform JSON, a GitHub Actions workflow or GitLab CI by its keys.
 * Only text that does not parse as YAML falls back to a line sniff (a Dockerfile or HCL on
 * stdin, a manifest with a syntax error that should be reported as one).
 */
export function detectInput(path: string, text: string): DetectedInput {
  const name = path.split(/[\\/]/).pop() ?? path;
  const lower = name.toLowerCase();
  const kind = (k: InputKind): DetectedInput => ({ kind: k, yaml: false });
  if (lower.endsWith(".tf") || lower.endsWith(".tofu")) return kind("terraform");
  if (lower.endsWith(".tf.json") || lower.endsWith(".tofu.json")) return kind("terraform");
  if (lower === "dockerfile" || lower.startsWith("dockerfile.") || lower.endsWith(".dockerfile") || lower === "containerfile")
    return kind("dockerfile");
  if (lower === ".gitlab-ci.yml" || lower === ".gitlab-ci.yaml" || (/\.gitlab-ci\b/.test(lower) && /\.ya?ml$/.test(lower)))
    return kind("gitlab-ci");
  if (/(^|[\\/])\.github[\\/]workflows[\\/][^\\/]+\.ya?ml$/.test(path)) return kind("github-actions");
  const yamlName = /\.(ya?ml|json)$/.test(lower);
  if (!yamlName && path !== "-" && lower !== "<stdin>") return kind("unknown");
  if (text.trim() === "") return { kind: "unknown", yaml: yamlName };
  const json = parseJson(text);
  if (json.ok) {
    // JSON (kubectl reads it with encoding/json: the same values) is classified without the YAML
    // parser, which is far slower on a large package-lock.json; manifests still need positions.
    const parsed = classify([json.value], text);
    return parsed === "kubernetes"
      ? { kind: parsed, stream: parseYamlStream(text, "kubernetes"), yaml: true }
      : { kind: parsed, yaml: true };
  }
  const stream = parseYamlStream(text, "kubernetes");
  const parsed = classify(
    stream.documents.map((d) => d.data),
    text,
  );
  if (parsed === "kubernetes") return { kind: parsed, stream, yaml: true };
  if (parsed !== "unknown") return { kind: parsed, yaml: true };
  const structured = stream.documents.some((d) => typeof d.data === "object" && d.data !== null);
  const guess = sniff(text);
  // A clean YAML mapping is what its keys say; the sniff names only what is not (valid) YAML.
  if (stream.errors.length > 0 || !structured || guess === "dockerfile" || guess === "terraform")
    return { kind: guess, ...(guess === "kubernetes" ? { stream } : {}), yaml: yamlName || structured };
  return { kind: "unknown", yaml: true };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const c = text.trimStart()[0];
  if (c !== "{" && c !== "[") return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false }; // flow-style YAML, several JSON documents, JSON with comments: parse as YAML
  }
}

function classify(documents: readonly unknown[], text: string): InputKind {
  const docs = documents.filter(isRecord);
  if (docs.some((d) => typeof d.apiVersion === "string" && typeof d.kind === "string")) return "kubernetes";
  const first = docs[0];
  if (first === undefined || documents.length !== 1) return "unknown";
  if (text.trimStart().startsWith("{") && ["resource", "module", "terraform", "provider", "data"].some((k) => isRecord(first[k])))
    return "terraform";
  // Kubernetes' YAML 1.1 reads the key `on` as "true".
  if (isRecord(first.jobs) && ("on" in first || "true" in first)) return "github-actions";
  if (Array.isArray(first.stages) || Object.values(first).some((v) => isRecord(v) && "script" in v)) return "gitlab-ci";
  return "unknown";
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Line-based detection, for text that does not parse as YAML. */
export function sniff(text: string): InputKind {
  const head = text.slice(0, 64 * 1024);
  if (/^\s*(apiVersion|"apiVersion")\s*:/m.test(head) && /^\s*(kind|"kind")\s*:/m.test(head)) return "kubernetes";
  if (/^\s*"?(resource|module|terraform|provider)"?\s*:\s*\{/m.test(head) && head.trimStart().startsWith("{")) return "terraform";
  if (/^jobs:\s*$/m.test(head) && /^(on|"on"|true):/m.test(head)) return "github-actions";
  if (/^\s*(script|stages):/m.test(head) && !/^\s*apiVersion:/m.test(head)) return "gitlab-ci";
  if (/^FROM\s+\S+/im.test(head)) return "dockerfile";
  if (/^\s*(resource|module|terraform|provider|variable)\s+("[^"]*"\s*)*\{/m.test(head)) return "terraform";
  return "unknown";
}

/** Whether a .json / stdin text is Terraform JSON rather than HCL. */
export function isTerraformJson(path: string, text: string): boolean {
  return /\.(tf|tofu)\.json$/i.test(path) || (!/\.(tf|tofu)$/i.test(path) && text.trimStart().startsWith("{"));
}
