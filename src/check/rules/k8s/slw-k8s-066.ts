import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s066: KubeRule = {
  id: "SLW-K8S-066",
  area: "kubernetes",
  title: "Windows host process",
  severity: "high",
  category: "security",
  rationale: "A Windows hostProcess container runs directly on the node with the node's privileges.",
  remediation: "Remove windowsOptions.hostProcess.",
  snippet: "securityContext:\n  windowsOptions:\n    hostProcess: false",
  peers: { polaris: [{ id: "hostProcess", relation: "same" }], trivy: [{ id: "KSV-0103", relation: "same" }] },
  *check(s) {
    for (const { pod, c } of eachContainer(s)) {
      const own = record(record(c.container.securityContext).windowsOptions).hostProcess;
      const podLevel = record(record(pod.spec.securityContext).windowsOptions).hostProcess;
      if (own === true || (own === undefined && podLevel === true))
        yield { message: `container '${c.name}' is a Windows host process`, path: [...c.path, "securityContext"] };
    }
  },
};
