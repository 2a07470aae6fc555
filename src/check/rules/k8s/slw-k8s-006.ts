import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s006: KubeRule = {
  id: "SLW-K8S-006",
  area: "kubernetes",
  title: "Writable root filesystem",
  severity: "medium",
  category: "security",
  rationale: "A writable root filesystem lets an attacker drop tools or change the app's code inside the running container.",
  remediation: "Set readOnlyRootFilesystem: true and mount an emptyDir where the app must write (e.g. /tmp).",
  snippet: "securityContext:\n  readOnlyRootFilesystem: true\nvolumeMounts:\n  - { name: tmp, mountPath: /tmp }",
  peers: {
    polaris: [{ id: "notReadOnlyRootFilesystem", relation: "same" }],
    kubeScore: [{ id: "container-security-context-readonlyrootfilesystem", relation: "same" }],
    kubeLinter: [{ id: "no-read-only-root-fs", relation: "same" }],
    checkov: [{ id: "CKV_K8S_22", relation: "same" }],
    trivy: [{ id: "KSV-0014", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      if (record(c.container.securityContext).readOnlyRootFilesystem !== true) {
        yield { message: `container '${c.name}' has a writable root filesystem`, path: [...c.path, "securityContext"] };
      }
    }
  },
};
