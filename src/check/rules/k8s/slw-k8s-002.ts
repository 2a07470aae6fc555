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
    polaris: [{ id: "runAsPrivileged", relation: "same" }],
    kubeScore: [{ id: "container-security-context-privileged", relation: "same" }],
    kubeLinter: [{ id: "privileged-container", relation: "same" }],
    checkov: [{ id: "CKV_K8S_16", relation: "same" }],
    trivy: [{ id: "KSV-0017", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      if (record(c.container.securityContext).privileged === true) {
        yield { message: `container '${c.name}' is privileged`, path: [...c.path, "securityContext", "privileged"] };
      }
    }
  },
};
