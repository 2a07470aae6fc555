import type { KubeRule } from "../../types.js";
import { eachContainer, securitySetting } from "./pod.js";

export const slwK8s014: KubeRule = {
  id: "SLW-K8S-014",
  area: "kubernetes",
  title: "Low user or group ID",
  severity: "low",
  category: "security",
  rationale:
    "UIDs and GIDs up to 10000 often exist on the node; a container that escapes as one of them may own files of a real node user.",
  remediation: "Run as a UID and GID above 10000.",
  snippet: "securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001",
  peers: {
    kubeScore: [{ id: "container-security-context-user-group-id", relation: "same" }],
    checkov: [{ id: "CKV_K8S_40", relation: "same" }],
    trivy: [
      { id: "KSV-0020", relation: "same" },
      { id: "KSV-0021", relation: "same" },
    ],
  },
  *check(s) {
    for (const { pod, c } of eachContainer(s)) {
      for (const key of ["runAsUser", "runAsGroup"]) {
        const id = securitySetting(pod, c, key);
        if (typeof id === "number" && id > 0 && id <= 10000) {
          yield { message: `container '${c.name}' runs with ${key} ${id} (≤ 10000)`, path: [...c.path, "securityContext"] };
        } else if (id === undefined) {
          yield { message: `container '${c.name}' does not set ${key}`, path: [...c.path, "securityContext"] };
        }
      }
    }
  },
};
