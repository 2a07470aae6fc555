import type { KubeRule } from "../../types.js";
import { eachContainer, list, podTemplateOf, record } from "./pod.js";

export const slwK8s021: KubeRule = {
  id: "SLW-K8S-021",
  area: "kubernetes",
  title: "Ephemeral storage unbounded",
  severity: "low",
  category: "efficiency",
  rationale:
    "Logs, temp files and emptyDir volumes live on the node's disk; without an ephemeral-storage limit (or an emptyDir sizeLimit) one pod can fill it, and the kubelet then evicts every pod on the node, not just this one. Without a request the scheduler also ignores disk when placing the pod (a limit alone sets the request to the same value).",
  remediation: "Set an ephemeral-storage limit on every container, and a sizeLimit on every emptyDir.",
  snippet: "resources:\n  limits: { ephemeral-storage: 1Gi }\nvolumes:\n  - name: tmp\n    emptyDir: { sizeLimit: 256Mi }",
  peers: {
    kubeScore: [
      {
        id: "container-ephemeral-storage-request-and-limit",
        relation: "looser",
        note: "a limit alone passes (Kubernetes then sets the request to it); kube-score wants both written",
      },
    ],
  },
  *check(s) {
    const pod = podTemplateOf(s);
    if (!pod) return;
    let limited = true;
    for (const { c } of eachContainer(s)) {
      if (record(record(c.container.resources).limits)["ephemeral-storage"] !== undefined) continue;
      limited = false;
      yield { message: `container '${c.name}' has no ephemeral-storage limit`, path: [...c.path, "resources"] };
    }
    // With every container limited, emptyDir usage counts against those limits.
    if (limited) return;
    const volumes = list(pod.spec.volumes);
    for (let i = 0; i < volumes.length; i++) {
      const v = record(volumes[i]);
      if (v.emptyDir !== undefined && record(v.emptyDir).sizeLimit === undefined && record(v.emptyDir).medium !== "Memory") {
        yield { message: `emptyDir volume '${String(v.name ?? i)}' has no sizeLimit`, path: [...pod.specPath, "volumes", i, "emptyDir"] };
      }
    }
  },
};
