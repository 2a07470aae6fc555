import type { KubeRule } from "../../types.js";
import { limitDiffersFromRequest } from "./resources.js";

export const slwK8s080: KubeRule = {
  id: "SLW-K8S-080",
  area: "kubernetes",
  title: "CPU limit differs from request",
  severity: "low",
  category: "reliability",
  rationale:
    "Only pods whose CPU and memory limits equal their requests get the Guaranteed QoS class (last to be evicted, eligible for exclusive cores); CPU above the request is borrowed and throttled when the node is busy. Bursting is often the better trade for web apps, so this is advice for latency-critical workloads, not a defect.",
  remediation: "For latency-critical workloads set the CPU limit equal to the request; otherwise keep the burst room and waive this rule.",
  snippet: "resources:\n  requests: { cpu: 500m, memory: 512Mi }\n  limits: { cpu: 500m, memory: 512Mi }",
  peers: { kubeScore: [{ id: "container-cpu-requests-equal-limits", relation: "same" }] },
  check: (s) => limitDiffersFromRequest(s, "cpu"),
};
