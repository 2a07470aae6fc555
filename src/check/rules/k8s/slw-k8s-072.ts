import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s072: KubeRule = {
  id: "SLW-K8S-072",
  area: "kubernetes",
  title: "Bare Pod",
  severity: "low",
  category: "reliability",
  rationale: "A Pod without a controller is not recreated when its node fails or is drained.",
  remediation: "Run it as a Deployment (or a Job for one-off work).",
  snippet: "apiVersion: apps/v1\nkind: Deployment",
  peers: {},
  *check(s) {
    if (s.kind === "Pod" && !Array.isArray(record(s.object.metadata).ownerReferences))
      yield { message: "Pod is not managed by a controller", path: ["kind"] };
  },
};
