import type { KubeRule } from "../../types.js";
import { effectiveReplicas, hpaFor } from "./pod.js";

export const slwK8s030: KubeRule = {
  id: "SLW-K8S-030",
  area: "kubernetes",
  title: "Single replica",
  severity: "low",
  category: "reliability",
  rationale: "With one replica every node drain, eviction or crash is downtime.",
  remediation: "Run at least two replicas (or an HPA with minReplicas: 2).",
  snippet: "spec:\n  replicas: 2",
  peers: {
    polaris: [{ id: "deploymentMissingReplicas", relation: "same" }],
    kubeScore: [{ id: "deployment-replicas", relation: "same" }],
    kubeLinter: [{ id: "minimum-three-replicas", relation: "looser", note: "flags one replica; kube-linter asks for at least three" }],
  },
  *check(s, ctx) {
    if (s.kind !== "Deployment" && s.kind !== "StatefulSet" && s.kind !== "DeploymentConfig") return;
    // An HPA owns the count: a low minReplicas is SLW-K8S-035's finding, on the HPA where it is fixed.
    if (hpaFor(s, ctx)) return;
    const replicas = effectiveReplicas(s, ctx);
    if (replicas !== undefined && replicas < 2)
      yield { message: `${s.kind} runs ${replicas} replica${replicas === 1 ? "" : "s"}`, path: ["spec", "replicas"] };
  },
};
