import type { KubeRule } from "../../types.js";
import { eachContainer, isLongRunning } from "./pod.js";
import { servesTraffic } from "./serving.js";

export const slwK8s023: KubeRule = {
  id: "SLW-K8S-023",
  area: "kubernetes",
  title: "Liveness probe missing",
  severity: "medium",
  category: "reliability",
  rationale:
    "A deadlocked process that does not exit is never restarted without a liveness probe; it keeps its slot and, if still ready, its traffic. Checked for pods a Service selects (or, with no Service in the set, pods that declare a port), like kube-score.",
  remediation: "Add a livenessProbe that checks only the process itself (a TCP check of the port, or a path that touches no dependency).",
  snippet: "livenessProbe:\n  tcpSocket: { port: http }\n  periodSeconds: 10\n  failureThreshold: 3",
  peers: {
    polaris: [{ id: "livenessProbeMissing", relation: "same" }],
    kubeScore: [{ id: "pod-probes", relation: "same" }],
    kubeLinter: [
      {
        id: "no-liveness-probe",
        relation: "looser",
        note: "only pods that serve traffic (a Service selects them, or with no Service in the set they declare a port); kube-linter asks every pod",
      },
    ],
    checkov: [{ id: "CKV_K8S_8", relation: "same" }],
  },
  *check(s, ctx) {
    if (!isLongRunning(s) || !servesTraffic(s, ctx)) return;
    for (const { c } of eachContainer(s, { init: false })) {
      if (c.container.livenessProbe === undefined) yield { message: `container '${c.name}' has no livenessProbe`, path: c.path };
    }
  },
};
