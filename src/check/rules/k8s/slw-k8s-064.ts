import type { KubeRule } from "../../types.js";
import { podTemplateOf } from "./pod.js";

export const slwK8s064: KubeRule = {
  id: "SLW-K8S-064",
  area: "kubernetes",
  title: "ServiceAccount not defined",
  severity: "low",
  category: "reliability",
  rationale: "Pods naming a ServiceAccount that does not exist are never created; the ReplicaSet reports the error only in its events.",
  remediation: "Add the ServiceAccount to the same manifests, or fix the name.",
  snippet: "apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: web }\nautomountServiceAccountToken: false",
  peers: { kubeLinter: [{ id: "non-existent-service-account", relation: "same" }] },
  *check(s, ctx) {
    const pod = podTemplateOf(s);
    if (!pod) return;
    const name = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
    if (typeof name !== "string" || name === "default") return;
    // Only meaningful when the manifests manage their ServiceAccounts at all.
    if (ctx.ofKind("ServiceAccount").length === 0) return;
    if (!ctx.named("ServiceAccount", s.namespace, name)) {
      yield { message: `ServiceAccount '${name}' is not among the checked objects`, path: [...pod.specPath, "serviceAccountName"] };
    }
  },
};
