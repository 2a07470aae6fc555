import type { KubeRule } from "../../types.js";
import { eachContainer, isLongRunning, probeHandler } from "./pod.js";

export const slwK8s024: KubeRule = {
  id: "SLW-K8S-024",
  area: "kubernetes",
  title: "Identical liveness and readiness probes",
  severity: "high",
  category: "reliability",
  rationale:
    "When both probes check the same thing, an overloaded or briefly degraded pod is restarted instead of just taken out of rotation; under load this cascades through every replica.",
  remediation: "Point the liveness probe at a cheaper check than readiness: a TCP check of the port or a path that touches no dependency.",
  snippet: "readinessProbe:\n  httpGet: { path: /ready, port: http }\nlivenessProbe:\n  tcpSocket: { port: http }",
  peers: { kubeScore: [{ id: "pod-probes-identical", relation: "same" }] },
  *check(s) {
    if (!isLongRunning(s)) return;
    for (const { c } of eachContainer(s)) {
      const live = probeHandler(c.container.livenessProbe);
      if (live !== undefined && live === probeHandler(c.container.readinessProbe)) {
        yield {
          message: `container '${c.name}' uses the same check for liveness and readiness (${live})`,
          path: [...c.path, "livenessProbe"],
        };
      }
    }
  },
};
