import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s020: KubeRule = {
  id: "SLW-K8S-020",
  area: "kubernetes",
  title: "Memory limit differs from request",
  severity: "low",
  category: "reliability",
  rationale:
    "Memory above the request is borrowed: when the node runs short the kernel reclaims it by OOM-killing the container, often at peak load.",
  remediation: "Set the memory limit equal to the memory request.",
  snippet: "resources:\n  requests: { memory: 512Mi }\n  limits: { memory: 512Mi }",
  peers: { kubeScore: [{ id: "container-memory-requests-equal-limits", relation: "same" }] },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const r = record(c.container.resources);
      const request = record(r.requests).memory;
      const limit = record(r.limits).memory;
      if (request !== undefined && limit !== undefined && String(request) !== String(limit)) {
        yield {
          message: `container '${c.name}' requests ${String(request)} memory but may use ${String(limit)}`,
          path: [...c.path, "resources", "limits", "memory"],
        };
      }
    }
  },
};
