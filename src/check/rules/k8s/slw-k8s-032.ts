import type { KubeRule } from "../../types.js";
import { effectiveReplicas, list, podTemplateOf, record, selects } from "./pod.js";

export const slwK8s032: KubeRule = {
  id: "SLW-K8S-032",
  area: "kubernetes",
  title: "Replicas not spread across nodes",
  severity: "medium",
  category: "reliability",
  rationale:
    "Without anti-affinity or a topology spread constraint the scheduler may put every replica on one node or zone; losing it takes the app down.",
  remediation: "Spread the pods across nodes (and zones) with topologySpreadConstraints or a podAntiAffinity on the hostname.",
  snippet:
    "topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: kubernetes.io/hostname\n    whenUnsatisfiable: ScheduleAnyway\n    labelSelector:\n      matchLabels: { app.kubernetes.io/name: web }",
  peers: {
    polaris: [
      {
        id: "topologySpreadConstraint",
        relation: "looser",
        note: "pod anti-affinity on a topology key passes too; Polaris requires topologySpreadConstraints",
      },
    ],
    kubeScore: [
      {
        id: "deployment-has-host-podantiaffinity",
        relation: "looser",
        note: "topology spread constraints pass too, and only with 2+ replicas (unset: 1); kube-score requires anti-affinity, also when replicas is unset",
      },
      {
        id: "statefulset-has-host-podantiaffinity",
        relation: "looser",
        note: "topology spread constraints pass too, and only with 2+ replicas (unset: 1); kube-score requires anti-affinity, also when replicas is unset",
      },
    ],
    kubeLinter: [{ id: "no-anti-affinity", relation: "same" }],
  },
  *check(s, ctx) {
    if (s.kind !== "Deployment" && s.kind !== "StatefulSet" && s.kind !== "DeploymentConfig") return;
    const pod = podTemplateOf(s);
    if (!pod || (effectiveReplicas(s, ctx) ?? 1) < 2) return;
    if (list(pod.spec.topologySpreadConstraints).length > 0) return;
    const anti = record(record(pod.spec.affinity).podAntiAffinity);
    const terms = [
      ...list(anti.requiredDuringSchedulingIgnoredDuringExecution),
      ...list(anti.preferredDuringSchedulingIgnoredDuringExecution).map((t) => record(t).podAffinityTerm),
    ];
    // A term spreads these replicas only when its selector matches their own labels and the
    // namespaces it looks in include theirs (unset: the pod's own namespace; an empty selector: all).
    const own = s.namespace ?? ctx.defaultNamespace;
    const spreads = (term: unknown) => {
      const t = record(term);
      if (typeof t.topologyKey !== "string" || !selects(t.labelSelector, pod.labels)) return false;
      const namespaces = list(t.namespaces).map(String);
      const nsSelector = t.namespaceSelector;
      if (namespaces.includes(own)) return true;
      if (nsSelector !== undefined && nsSelector !== null) {
        const sel = record(nsSelector);
        // Only the name label of a namespace is known from the input; other labels get the benefit of the doubt.
        const keys = [...Object.keys(record(sel.matchLabels)), ...list(sel.matchExpressions).map((e) => String(record(e).key))];
        if (!keys.every((k) => k === "kubernetes.io/metadata.name")) return true;
        return selects(sel, { "kubernetes.io/metadata.name": own });
      }
      return namespaces.length === 0;
    };
    if (terms.some(spreads)) return;
    yield { message: `${s.kind} has several replicas but no topology spread or pod anti-affinity`, path: pod.specPath };
  },
};
