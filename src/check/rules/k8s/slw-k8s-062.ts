import type { KubeRule } from "../../types.js";

export const slwK8s062: KubeRule = {
  id: "SLW-K8S-062",
  area: "kubernetes",
  title: "Object in the default namespace",
  severity: "low",
  category: "operability",
  rationale: "The default namespace mixes unrelated apps: their policies, quotas and RBAC cannot be separated.",
  remediation: "Give the app its own namespace.",
  snippet: "metadata:\n  namespace: shop",
  peers: {
    kubeLinter: [{ id: "use-namespace", relation: "same" }],
    checkov: [{ id: "CKV_K8S_21", relation: "same" }],
    trivy: [{ id: "KSV-0110", relation: "same" }],
  },
  *check(s) {
    if (s.namespace === "default") yield { message: `${s.kind} is in the default namespace`, path: ["metadata", "namespace"] };
  },
};
