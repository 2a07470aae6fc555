import { ciFromText } from "./inputs/ci.js";
import { type DetectedInput, detectInput, isTerraformJson } from "./inputs/detect-kind.js";
import { dockerfileFromText } from "./inputs/dockerfile.js";
import { kubeSubjectsFromText } from "./inputs/kubernetes.js";
import { terraformFromText } from "./inputs/terraform.js";
import type { CheckedInput, CiSubject, DockerfileSubject, InputKind, KubeSubject, Origin, TfFile } from "./types.js";

/** Files larger than this are reported, not parsed: manifests and configs are far smaller. */
export const maxInputBytes = 8 * 1024 * 1024;

/** One input as the effects layer read it. */
export interface InputText {
  origin: Origin;
  /** The file's bytes; undefined when it was too large to read (see `size`). */
  bytes: Uint8Array | string | undefined;
  size: number;
  /** Set when the user named the file (or stdin): an unknown kind is then reported, not skipped. */
  explicit: boolean;
  /** Forces a kind (e.g. `helm template` output is Kubernetes). */
  kind?: InputKind | undefined;
  /** Kubernetes objects of inputs with the same group are checked together (default: one group for all files). */
  group?: string | undefined;
}

/** A problem that is not a rule finding: a file that cannot be read, parsed or checked. */
export interface InputIssue {
  ruleId: "SLW-GEN-001" | "SLW-GEN-004" | "SLW-GEN-005";
  origin: Origin;
  line: number | undefined;
  message: string;
}

/** Everything checked in one run, grouped the way rules see it. */
export interface CheckBatch {
  /** Kubernetes objects checked together, one group per stream set (a folder, a rendered environment). */
  kubeGroups: KubeSubject[][];
  terraform: TfFile[];
  dockerfiles: DockerfileSubject[];
  ci: CiSubject[];
  issues: InputIssue[];
  inputs: CheckedInput[];
}

export function emptyBatch(): CheckBatch {
  return { kubeGroups: [], terraform: [], dockerfiles: [], ci: [], issues: [], inputs: [] };
}

/** Decodes, detects and parses every input. Pure; never throws on bad input. */
export function parseInputs(texts: readonly InputText[]): CheckBatch {
  const batch = emptyBatch();
  const groups = new Map<string, KubeSubject[]>();
  for (const input of texts) {
    const { origin } = input;
    const issue = (message: string, line?: number, ruleId: InputIssue["ruleId"] = "SLW-GEN-001") =>
      batch.issues.push({ ruleId, origin, line, message });
    if (input.bytes === undefined || input.size > maxInputBytes) {
      issue(`${input.size} bytes is more than the ${maxInputBytes} bytes slipway checks in one file`);
      batch.inputs.push({ file: origin.file, label: origin.label, kind: "unknown", objects: 0 });
      continue;
    }
    const text = decode(input.bytes);
    if (text === undefined) {
      issue("binary data, not text", 1);
      batch.inputs.push({ file: origin.file, label: origin.label, kind: "unknown", objects: 0 });
      continue;
    }
    const path = origin.file ?? origin.label;
    const detected: DetectedInput = input.kind ? { kind: input.kind, yaml: false } : detectInput(path, text);
    const { kind } = detected;
    let objects = 0;
    switch (kind) {
      case "kubernetes": {
        const parsed = kubeSubjectsFromText(text, origin, detected.stream);
        for (const p of parsed.problems) issue(p.message, p.line);
        const key = input.group ?? "";
        const group = groups.get(key);
        if (group) group.push(...parsed.subjects);
        else groups.set(key, [...parsed.subjects]);
        objects = parsed.subjects.length;
        break;
      }
      case "terraform": {
        const parsed = terraformFromText(text, origin, isTerraformJson(path, text));
        for (const p of parsed.problems) issue(p.message, p.line);
        if (parsed.file) {
          batch.terraform.push(parsed.file);
          objects = parsed.file.blocks.length;
        }
        break;
      }
      case "dockerfile": {
        const parsed = dockerfileFromText(text, origin);
        for (const p of parsed.problems) issue(p.message, p.line);
        if (parsed.subject) {
          batch.dockerfiles.push(parsed.subject);
          objects = parsed.subject.instructions.length;
        }
        break;
      }
      case "github-actions":
      case "gitlab-ci": {
        const parsed = ciFromText(text, origin, kind);
        for (const p of parsed.problems) issue(p.message, p.line);
        if (parsed.subject) {
          batch.ci.push(parsed.subject);
          objects = 1;
        }
        break;
      }
      case "unknown":
        // YAML/JSON that is none of the kinds is listed (low), whether named or found in a folder:
        // a manifest slipway failed to recognise must not pass unnoticed. Other files found in a
        // folder (app code) are skipped quietly; named ones are an input that was not checked.
        if (detected.yaml)
          issue(
            text.trim() === ""
              ? "an empty file, nothing to check"
              : "YAML/JSON that is none of the kinds slipway checks (no document with apiVersion and kind; not Terraform JSON, a GitHub Actions workflow or GitLab CI); skipped",
            1,
            "SLW-GEN-005",
          );
        else if (input.explicit)
          issue(
            "not a file kind slipway checks (Kubernetes YAML/JSON, Terraform, Dockerfile, GitHub Actions, GitLab CI)",
            1,
            "SLW-GEN-004",
          );
        else continue;
        break;
    }
    batch.inputs.push({ file: origin.file, label: origin.label, kind, objects });
  }
  for (const group of groups.values()) if (group.length > 0) batch.kubeGroups.push(group);
  return batch;
}

function decode(bytes: Uint8Array | string): string | undefined {
  let text: string;
  if (typeof bytes === "string") text = bytes;
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // NUL and most C0 controls never occur in text files (one regular-expression scan of the first MiB).
  if (binaryControl.test(text.length > 1 << 20 ? text.slice(0, 1 << 20) : text)) return undefined;
  return text;
}

/** C0 controls other than tab, line feed, vertical tab, form feed and carriage return. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const binaryControl = /[\u0000-\u0008\u000e-\u001f]/;
