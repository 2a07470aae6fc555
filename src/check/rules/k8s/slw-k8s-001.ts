import type { KubeRule } from "../../types.js";
import { eachContainer, securitySetting } from "./pod.js";

export const slwK8s001: KubeRule = {
  id: "SLW-K8S-001",
  area: "kubernetes",
  title: "Container may run as root",
  severity: "high",
  category: "security",
  rationale:
    "Without runAsNonRoot (or a non-zero runAsUser) the container runs as whatever user the image names, usually root; a container escape then starts with root on the node.",
  remediation: "Require a non-root user in the pod or container security context.",
  snippet: "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n  runAsGroup: 10001",
  peers: {
    polaris: [{ id: "runAsRootAllowed", relation: "same" }],
    kubeLinter: [{ id: "run-as-non-root", relation: "same" }],
    checkov: [{ id: "CKV_K8S_23", relation: "same" }],
    trivy: [{ id: "KSV-0012", relation: "same" }],
  },
  *check(s) {
    for (const { pod, c } of eachContainer(s)) {
      const nonRoot = securitySetting(pod, c, "runAsNonRoot");
      const user = securitySetting(pod, c, "runAsUser");
      if (nonRoot === true || (typeof user === "number" && user > 0)) continue;
      yield { message: `container '${c.name}' may run as root: set runAsNonRoot: true`, path: [...c.path, "securityContext"] };
    }
  },
};
