import type { KubeRule } from "../../types.js";
import { podTemplateOf } from "./pod.js";

export const slwK8s063: KubeRule = {
  id: "SLW-K8S-063",
  area: "kubernetes",
  title: "Deprecated serviceAccount field",
  severity: "low",
  category: "operability",
  rationale: "spec.serviceAccount is a deprecated alias; when it disagrees with serviceAccountName the result surprises.",
  remediation: "Use serviceAccountName.",
  snippet: "spec:\n  serviceAccountName: web",
  peers: { kubeLinter: [{ id: "deprecated-service-account-field", relation: "same" }] },
  *check(s) {
    const pod = podTemplateOf(s);
    if (pod && pod.spec.serviceAccount !== undefined)
      yield { message: "the pod spec uses the deprecated serviceAccount field", path: [...pod.specPath, "serviceAccount"] };
  },
};
