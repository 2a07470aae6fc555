import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s036: KubeRule = {
  id: "SLW-K8S-036",
  area: "kubernetes",
  title: "Autoscaler targets a missing object",
  severity: "medium",
  category: "reliability",
  rationale: "An HPA whose scaleTargetRef names no object in the same set scales nothing; usually a renamed Deployment.",
  remediation: "Point scaleTargetRef at the workload's kind and name.",
  snippet: "scaleTargetRef:\n  apiVersion: apps/v1\n  kind: Deployment\n  name: web",
  peers: {
    kubeScore: [{ id: "horizontalpodautoscaler-has-target", relation: "same" }],
    kubeLinter: [{ id: "dangling-horizontalpodautoscaler", relation: "same" }],
  },
  *check(s, ctx) {
    if (s.kind !== "HorizontalPodAutoscaler") return;
    const ref = record(record(s.object.spec).scaleTargetRef);
    if (typeof ref.kind !== "string" || typeof ref.name !== "string") {
      yield { message: "scaleTargetRef has no kind or name", path: ["spec", "scaleTargetRef"] };
      return;
    }
    if (!ctx.byKind(ref.kind, s.namespace).some((t) => t.name === ref.name)) {
      yield { message: `scaleTargetRef ${ref.kind}/${ref.name} is not among the checked objects`, path: ["spec", "scaleTargetRef"] };
    }
  },
};
