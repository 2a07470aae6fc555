import type { KubeRule } from "../../types.js";
import { isLongRunning, podTemplateOf, record, selects } from "./pod.js";

export const slwK8s042: KubeRule = {
  id: "SLW-K8S-042",
  area: "kubernetes",
  title: "Pods not covered by a NetworkPolicy",
  severity: "medium",
  category: "security",
  rationale:
    "Pods that no NetworkPolicy selects accept connections from, and connect to, anything in the cluster: one compromised pod reaches them all.",
  remediation: "Add a default-deny NetworkPolicy for the namespace and policies that allow only the traffic the app needs.",
  snippet:
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: default-deny }\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]",
  peers: {
    polaris: [{ id: "missingNetworkPolicy", relation: "same" }],
    kubeScore: [{ id: "pod-networkpolicy", relation: "same" }],
    kubeLinter: [{ id: "non-isolated-pod", relation: "same" }],
    checkov: [{ id: "CKV2_K8S_6", relation: "same" }],
  },
  *check(s, ctx) {
    if (!isLongRunning(s)) return;
    const pod = podTemplateOf(s);
    if (!pod) return;
    const covered = ctx.byKind("NetworkPolicy", s.namespace).some((np) => selects(record(record(np.object.spec).podSelector), pod.labels));
    if (!covered) yield { message: `no NetworkPolicy selects the pods of ${s.kind}/${s.name}`, path: pod.metadataPath };
  },
};
