import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s034: KubeRule = {
  id: "SLW-K8S-034",
  area: "kubernetes",
  title: "PodDisruptionBudget without a policy",
  severity: "medium",
  category: "reliability",
  rationale: "A budget with neither minAvailable nor maxUnavailable protects nothing.",
  remediation: "Set maxUnavailable (or minAvailable).",
  snippet: "spec:\n  maxUnavailable: 1",
  peers: { kubeScore: [{ id: "poddisruptionbudget-has-policy", relation: "same" }] },
  *check(s) {
    if (s.kind !== "PodDisruptionBudget") return;
    const spec = record(s.object.spec);
    if (spec.minAvailable === undefined && spec.maxUnavailable === undefined)
      yield { message: "neither minAvailable nor maxUnavailable is set", path: ["spec"] };
  },
};
