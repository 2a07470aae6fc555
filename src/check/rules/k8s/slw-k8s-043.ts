import type { KubeRule } from "../../types.js";
import { record, selectedWorkloads } from "./pod.js";

export const slwK8s043: KubeRule = {
  id: "SLW-K8S-043",
  area: "kubernetes",
  title: "NetworkPolicy selects no pods",
  severity: "low",
  category: "security",
  rationale: "A policy whose podSelector matches no pod template protects nothing, while it reads as if it did.",
  remediation: "Make podSelector match the labels of the pods it is meant to isolate.",
  snippet: "spec:\n  podSelector:\n    matchLabels: { app.kubernetes.io/name: web }",
  peers: {
    kubeScore: [{ id: "networkpolicy-targets-pod", relation: "same" }],
    kubeLinter: [{ id: "dangling-networkpolicy", relation: "same" }],
    trivy: [{ id: "KSV-0038", relation: "same" }],
  },
  *check(s, ctx) {
    if (s.kind !== "NetworkPolicy") return;
    const selector = record(record(s.object.spec).podSelector);
    if (Object.keys(record(selector.matchLabels)).length === 0 && !Array.isArray(selector.matchExpressions)) return;
    if (selectedWorkloads(ctx, s.namespace, selector).length === 0)
      yield { message: "podSelector matches no pod template among the checked objects", path: ["spec", "podSelector"] };
  },
};
