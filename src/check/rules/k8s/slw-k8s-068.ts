import type { KubeRule } from "../../types.js";
import { list, record } from "./pod.js";

export const slwK8s068: KubeRule = {
  id: "SLW-K8S-068",
  area: "kubernetes",
  title: "NetworkPolicy allows ingress from anywhere",
  severity: "low",
  category: "security",
  rationale:
    "An ingress rule without `from` (or from 0.0.0.0/0) admits every pod and every address: the policy isolates nothing for those ports.",
  remediation: "Allow only the ingress controller's namespace (or the load balancer's range).",
  snippet:
    "ingress:\n  - from:\n      - namespaceSelector:\n          matchLabels: { kubernetes.io/metadata.name: ingress-nginx }\n    ports: [{ port: http }]",
  peers: {},
  *check(s) {
    if (s.kind !== "NetworkPolicy") return;
    const rules = list(record(s.object.spec).ingress);
    for (let i = 0; i < rules.length; i++) {
      const from = record(rules[i]).from;
      const open =
        from === undefined ||
        list(from).length === 0 ||
        list(from).some((f) => ["0.0.0.0/0", "::/0"].includes(String(record(record(f).ipBlock).cidr)));
      if (open) yield { message: `ingress rule ${i} admits traffic from anywhere`, path: ["spec", "ingress", i] };
    }
  },
};
