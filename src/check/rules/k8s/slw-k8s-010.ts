import type { KubeRule } from "../../types.js";
import { podTemplateOf } from "./pod.js";

export const slwK8s010: KubeRule = {
  id: "SLW-K8S-010",
  area: "kubernetes",
  title: "Host IPC namespace",
  severity: "high",
  category: "security",
  rationale: "A pod with hostIPC: true shares shared memory and semaphores with every process on the node.",
  remediation: "Remove hostIPC from the pod spec.",
  snippet: "spec:\n  hostIPC: false",
  peers: {
    polaris: [{ id: "hostIPCSet", relation: "same" }],
    kubeLinter: [{ id: "host-ipc", relation: "same" }],
    checkov: [{ id: "CKV_K8S_18", relation: "same" }],
    trivy: [{ id: "KSV-0008", relation: "same" }],
  },
  *check(s) {
    const pod = podTemplateOf(s);
    if (pod?.spec.hostIPC === true)
      yield { message: "the pod shares the node's IPC namespace (hostIPC: true)", path: [...pod.specPath, "hostIPC"] };
  },
};
