import type { KubeContext, KubeRule } from "../../types.js";
import { isLongRunning, list, podTemplateOf, record } from "./pod.js";

export const slwK8s045: KubeRule = {
  id: "SLW-K8S-045",
  area: "kubernetes",
  title: "Service account token mounted",
  severity: "medium",
  category: "security",
  rationale:
    "A web app rarely calls the Kubernetes API; a mounted token lets anyone who gets code execution in the pod do so with the pod's permissions. Not reported for a ServiceAccount that a RoleBinding or ClusterRoleBinding in the set grants a role: that app calls the API and needs the token.",
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
    const name = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? "default");
    if (pod.spec.automountServiceAccountToken === undefined) {
      const sa = ctx.named("ServiceAccount", s.namespace, name);
      if (sa?.object.automountServiceAccountToken === false) return;
    }
    // A service account the same input binds to a Role or ClusterRole is there to call the API: it needs the token.
    if (name !== "default" && boundToRole(ctx, name, s.namespace ?? ctx.defaultNamespace)) return;
    yield { message: "the pods get a service account token mounted", path: pod.specPath };
  },
};

function boundToRole(ctx: KubeContext, account: string, namespace: string): boolean {
  return [...ctx.ofKind("RoleBinding"), ...ctx.ofKind("ClusterRoleBinding")].some((b) => {
    return list(b.object.subjects).some((x) => {
      const subject = record(x);
      const ns = subject.namespace ?? b.namespace ?? ctx.defaultNamespace;
      return subject.kind === "ServiceAccount" && subject.name === account && ns === namespace;
    });
  });
}
