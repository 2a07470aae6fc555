import type { KubeRule } from "../../types.js";
import { podTemplateOf } from "./pod.js";

export const slwK8s077: KubeRule = {
  id: "SLW-K8S-077",
  area: "kubernetes",
  title: "Job restart policy not OnFailure or Never",
  severity: "medium",
  category: "reliability",
  rationale:
    "Pods of a Job or CronJob must set restartPolicy to OnFailure or Never; left out it defaults to Always, which the API server rejects for Jobs, so the apply fails.",
  remediation: "Set restartPolicy: Never (a failed pod is replaced, keeping its logs) or OnFailure (restarted in place).",
  snippet: "spec:\n  template:\n    spec:\n      restartPolicy: Never",
  peers: {
    kubeScore: [{ id: "cronjob-restartpolicy", relation: "stricter", note: "checks Jobs as well as CronJobs; kube-score only CronJobs" }],
  },
  *check(s) {
    if (s.kind !== "Job" && s.kind !== "CronJob") return;
    const pod = podTemplateOf(s);
    if (!pod) return;
    const policy = pod.spec.restartPolicy;
    if (policy !== "OnFailure" && policy !== "Never")
      yield {
        message:
          policy === undefined
            ? `${s.kind} pods have no restartPolicy (Always by default)`
            : `${s.kind} pods have restartPolicy ${String(policy)}`,
        path: pod.specPath,
      };
  },
};
