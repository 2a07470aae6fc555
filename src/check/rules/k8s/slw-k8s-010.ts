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
  peers: { polaris: ["hostIPCSet"], kubeLinter: ["host-ipc"], checkov: ["CKV_K8S_18"], trivy: ["KSV-0008"] },
  *check(s) {
    const pod = podTemplateOf(s);
    if (pod?.spec.hostIPC === true)
      yield { message: "the pod shares the node's IPC namespace (hostIPC: true)", path: [...pod.specPath, "hostIPC"] };
  },
};
