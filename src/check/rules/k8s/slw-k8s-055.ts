import type { KubeData, KubeRule, KubeSubject } from "../../types.js";
import { list, podTemplateOf, record, selects } from "./pod.js";

export const slwK8s055: KubeRule = {
  id: "SLW-K8S-055",
  area: "kubernetes",
  title: "Recreate strategy behind a Service",
  severity: "medium",
  category: "reliability",
  rationale:
    "Recreate stops every old pod before starting new ones: each deploy is an outage for the Service in front. Not reported when the pods mount a ReadWriteOnce claim (or one not in the set): a new pod on another node could not attach it during a rolling update, so Recreate is the correct choice there.",
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
    if (served && pod && !needsRecreate(pod.spec, ctx.byKind("PersistentVolumeClaim", s.namespace)))
      yield { message: "Deployment uses the Recreate strategy although a Service routes to it", path: ["spec", "strategy", "type"] };
  },
};

/**
 * Whether the pods mount a claim only one node can attach: ReadWriteOnce(Pod), or a claim not in the
 * set, whose access mode is unknown (most storage classes give ReadWriteOnce).
 */
function needsRecreate(spec: KubeData, claims: readonly KubeSubject[]): boolean {
  return list(spec.volumes).some((v) => {
    const claimName = record(record(v).persistentVolumeClaim).claimName;
    if (typeof claimName !== "string") return false;
    const claim = claims.find((c) => c.name === claimName);
    if (!claim) return true;
    const modes = list(record(claim.object.spec).accessModes).map(String);
    return modes.length === 0 || modes.some((m) => m === "ReadWriteOnce" || m === "ReadWriteOncePod");
  });
}
