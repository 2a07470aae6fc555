import type { KubeRule } from "../../types.js";
import { policyRules } from "./rbac.js";

export const slwK8s046: KubeRule = {
  id: "SLW-K8S-046",
  area: "kubernetes",
  title: "Wildcard in RBAC rule",
  severity: "high",
  category: "security",
  rationale: "A `*` in verbs, resources or apiGroups grants everything, including resources and verbs added in later Kubernetes versions.",
  remediation: "List the exact apiGroups, resources and verbs the subject needs.",
  snippet: 'rules:\n  - apiGroups: [""]\n    resources: [configmaps]\n    verbs: [get, list, watch]',
  peers: {
    kubeLinter: [{ id: "wildcard-in-rules", relation: "same" }],
    checkov: [{ id: "CKV_K8S_49", relation: "same" }],
    trivy: [
      { id: "KSV-0044", relation: "same" },
      { id: "KSV-0045", relation: "same" },
      { id: "KSV-0046", relation: "same" },
    ],
  },
  *check(s) {
    for (const rule of policyRules(s)) {
      const fields = (["apiGroups", "resources", "verbs"] as const).filter((f) => rule[f].includes("*"));
      if (fields.length > 0) yield { message: `rule ${rule.index} uses * in ${fields.join(", ")}`, path: ["rules", rule.index] };
    }
  },
};
