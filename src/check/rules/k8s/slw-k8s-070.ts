import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s070: KubeRule = {
  id: "SLW-K8S-070",
  area: "kubernetes",
  title: "NGINX ingress snippet annotation",
  severity: "high",
  category: "security",
  rationale:
    "Configuration snippets inject raw NGINX configuration; they have been used to read the controller's service-account token (CVE-2021-25742, CVE-2025-1974).",
  remediation: "Remove the snippet annotation and use the controller's dedicated annotations.",
  snippet: 'metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"',
  peers: { checkov: [{ id: "CKV_K8S_153", relation: "same" }], trivy: [{ id: "KCV-0093", relation: "same" }] },
  *check(s) {
    if (s.kind !== "Ingress") return;
    for (const key of Object.keys(record(record(s.object.metadata).annotations))) {
      if (/^nginx\.ingress\.kubernetes\.io\/.*snippet$/.test(key))
        yield { message: `annotation ${key} injects raw NGINX configuration`, path: ["metadata", "annotations", key] };
    }
  },
};
