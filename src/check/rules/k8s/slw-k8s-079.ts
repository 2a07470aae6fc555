import { isRecord } from "../../inputs/kubernetes.js";
import type { DocPath, KubeRule } from "../../types.js";
import { podTemplateOf, record } from "./pod.js";

const name63 = /^[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key breaks Kubernetes' syntax, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !dnsSubdomain.test(prefix)) return "has a prefix that is not a DNS subdomain";
  }
  if (name.length > 63) return "has a name longer than 63 characters";
  if (!name63.test(name))
    return "has a name that must start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'";
  return undefined;
}

/** Why a label value breaks Kubernetes' syntax, or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `is ${value === null ? "null" : `a ${typeof value}`}, not a string (quote it)`;
  if (value === "") return undefined;
  if (value.length > 63) return "is longer than 63 characters";
  if (!name63.test(value)) return "must start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'";
  return undefined;
}

export const slwK8s079: KubeRule = {
  id: "SLW-K8S-079",
  area: "kubernetes",
  title: "Invalid label key or value",
  severity: "medium",
  category: "reliability",
  rationale:
    "Label keys and values have a fixed syntax (at most 63 characters, letters, digits, '-', '_', '.', alphanumeric at both ends; a DNS prefix before '/') and values must be strings: the API server rejects anything else, and a YAML 1.1 reader turns an unquoted yes or 1.0 into a non-string.",
  remediation: "Shorten or rename the label, and quote values that look like numbers or booleans.",
  snippet: 'metadata:\n  labels:\n    app.kubernetes.io/version: "1.0"',
  peers: {
    kubeScore: [{ id: "label-values", relation: "stricter", note: "also checks label keys and values that are not strings" }],
  },
  *check(s) {
    const places: [unknown, DocPath][] = [[record(s.object.metadata).labels, ["metadata", "labels"]]];
    const pod = podTemplateOf(s);
    if (pod && s.kind !== "Pod") places.push([labelsAt(s.object, pod.metadataPath), [...pod.metadataPath, "labels"]]);
    for (const [labels, path] of places) {
      if (!isRecord(labels)) continue;
      for (const [key, value] of Object.entries(labels)) {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) yield { message: `label key '${key}' ${keyProblem}`, path: [...path, key] };
        const valueProblem = labelValueProblem(value);
        if (valueProblem) yield { message: `label ${key}: value ${JSON.stringify(value)} ${valueProblem}`, path: [...path, key] };
      }
    }
  },
};

function labelsAt(object: Record<string, unknown>, metadataPath: DocPath): unknown {
  let at: unknown = object;
  for (const key of metadataPath) at = record(at)[String(key)];
  return record(at).labels;
}
