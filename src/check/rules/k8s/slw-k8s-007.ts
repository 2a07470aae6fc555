import type { KubeRule } from "../../types.js";
import { eachContainer, record, securitySetting } from "./pod.js";

export const slwK8s007: KubeRule = {
  id: "SLW-K8S-007",
  area: "kubernetes",
  title: "No seccomp profile",
  severity: "medium",
  category: "security",
  rationale:
    "Without a seccomp profile the container may call every system call the kernel offers, including rarely used ones with known exploits.",
  remediation: "Use the runtime's default seccomp profile for the pod.",
  snippet: "securityContext:\n  seccompProfile:\n    type: RuntimeDefault",
  peers: {
    polaris: [
      {
        id: "linuxHardening",
        relation: "stricter",
        note: "requires a seccomp profile; Polaris also accepts AppArmor, SELinux options or dropped capabilities instead",
      },
    ],
    kubeScore: [{ id: "container-seccomp-profile", relation: "same" }],
    checkov: [
      {
        id: "CKV_K8S_31",
        relation: "stricter",
        note: "accepts only the seccompProfile field; CKV_K8S_31 also accepts the deprecated seccomp.security.alpha.kubernetes.io annotations",
      },
    ],
    trivy: [
      { id: "KSV-0030", relation: "same" },
      { id: "KSV-0104", relation: "same" },
    ],
  },
  *check(s) {
    for (const { pod, c } of eachContainer(s)) {
      const type = record(securitySetting(pod, c, "seccompProfile")).type;
      if (type !== "RuntimeDefault" && type !== "Localhost") {
        yield { message: `container '${c.name}' runs without a seccomp profile (RuntimeDefault)`, path: [...c.path, "securityContext"] };
      }
    }
  },
};
