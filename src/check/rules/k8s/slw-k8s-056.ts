import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s056: KubeRule = {
  id: "SLW-K8S-056",
  area: "kubernetes",
  title: "Job never cleaned up",
  severity: "low",
  category: "operability",
  rationale: "Finished Jobs and their pods stay until someone deletes them; they pile up in the namespace and in etcd.",
  remediation: "Set ttlSecondsAfterFinished on Jobs that no CronJob manages.",
  snippet: "spec:\n  ttlSecondsAfterFinished: 3600",
  peers: { kubeLinter: [{ id: "job-ttl-seconds-after-finished", relation: "same" }] },
  *check(s) {
    if (s.kind !== "Job") return;
    const owned = Array.isArray(record(s.object.metadata).ownerReferences);
    if (!owned && record(s.object.spec).ttlSecondsAfterFinished === undefined)
      yield { message: "Job has no ttlSecondsAfterFinished", path: ["spec"] };
  },
};
