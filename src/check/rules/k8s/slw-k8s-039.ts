import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s039: KubeRule = {
  id: "SLW-K8S-039",
  area: "kubernetes",
  title: "NodePort Service",
  severity: "low",
  category: "security",
  rationale: "A NodePort opens the port on every node's address, outside any ingress controller's TLS and access rules.",
  remediation: "Use a ClusterIP Service behind an Ingress (or a LoadBalancer with source ranges).",
  snippet: "spec:\n  type: ClusterIP",
  peers: { kubeScore: [{ id: "service-type", relation: "same" }] },
  *check(s) {
    if (s.kind === "Service" && record(s.object.spec).type === "NodePort")
      yield { message: "Service type is NodePort", path: ["spec", "type"] };
  },
};
