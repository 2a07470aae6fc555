import type { KubeSubject } from "../../types.js";
import { list, record } from "./pod.js";

export interface PolicyRuleRef {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  index: number;
}

/** The rules of a Role or ClusterRole. */
export function policyRules(s: KubeSubject): PolicyRuleRef[] {
  if (s.kind !== "Role" && s.kind !== "ClusterRole") return [];
  return list(s.object.rules).map((r, index) => {
    const rule = record(r);
    return {
      apiGroups: list(rule.apiGroups).map(String),
      resources: list(rule.resources).map(String),
      verbs: list(rule.verbs).map(String),
      index,
    };
  });
}

export function grants(rule: PolicyRuleRef, resource: string, verbs: readonly string[]): boolean {
  const group = resource.includes("/") ? resource.split("/")[0] : resource;
  const resourceMatch =
    rule.resources.includes("*") || rule.resources.includes(resource) || (group !== resource && rule.resources.includes(`${group}/*`));
  const coreGroup = rule.apiGroups.length === 0 || rule.apiGroups.includes("") || rule.apiGroups.includes("*");
  return coreGroup && resourceMatch && (rule.verbs.includes("*") || verbs.some((v) => rule.verbs.includes(v)));
}
