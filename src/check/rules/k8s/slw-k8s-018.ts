import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s018: KubeRule = {
  id: "SLW-K8S-018",
  area: "kubernetes",
  title: "Memory limit missing",
  severity: "medium",
  category: "reliability",
  rationale: "A container without a memory limit can take the node's memory and get other pods OOM-killed.",
  remediation: "Set resources.limits.memory (equal to the request for predictable behaviour).",
  snippet: 'resources:\n  requests: { cpu: 250m, memory: 512Mi }\n  limits: { cpu: "1", memory: 512Mi }',
  peers: {
    polaris: ["memoryLimitsMissing"],
    kubeScore: ["container-resources"],
    kubeLinter: ["unset-memory-requirements"],
    checkov: ["CKV_K8S_13"],
    trivy: ["KSV-0018"],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const value = record(record(c.container.resources).limits).memory;
      if (value === undefined || value === null || value === "") {
        yield { message: `container '${c.name}' has no memory limits`, path: [...c.path, "resources"] };
      }
    }
  },
};
