import type { KubeRule } from "../../types.js";
import { isLongRunning, podTemplateOf } from "./pod.js";

export const slwK8s065: KubeRule = {
  id: "SLW-K8S-065",
  area: "kubernetes",
  title: "No priority class",
  severity: "low",
  category: "reliability",
  rationale:
    "Without a priority class a workload falls below the pods that have one, and under pressure the scheduler preempts it first. Only checked when the set defines PriorityClasses (and none is the global default): on a cluster without them every pod has priority 0, naming a class changes nothing, and reporting it on every workload is noise.",
  remediation: "Give production workloads a PriorityClass.",
  snippet: "spec:\n  priorityClassName: production-web",
  // kube-linter priority-class-name checks names against an allow-list, a different property.
  peers: {
    polaris: [
      {
        id: "priorityClassNotSet",
        relation: "looser",
        note: "reported only when the files define PriorityClasses and none is the global default",
      },
    ],
  },
  *check(s, ctx) {
    if (!isLongRunning(s) || s.kind === "Pod") return;
    const classes = ctx.ofKind("PriorityClass");
    if (classes.length === 0 || classes.some((c) => c.object.globalDefault === true)) return;
    const pod = podTemplateOf(s);
    if (pod && pod.spec.priorityClassName === undefined) yield { message: `${s.kind} sets no priorityClassName`, path: pod.specPath };
  },
};
