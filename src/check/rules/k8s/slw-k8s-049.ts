import type { KubeRule } from "../../types.js";
import { grants, policyRules } from "./rbac.js";

export const slwK8s049: KubeRule = {
  id: "SLW-K8S-049",
  area: "kubernetes",
  title: "RBAC allows reading Secrets",
  severity: "medium",
  category: "security",
  rationale: "get/list/watch on secrets reads every credential in scope, including service-account tokens of more privileged identities.",
  remediation:
    "Mount the one Secret the app needs instead of granting read access to all of them; use resourceNames when API access is required.",
  snippet: 'rules:\n  - apiGroups: [""]\n    resources: [secrets]\n    resourceNames: [web-config]\n    verbs: [get]',
  peers: {
    kubeLinter: [{ id: "access-to-secrets", relation: "same" }],
    checkov: [
      {
        id: "CKV2_K8S_5",
        relation: "stricter",
        note: "reports the Role/ClusterRole that grants it, bound or not; CKV2_K8S_5 reports the bindings of such roles",
      },
    ],
    trivy: [
      { id: "KSV-0041", relation: "same" },
      { id: "KSV-0113", relation: "same" },
    ],
  },
  *check(s) {
    for (const rule of policyRules(s)) {
      if (grants(rule, "secrets", ["get", "list", "watch"])) {
        const scoped = (s.object.rules as Record<string, unknown>[] | undefined)?.[rule.index]?.resourceNames;
        if (
          Array.isArray(scoped) &&
          scoped.length > 0 &&
          !rule.verbs.includes("list") &&
          !rule.verbs.includes("watch") &&
          !rule.verbs.includes("*")
        )
          continue;
        yield { message: `rule ${rule.index} allows reading secrets`, path: ["rules", rule.index] };
      }
    }
  },
};
