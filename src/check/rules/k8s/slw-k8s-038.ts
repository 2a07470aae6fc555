import type { KubeRule } from "../../types.js";
import { record, selectedWorkloads } from "./pod.js";

export const slwK8s038: KubeRule = {
  id: "SLW-K8S-038",
  area: "kubernetes",
  title: "Service selects no pods",
  severity: "medium",
  category: "reliability",
  rationale: "A Service whose selector matches no pod template has no endpoints: every request to it fails.",
  remediation: "Make the selector match the labels of the workload's pod template.",
  snippet: "spec:\n  selector:\n    app.kubernetes.io/name: web   # = spec.template.metadata.labels of the Deployment",
  peers: { kubeScore: [{ id: "service-targets-pod", relation: "same" }], kubeLinter: [{ id: "dangling-service", relation: "same" }] },
  *check(s, ctx) {
    if (s.kind !== "Service") return;
    const spec = record(s.object.spec);
    if (spec.type === "ExternalName" || spec.selector === undefined) return;
    if (Object.keys(record(spec.selector)).length === 0) return;
    if (selectedWorkloads(ctx, s.namespace, spec.selector).length === 0) {
      yield { message: "no pod template among the checked objects matches the selector", path: ["spec", "selector"] };
    }
  },
};
