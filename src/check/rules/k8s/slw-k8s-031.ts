import type { KubeRule } from "../../types.js";
import { effectiveReplicas, podTemplateOf, selectedByAny } from "./pod.js";

export const slwK8s031: KubeRule = {
  id: "SLW-K8S-031",
  area: "kubernetes",
  title: "No PodDisruptionBudget",
  severity: "medium",
  category: "reliability",
  rationale: "Without a PodDisruptionBudget a node drain (cluster upgrade, autoscaler scale-down) may evict every replica at once.",
  remediation: "Add a PodDisruptionBudget that selects the pods and allows one to be unavailable.",
  snippet:
    "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: web }\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: { app.kubernetes.io/name: web }",
  peers: {
    polaris: [{ id: "missingPodDisruptionBudget", relation: "same" }],
    kubeScore: [
      {
        id: "deployment-has-poddisruptionbudget",
        relation: "looser",
        note: "only with 2+ replicas, an unset count being Kubernetes' default 1 (SLW-K8S-030); kube-score also asks when replicas is unset",
      },
      {
        id: "statefulset-has-poddisruptionbudget",
        relation: "looser",
        note: "only with 2+ replicas, an unset count being Kubernetes' default 1 (SLW-K8S-030); kube-score also asks when replicas is unset",
      },
    ],
  },
  *check(s, ctx) {
    if (s.kind !== "Deployment" && s.kind !== "StatefulSet" && s.kind !== "DeploymentConfig") return;
    const replicas = effectiveReplicas(s, ctx) ?? 1;
    const pod = podTemplateOf(s);
    if (replicas < 2 || !pod) return;
    if (!selectedByAny(ctx, "PodDisruptionBudget", s))
      yield { message: `${s.kind} with ${replicas} replicas has no PodDisruptionBudget`, path: ["metadata", "name"] };
  },
};
