import type { KubeRule } from "../../types.js";
import { list, record, selectedWorkloads } from "./pod.js";

export const slwK8s075: KubeRule = {
  id: "SLW-K8S-075",
  area: "kubernetes",
  title: "NetworkPolicy peer selects no pods",
  severity: "low",
  category: "security",
  rationale:
    "A from/to peer whose podSelector matches no pod in the policy's namespace allows nothing: the traffic it was written for is blocked, or the rule is stale and hides which traffic is really allowed.",
  remediation:
    "Make the peer's podSelector match the labels of the pods it is meant to allow (add a namespaceSelector for pods in other namespaces).",
  snippet: "ingress:\n  - from:\n      - podSelector:\n          matchLabels: { app.kubernetes.io/name: web }",
  peers: { kubeLinter: [{ id: "dangling-networkpolicypeer-podselector", relation: "same" }] },
  *check(s, ctx) {
    if (s.kind !== "NetworkPolicy") return;
    const spec = record(s.object.spec);
    for (const [direction, key] of [
      ["ingress", "from"],
      ["egress", "to"],
    ] as const) {
      for (const [i, rule] of list(spec[direction]).map(record).entries()) {
        for (const [j, peer] of list(rule[key]).map(record).entries()) {
          // A namespaceSelector points at pods in other namespaces, which the input may not hold.
          if (peer.podSelector === undefined || peer.namespaceSelector !== undefined) continue;
          const selector = record(peer.podSelector);
          if (Object.keys(record(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0) continue;
          if (selectedWorkloads(ctx, s.namespace, selector).length === 0)
            yield {
              message: `${direction} peer podSelector matches no pod template among the checked objects`,
              path: ["spec", direction, i, key, j, "podSelector"],
            };
        }
      }
    }
  },
};
