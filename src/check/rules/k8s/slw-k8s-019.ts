import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s019: KubeRule = {
  id: "SLW-K8S-019",
  area: "kubernetes",
  title: "CPU limit missing",
  severity: "low",
  category: "efficiency",
  rationale:
    "A container without a CPU limit can use every idle core; noisy neighbours make latency unpredictable. Some teams omit CPU limits on purpose.",
  remediation: "Set resources.limits.cpu, or waive this rule with a reason.",
  snippet: 'resources:\n  requests: { cpu: 250m, memory: 512Mi }\n  limits: { cpu: "1", memory: 512Mi }',
  peers: {
    polaris: [{ id: "cpuLimitsMissing", relation: "same" }],
    kubeScore: [
      {
        id: "container-resources",
        relation: "looser",
        note: "covers the CPU limit only; the other parts of kube-score's check are SLW-K8S-016, -017 and -018",
      },
      {
        id: "container-cpu-requests-equal-limits",
        relation: "looser",
        note: "a missing CPU limit, which kube-score's check also fails; a limit that differs from the request is SLW-K8S-080",
      },
    ],
    kubeLinter: [{ id: "unset-cpu-requirements", relation: "looser", note: "covers the CPU limit only; the CPU request is SLW-K8S-016" }],
    checkov: [{ id: "CKV_K8S_11", relation: "same" }],
    trivy: [{ id: "KSV-0011", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const value = record(record(c.container.resources).limits).cpu;
      if (value === undefined || value === null || value === "") {
        yield { message: `container '${c.name}' has no cpu limits`, path: [...c.path, "resources"] };
      }
    }
  },
};
