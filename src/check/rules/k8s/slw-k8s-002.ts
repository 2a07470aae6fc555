import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s002: KubeRule = {
  id: "SLW-K8S-002",
  area: "kubernetes",
  title: "Privileged container",
  severity: "critical",
  category: "security",
  rationale: "A privileged container has every capability and access to the host's devices: it is root on the node.",
  remediation: "Remove privileged: true; grant only the specific capability the process needs.",
  snippet: "securityContext:\n  privileged: false\n  capabilities:\n    drop: [ALL]",
  peers: {
    polaris: ["runAsPrivileged"],
    kubeScore: ["container-security-context-privileged"],
    kubeLinter: ["privileged-container"],
    checkov: ["CKV_K8S_16"],
    trivy: ["KSV-0017"],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      if (record(c.container.securityContext).privileged === true) {
        yield { message: `container '${c.name}' is privileged`, path: [...c.path, "securityContext", "privileged"] };
      }
    }
  },
};
