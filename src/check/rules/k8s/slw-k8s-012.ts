import type { KubeRule } from "../../types.js";
import { list, podTemplateOf, record } from "./pod.js";

export const slwK8s012: KubeRule = {
  id: "SLW-K8S-012",
  area: "kubernetes",
  title: "hostPath volume",
  severity: "high",
  category: "security",
  rationale:
    "A hostPath volume mounts a folder of the node into the pod: it can read other pods' data or the node's credentials, and ties the pod to one node.",
  remediation: "Use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead of hostPath.",
  snippet: "volumes:\n  - name: cache\n    emptyDir: { sizeLimit: 256Mi }",
  peers: {
    polaris: [{ id: "hostPathSet", relation: "same" }],
    kubeLinter: [
      {
        id: "sensitive-host-mounts",
        relation: "stricter",
        note: "flags every hostPath volume; kube-linter only host paths on its sensitive list",
      },
      { id: "writable-host-mount", relation: "stricter", note: "flags read-only hostPath mounts too" },
    ],
    trivy: [{ id: "KSV-0023", relation: "same" }],
  },
  *check(s) {
    const pod = podTemplateOf(s);
    if (!pod) return;
    const volumes = list(pod.spec.volumes);
    for (let i = 0; i < volumes.length; i++) {
      const v = record(volumes[i]);
      const path = record(v.hostPath).path;
      if (v.hostPath !== undefined) {
        yield {
          message: `volume '${String(v.name ?? i)}' mounts host path ${String(path ?? "?")}`,
          path: [...pod.specPath, "volumes", i, "hostPath"],
        };
      }
    }
  },
};
