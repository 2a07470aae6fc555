import type { KubeRule } from "../../types.js";
import { grants, policyRules } from "./rbac.js";

export const slwK8s048: KubeRule = {
  id: "SLW-K8S-048",
  area: "kubernetes",
  title: "RBAC allows exec or attach into pods",
  severity: "high",
  category: "security",
  rationale: "pods/exec and pods/attach give a shell in any pod of the namespace, with its secrets and its network access.",
  remediation: "Remove pods/exec and pods/attach from the role; grant them only to a break-glass group.",
  snippet: 'rules:\n  - apiGroups: [""]\n    resources: [pods, pods/log]\n    verbs: [get, list]',
  peers: {
    polaris: [
      { id: "clusterrolePodExecAttach", relation: "same" },
      { id: "rolePodExecAttach", relation: "same" },
    ],
    checkov: [
      {
        id: "CKV2_K8S_2",
        relation: "stricter",
        note: "reports the Role/ClusterRole that grants it, bound or not; CKV2_K8S_2 reports the bindings of such roles",
      },
    ],
    trivy: [
      { id: "KSV-0053", relation: "same" },
      { id: "KSV-0054", relation: "same" },
    ],
  },
  *check(s) {
    for (const rule of policyRules(s)) {
      const hits = ["pods/exec", "pods/attach"].filter((r) => grants(rule, r, ["create", "get"]));
      if (hits.length > 0) yield { message: `rule ${rule.index} allows ${hits.join(" and ")}`, path: ["rules", rule.index] };
    }
  },
};
