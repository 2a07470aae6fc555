import type { KubeRule } from "../../types.js";
import { podTemplateOf, record, selects } from "./pod.js";

export const slwK8s054: KubeRule = {
  id: "SLW-K8S-054",
  area: "kubernetes",
  title: "Selector does not match the pod template",
  severity: "high",
  category: "reliability",
  rationale:
    "The API server rejects a workload whose selector does not match its own template labels; a loose selector also adopts other apps' pods.",
  remediation: "Make spec.selector.matchLabels a subset of spec.template.metadata.labels.",
  snippet:
    "spec:\n  selector:\n    matchLabels: { app.kubernetes.io/name: web }\n  template:\n    metadata:\n      labels: { app.kubernetes.io/name: web }",
  peers: {
    kubeScore: [
      { id: "deployment-pod-selector-labels-match-template-metadata-labels", relation: "same" },
      { id: "statefulset-pod-selector-labels-match-template-metadata-labels", relation: "same" },
    ],
    kubeLinter: [{ id: "mismatching-selector", relation: "same" }],
  },
  *check(s) {
    if (!["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "DeploymentConfig"].includes(s.kind)) return;
    const pod = podTemplateOf(s);
    const selector = record(s.object.spec).selector;
    if (!pod) return;
    // OpenShift derives a DeploymentConfig's missing selector (a plain label map) from the template.
    if (selector === undefined && s.kind === "DeploymentConfig") return;
    if (selector === undefined) {
      yield { message: `${s.kind} has no spec.selector`, path: ["spec"] };
      return;
    }
    if (!selects(selector, pod.labels))
      yield { message: "spec.selector does not match spec.template.metadata.labels", path: ["spec", "selector"] };
  },
};
