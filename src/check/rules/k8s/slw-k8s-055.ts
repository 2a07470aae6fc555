import type { KubeRule } from "../../types.js";
import { podTemplateOf, record, selects } from "./pod.js";

export const slwK8s055: KubeRule = {
  id: "SLW-K8S-055",
  area: "kubernetes",
  title: "Recreate strategy behind a Service",
  severity: "medium",
  category: "reliability",
  rationale: "Recreate stops every old pod before starting new ones: each deploy is an outage for the Service in front.",
  remediation: "Use a RollingUpdate with maxUnavailable: 0.",
  snippet: "strategy:\n  type: RollingUpdate\n  rollingUpdate: { maxSurge: 25%, maxUnavailable: 0 }",
  peers: {
    kubeScore: [{ id: "deployment-strategy", relation: "same" }],
    kubeLinter: [
      {
        id: "no-rolling-update-strategy",
        relation: "looser",
        note: "flags Recreate only on Deployments a Service selects; kube-linter flags every workload without a rolling update",
      },
    ],
  },
  *check(s, ctx) {
    if (s.kind !== "Deployment") return;
    const strategy = record(record(s.object.spec).strategy);
    if (strategy.type !== "Recreate") return;
    const pod = podTemplateOf(s);
    const served =
      pod &&
      ctx.byKind("Service", s.namespace).some((svc) => {
        const sel = record(svc.object.spec).selector;
        return Object.keys(record(sel)).length > 0 && selects(sel, pod.labels);
      });
    if (served)
      yield { message: "Deployment uses the Recreate strategy although a Service routes to it", path: ["spec", "strategy", "type"] };
  },
};
