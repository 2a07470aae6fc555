import type { KubeRule } from "../../types.js";
import { list, record } from "./pod.js";

export const slwK8s069: KubeRule = {
  id: "SLW-K8S-069",
  area: "kubernetes",
  title: "Service with external IPs",
  severity: "high",
  category: "security",
  rationale: "spec.externalIPs lets whoever may create Services intercept traffic to any address in the cluster (CVE-2020-8554).",
  remediation: "Use a LoadBalancer Service or an Ingress instead of externalIPs.",
  snippet: "spec:\n  type: ClusterIP",
  peers: { trivy: [{ id: "KSV-0108", relation: "same" }] },
  *check(s) {
    if (s.kind === "Service" && list(record(s.object.spec).externalIPs).length > 0)
      yield { message: "Service sets externalIPs", path: ["spec", "externalIPs"] };
  },
};
