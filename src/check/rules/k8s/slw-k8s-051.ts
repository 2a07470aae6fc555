import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";
import { looksLikeCredential, sensitiveKey } from "./secrets.js";

export const slwK8s051: KubeRule = {
  id: "SLW-K8S-051",
  area: "kubernetes",
  title: "Secret-looking data in a ConfigMap",
  severity: "high",
  category: "security",
  rationale: "ConfigMaps are readable by anyone who may read configuration and are never encrypted at rest; credentials in them leak.",
  remediation: "Move the value to a Secret (or an ExternalSecret) and reference it.",
  snippet: "apiVersion: v1\nkind: Secret\nmetadata: { name: web-secrets }\ntype: Opaque\nstringData: {}   # filled by your secret store",
  peers: {
    polaris: [{ id: "sensitiveConfigmapContent", relation: "same" }],
    trivy: [
      { id: "KSV-0109", relation: "same" },
      { id: "KSV-01010", relation: "same" },
    ],
  },
  *check(s) {
    if (s.kind !== "ConfigMap") return;
    for (const [key, value] of Object.entries(record(s.object.data))) {
      if (typeof value !== "string" || value === "") continue;
      if (sensitiveKey.test(key) || looksLikeCredential(value)) yield { message: `key ${key} looks like a secret`, path: ["data", key] };
    }
  },
};
