import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s003: KubeRule = {
  id: "SLW-K8S-003",
  area: "kubernetes",
  title: "Privilege escalation allowed",
  severity: "high",
  category: "security",
  rationale:
    "allowPrivilegeEscalation defaults to true: a setuid binary in the image can gain more privileges than the process started with.",
  remediation: "Set allowPrivilegeEscalation: false on every container.",
  snippet: "securityContext:\n  allowPrivilegeEscalation: false",
  peers: {
    polaris: [{ id: "privilegeEscalationAllowed", relation: "same" }],
    kubeLinter: [{ id: "privilege-escalation-container", relation: "same" }],
    checkov: [{ id: "CKV_K8S_20", relation: "same" }],
    trivy: [{ id: "KSV-0001", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      if (record(c.container.securityContext).allowPrivilegeEscalation !== false) {
        yield { message: `container '${c.name}' does not set allowPrivilegeEscalation: false`, path: [...c.path, "securityContext"] };
      }
    }
  },
};
