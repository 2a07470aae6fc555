import type { KubeRule } from "../../types.js";
import { isLongRunning, podTemplateOf } from "./pod.js";

export const slwK8s044: KubeRule = {
  id: "SLW-K8S-044",
  area: "kubernetes",
  title: "Default ServiceAccount used",
  severity: "medium",
  category: "security",
  rationale: "Every pod without its own ServiceAccount shares `default`; a role bound to it for one app is granted to all of them.",
  remediation: "Create a ServiceAccount per app and name it in the pod spec.",
  snippet: "spec:\n  serviceAccountName: web\n  automountServiceAccountToken: false",
  // Not CKV_K8S_41: it judges the ServiceAccount named default (its automountServiceAccountToken), not the pods that use it.
  peers: { kubeLinter: [{ id: "default-service-account", relation: "same" }] },
  *check(s) {
    if (!isLongRunning(s)) return;
    const pod = podTemplateOf(s);
    if (!pod) return;
    const name = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
    if (name === undefined || name === "default")
      yield { message: "the pods run as the namespace's default ServiceAccount", path: pod.specPath };
  },
};
