import type { KubeRule } from "../../types.js";
import { eachContainer, podTemplateOf, record } from "./pod.js";
import { selectedByAService } from "./serving.js";

export const slwK8s071: KubeRule = {
  id: "SLW-K8S-071",
  area: "kubernetes",
  title: "No connection draining before shutdown",
  severity: "low",
  category: "reliability",
  rationale:
    "Endpoints are removed from load balancers a few seconds after a pod starts terminating; without a preStop pause in-flight and new requests fail on every rollout.",
  remediation: "Add a short preStop sleep and keep the grace period longer than it.",
  snippet: "lifecycle:\n  preStop:\n    sleep: { seconds: 5 }\n# pod: terminationGracePeriodSeconds: 35",
  peers: {},
  *check(s, ctx) {
    if (s.kind !== "Deployment") return;
    const pod = podTemplateOf(s);
    if (!pod) return;
    if (!selectedByAService(s, ctx)) return;
    for (const { c } of eachContainer(s, { init: false })) {
      if (
        record(record(c.container.lifecycle).preStop).sleep === undefined &&
        record(record(c.container.lifecycle).preStop).exec === undefined
      ) {
        yield { message: `container '${c.name}' has no preStop hook to drain connections`, path: c.path };
      }
    }
  },
};
