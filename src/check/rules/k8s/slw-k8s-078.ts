import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s078: KubeRule = {
  id: "SLW-K8S-078",
  area: "kubernetes",
  title: "CronJob runs may overlap",
  severity: "low",
  category: "reliability",
  rationale:
    "Without a concurrencyPolicy a CronJob uses Allow: when a run takes longer than the schedule, the next one starts beside it, and two copies of a report or a cleanup work on the same data at once.",
  remediation: "Set concurrencyPolicy to Forbid (skip a run while one is going) or Replace; set Allow explicitly when overlap is safe.",
  snippet: "spec:\n  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 300",
  peers: {},
  *check(s) {
    if (s.kind === "CronJob" && record(s.object.spec).concurrencyPolicy === undefined)
      yield { message: "CronJob sets no concurrencyPolicy (Allow: runs may overlap)", path: ["spec"] };
  },
};
