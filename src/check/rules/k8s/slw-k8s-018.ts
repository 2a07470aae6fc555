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
    polaris: [{ id: "memoryLimitsMissing", relation: "same" }],
    kubeScore: [
      {
        id: "container-resources",
        relation: "looser",
        note: "covers the memory limit only; the other parts of kube-score's check are SLW-K8S-016, -017 and -019",
      },
      {
        id: "container-memory-requests-equal-limits",
        relation: "looser",
        note: "a missing memory limit, which kube-score's check also fails; a limit that differs from the request is SLW-K8S-020",
      },
    ],
    kubeLinter: [
      { id: "unset-memory-requirements", relation: "looser", note: "covers the memory limit only; the memory request is SLW-K8S-017" },
    ],
    checkov: [{ id: "CKV_K8S_13", relation: "same" }],
    trivy: [{ id: "KSV-0018", relation: "same" }],
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
