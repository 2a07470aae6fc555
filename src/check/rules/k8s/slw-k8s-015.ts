import type { KubeRule } from "../../types.js";
import { eachContainer, securitySetting } from "./pod.js";

export const slwK8s015: KubeRule = {
  id: "SLW-K8S-015",
  area: "kubernetes",
  title: "Runs as UID or GID 0",
  severity: "high",
  category: "security",
  rationale: "runAsUser: 0 or runAsGroup: 0 asks for root explicitly, overriding a non-root USER in the image.",
  remediation: "Set a non-zero runAsUser and runAsGroup.",
  snippet: "securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001\n  runAsNonRoot: true",
  peers: {
    kubeScore: [
      {
        id: "container-security-context-user-group-id",
        relation: "looser",
        note: "UID or GID 0 only; kube-score's check also fails IDs up to 10000 and unset ones, which are SLW-K8S-014",
      },
    ],
    kubeLinter: [
      {
        id: "run-as-non-root",
        relation: "looser",
        note: "UID or GID 0 set explicitly; kube-linter's check also asks for runAsNonRoot, which is SLW-K8S-001",
      },
    ],
    trivy: [
      { id: "KSV-0105", relation: "same" },
      { id: "KSV-0116", relation: "same" },
    ],
  },
  *check(s) {
    for (const { pod, c } of eachContainer(s)) {
      for (const key of ["runAsUser", "runAsGroup"]) {
        if (securitySetting(pod, c, key) === 0)
          yield { message: `container '${c.name}' sets ${key}: 0 (root)`, path: [...c.path, "securityContext"] };
      }
    }
  },
};
