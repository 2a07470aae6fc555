import type { KubeRule } from "../../types.js";
import { isLongRunning, podTemplateOf } from "./pod.js";

export const slwK8s065: KubeRule = {
  id: "SLW-K8S-065",
  area: "kubernetes",
  title: "No priority class",
  severity: "low",
  category: "reliability",
  rationale:
    "Without a priority class a production web pod has the same priority as a batch job; under pressure the scheduler may preempt the wrong one.",
  remediation: "Give production workloads a PriorityClass.",
  snippet: "spec:\n  priorityClassName: production-web",
  peers: { polaris: [{ id: "priorityClassNotSet", relation: "same" }] },
  *check(s) {
    if (!isLongRunning(s) || s.kind === "Pod") return;
    const pod = podTemplateOf(s);
    if (pod && pod.spec.priorityClassName === undefined) yield { message: `${s.kind} sets no priorityClassName`, path: pod.specPath };
  },
};
