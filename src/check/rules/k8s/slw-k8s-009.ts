import type { KubeRule } from "../../types.js";
import { podTemplateOf } from "./pod.js";

export const slwK8s009: KubeRule = {
  id: "SLW-K8S-009",
  area: "kubernetes",
  title: "Host PID namespace",
  severity: "high",
  category: "security",
  rationale: "A pod with hostPID: true sees every process on the node and can signal or inspect them.",
  remediation: "Remove hostPID from the pod spec.",
  snippet: "spec:\n  hostPID: false",
  peers: {
    polaris: [{ id: "hostPIDSet", relation: "same" }],
    kubeLinter: [{ id: "host-pid", relation: "same" }],
    checkov: [{ id: "CKV_K8S_17", relation: "same" }],
    trivy: [{ id: "KSV-0010", relation: "same" }],
  },
  *check(s) {
    const pod = podTemplateOf(s);
    if (pod?.spec.hostPID === true)
      yield { message: "the pod shares the node's process namespace (hostPID: true)", path: [...pod.specPath, "hostPID"] };
  },
};
