import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s016: KubeRule = {
  id: "SLW-K8S-016",
  area: "kubernetes",
  title: "CPU request missing",
  severity: "medium",
  category: "efficiency",
  rationale:
    "Without a CPU request the scheduler places the pod as if it needed nothing; under load it is starved by its neighbours and its HPA cannot compute utilisation.",
  remediation: "Set resources.requests.cpu to the CPU the app uses at normal load.",
  snippet: 'resources:\n  requests: { cpu: 250m, memory: 512Mi }\n  limits: { cpu: "1", memory: 512Mi }',
  peers: {
    polaris: [{ id: "cpuRequestsMissing", relation: "same" }],
    kubeScore: [
      {
        id: "container-resources",
        relation: "looser",
        note: "covers the CPU request only; the other parts of kube-score's check are SLW-K8S-017, -018 and -019",
      },
    ],
    kubeLinter: [{ id: "unset-cpu-requirements", relation: "looser", note: "covers the CPU request only; the CPU limit is SLW-K8S-019" }],
    checkov: [{ id: "CKV_K8S_10", relation: "same" }],
    trivy: [{ id: "KSV-0015", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const value = record(record(c.container.resources).requests).cpu;
      if (value === undefined || value === null || value === "") {
        yield { message: `container '${c.name}' has no cpu requests`, path: [...c.path, "resources"] };
      }
    }
  },
};
