import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s035: KubeRule = {
  id: "SLW-K8S-035",
  area: "kubernetes",
  title: "Autoscaler may scale to one replica",
  severity: "low",
  category: "reliability",
  rationale: "An HPA with minReplicas below 2 scales down to a single pod at quiet times, and then every disruption is downtime.",
  remediation: "Set minReplicas to at least 2.",
  snippet: "spec:\n  minReplicas: 2\n  maxReplicas: 10",
  peers: {
    polaris: [{ id: "hpaMinAvailability", relation: "same" }],
    kubeScore: [{ id: "horizontalpodautoscaler-replicas", relation: "same" }],
    kubeLinter: [
      { id: "hpa-minimum-three-replicas", relation: "looser", note: "flags minReplicas 1; kube-linter asks for at least three" },
    ],
  },
  *check(s) {
    if (s.kind !== "HorizontalPodAutoscaler") return;
    const min = record(s.object.spec).minReplicas;
    const value = typeof min === "number" ? min : 1;
    if (value < 2) yield { message: `minReplicas is ${value}`, path: ["spec", "minReplicas"] };
  },
};
