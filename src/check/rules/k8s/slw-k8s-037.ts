import type { KubeRule } from "../../types.js";
import { hpaFor, record } from "./pod.js";

export const slwK8s037: KubeRule = {
  id: "SLW-K8S-037",
  area: "kubernetes",
  title: "Fixed replicas on an autoscaled workload",
  severity: "medium",
  category: "reliability",
  rationale: "Every apply resets spec.replicas to the fixed number, undoing the autoscaler: a deploy at peak load scales the app down.",
  remediation: "Remove spec.replicas from a workload that an HPA scales.",
  snippet: "spec:\n  # replicas: omitted — the HorizontalPodAutoscaler owns it",
  peers: { kubeScore: [{ id: "deployment-targeted-by-hpa-does-not-have-replicas-configured", relation: "same" }] },
  *check(s, ctx) {
    if (s.kind !== "Deployment" && s.kind !== "StatefulSet") return;
    if (record(s.object.spec).replicas !== undefined && hpaFor(s, ctx)) {
      yield { message: `${s.kind} sets replicas although an HPA scales it`, path: ["spec", "replicas"] };
    }
  },
};
