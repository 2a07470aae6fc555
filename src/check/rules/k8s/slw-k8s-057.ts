import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s057: KubeRule = {
  id: "SLW-K8S-057",
  area: "kubernetes",
  title: "CronJob without a starting deadline",
  severity: "low",
  category: "reliability",
  rationale:
    "Without startingDeadlineSeconds a CronJob that missed more than 100 schedules (controller down, suspended) stops being scheduled at all.",
  remediation: "Set startingDeadlineSeconds (and a concurrencyPolicy).",
  snippet: "spec:\n  startingDeadlineSeconds: 300\n  concurrencyPolicy: Forbid",
  peers: { kubeScore: [{ id: "cronjob-has-deadline", relation: "same" }] },
  *check(s) {
    if (s.kind === "CronJob" && record(s.object.spec).startingDeadlineSeconds === undefined)
      yield { message: "CronJob has no startingDeadlineSeconds", path: ["spec"] };
  },
};
