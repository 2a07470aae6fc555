import type { KubeRule } from "../../types.js";
import { isLongRunning, podTemplateOf } from "./pod.js";

export const slwK8s045: KubeRule = {
  id: "SLW-K8S-045",
  area: "kubernetes",
  title: "Service account token mounted",
  severity: "medium",
  category: "security",
  rationale:
    "A web app rarely calls the Kubernetes API; a mounted token lets anyone who gets code execution in the pod do so with the pod's permissions.",
  remediation: "Turn the token off in the pod spec (or on its ServiceAccount) unless the app calls the API.",
  snippet: "spec:\n  automountServiceAccountToken: false",
  peers: {
    polaris: [{ id: "automountServiceAccountToken", relation: "same" }],
    checkov: [{ id: "CKV_K8S_38", relation: "same" }],
    trivy: [{ id: "KSV-0036", relation: "same" }],
  },
  *check(s, ctx) {
    if (!isLongRunning(s)) return;
    const pod = podTemplateOf(s);
    if (!pod) return;
    if (pod.spec.automountServiceAccountToken === false) return;
    if (pod.spec.automountServiceAccountToken === undefined) {
      const name = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? "default");
      const sa = ctx.byKind("ServiceAccount", s.namespace).find((x) => x.name === name);
      if (sa?.object.automountServiceAccountToken === false) return;
    }
    yield { message: "the pods get a service account token mounted", path: pod.specPath };
  },
};
