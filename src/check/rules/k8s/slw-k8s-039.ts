import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s039: KubeRule = {
  id: "SLW-K8S-039",
  area: "kubernetes",
  title: "Service exposed outside the ingress",
  severity: "low",
  category: "security",
  rationale:
    "A NodePort opens the port on every node's address, and a LoadBalancer without source ranges on a public address; both bypass the ingress controller's TLS and access rules.",
  remediation: "Use a ClusterIP Service behind an Ingress; for a LoadBalancer, make it internal or restrict loadBalancerSourceRanges.",
  snippet: "spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [203.0.113.0/24]",
  peers: {
    kubeScore: [{ id: "service-type", relation: "stricter", note: "also reports LoadBalancer Services open to any source" }],
  },
  *check(s) {
    if (s.kind !== "Service") return;
    const spec = record(s.object.spec);
    if (spec.type === "NodePort") yield { message: "Service type is NodePort", path: ["spec", "type"] };
    if (spec.type !== "LoadBalancer") return;
    const ranges = Array.isArray(spec.loadBalancerSourceRanges) ? spec.loadBalancerSourceRanges.map(String) : [];
    const open = ranges.length === 0 || ranges.some((r) => r === "0.0.0.0/0" || r === "::/0");
    const annotations = record(record(s.object.metadata).annotations);
    if (open && !isInternal(annotations))
      yield { message: "LoadBalancer Service open to any address (no loadBalancerSourceRanges, not internal)", path: ["spec", "type"] };
  },
};

/** Cloud annotations that put a LoadBalancer on a private address (AWS, GCP, Azure, DigitalOcean, OCI). */
function isInternal(annotations: Record<string, unknown>): boolean {
  const value = (k: string) => String(annotations[k] ?? "").toLowerCase();
  return (
    value("service.beta.kubernetes.io/aws-load-balancer-scheme") === "internal" ||
    ["true", "0.0.0.0/0"].includes(value("service.beta.kubernetes.io/aws-load-balancer-internal")) ||
    value("networking.gke.io/load-balancer-type") === "internal" ||
    value("cloud.google.com/load-balancer-type") === "internal" ||
    value("service.beta.kubernetes.io/azure-load-balancer-internal") === "true" ||
    value("service.beta.kubernetes.io/oci-load-balancer-internal") === "true" ||
    value("service.beta.kubernetes.io/do-loadbalancer-type") === "regional_network"
  );
}
