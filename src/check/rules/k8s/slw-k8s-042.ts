import type { KubeData, KubeRule, KubeSubject } from "../../types.js";
import { podTemplateOf, policiesSelecting, record } from "./pod.js";

export const slwK8s042: KubeRule = {
  id: "SLW-K8S-042",
  area: "kubernetes",
  title: "Pods not covered by a NetworkPolicy",
  severity: "medium",
  category: "security",
  rationale:
    "Pods that no NetworkPolicy selects (or only for one direction) accept connections from, and connect to, anything in the cluster: one compromised pod reaches them all. Job and CronJob pods too, while they run.",
  remediation: "Add a default-deny NetworkPolicy for the namespace and policies that allow only the traffic the app needs.",
  snippet:
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: default-deny }\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]",
  peers: {
    polaris: [{ id: "missingNetworkPolicy", relation: "same" }],
    kubeScore: [{ id: "pod-networkpolicy", relation: "same" }],
    kubeLinter: [
      {
        id: "non-isolated-pod",
        relation: "stricter",
        note: "also reports pods isolated in one direction only; kube-linter accepts any policy that selects them",
      },
    ],
    checkov: [
      {
        id: "CKV2_K8S_6",
        relation: "stricter",
        note: "also reports pods isolated in one direction only; Checkov accepts any policy that selects them",
      },
    ],
  },
  *check(s, ctx) {
    const pod = podTemplateOf(s);
    if (!pod) return;
    const groups = policiesSelecting(ctx, s);
    if (groups[0].length + groups[1].length === 0) {
      yield { message: `no NetworkPolicy selects the pods of ${s.kind}/${s.name}`, path: pod.metadataPath };
      return;
    }
    // A policy isolates only the directions it lists; the other direction stays open to anything.
    const directions = new Set(groups.flatMap(directionsOf));
    const open = ["Ingress", "Egress"].filter((d) => !directions.has(d));
    if (open.length > 0)
      yield {
        message: `the NetworkPolicies that select the pods of ${s.kind}/${s.name} leave ${open.join(" and ").toLowerCase()} traffic open`,
        path: pod.metadataPath,
      };
  },
};

const directionsMemo = new WeakMap<readonly KubeSubject[], string[]>();

/** The directions a list of policies isolates together (the namespace-wide list is shared: read once). */
function directionsOf(policies: readonly KubeSubject[]): string[] {
  let out = directionsMemo.get(policies);
  if (!out) {
    out = [...new Set(policies.flatMap((np) => policyTypes(record(np.object.spec))))];
    directionsMemo.set(policies, out);
  }
  return out;
}

/** The directions a policy isolates: its policyTypes, else what Kubernetes defaults them to. */
function policyTypes(spec: KubeData): string[] {
  if (Array.isArray(spec.policyTypes)) return spec.policyTypes.filter((t): t is string => typeof t === "string");
  return spec.egress !== undefined ? ["Ingress", "Egress"] : ["Ingress"];
}
