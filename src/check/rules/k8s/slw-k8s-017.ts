import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s017: KubeRule = {
  id: "SLW-K8S-017",
  area: "kubernetes",
  title: "Memory request missing",
  severity: "medium",
  category: "reliability",
  rationale: "Without a memory request the scheduler may overcommit the node; the pod is then among the first evicted or OOM-killed.",
  remediation: "Set resources.requests.memory to the app's working set.",
  snippet: 'resources:\n  requests: { cpu: 250m, memory: 512Mi }\n  limits: { cpu: "1", memory: 512Mi }',
  peers: {
    polaris: [{ id: "memoryRequestsMissing", relation: "same" }],
    kubeScore: [
      {
        id: "container-resources",
        relation: "looser",
        note: "covers the memory request only; the other parts of kube-score's check are SLW-K8S-016, -018 and -019",
      },
    ],
    kubeLinter: [
      { id: "unset-memory-requirements", relation: "looser", note: "covers the memory request only; the memory limit is SLW-K8S-018" },
    ],
    checkov: [{ id: "CKV_K8S_12", relation: "same" }],
    trivy: [{ id: "KSV-0016", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const value = record(record(c.container.resources).requests).memory;
      if (value === undefined || value === null || value === "") {
        yield { message: `container '${c.name}' has no memory requests`, path: [...c.path, "resources"] };
      }
    }
  },
};
