import type { KubeRule } from "../../types.js";
import { eachContainer, isLongRunning } from "./pod.js";
import { servesTraffic } from "./serving.js";

export const slwK8s022: KubeRule = {
  id: "SLW-K8S-022",
  area: "kubernetes",
  title: "Readiness probe missing",
  severity: "medium",
  category: "reliability",
  rationale:
    "Without a readiness probe a pod receives traffic the moment its process starts, and a rollout continues even when the new version never becomes ready. Checked for pods a Service selects (or, with no Service in the set, pods that declare a port): a worker nothing routes to has no readiness to report.",
  remediation: "Add a readinessProbe on an endpoint that answers when the app can serve requests.",
  snippet: "readinessProbe:\n  httpGet: { path: /ready, port: http }\n  periodSeconds: 5\n  failureThreshold: 3",
  peers: {
    polaris: [{ id: "readinessProbeMissing", relation: "same" }],
    kubeScore: [{ id: "pod-probes", relation: "same" }],
    kubeLinter: [
      {
        id: "no-readiness-probe",
        relation: "looser",
        note: "only pods that serve traffic (a Service selects them, or with no Service in the set they declare a port); kube-linter asks every pod",
      },
    ],
    checkov: [{ id: "CKV_K8S_9", relation: "same" }],
  },
  *check(s, ctx) {
    if (!isLongRunning(s) || !servesTraffic(s, ctx)) return;
    for (const { c } of eachContainer(s, { init: false })) {
      if (c.container.readinessProbe === undefined) yield { message: `container '${c.name}' has no readinessProbe`, path: c.path };
    }
  },
};
