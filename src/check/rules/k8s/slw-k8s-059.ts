import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

export const slwK8s059: KubeRule = {
  id: "SLW-K8S-059",
  area: "kubernetes",
  title: "Unmasked /proc",
  severity: "high",
  category: "security",
  rationale: "procMount: Unmasked exposes kernel interfaces under /proc that the runtime normally hides from containers.",
  remediation: "Remove procMount or set it to Default.",
  snippet: "securityContext:\n  procMount: Default",
  peers: {
    polaris: [{ id: "procMount", relation: "same" }],
    kubeLinter: [{ id: "unsafe-proc-mount", relation: "same" }],
    trivy: [{ id: "KSV-0027", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const mount = record(c.container.securityContext).procMount;
      if (mount !== undefined && mount !== "Default")
        yield { message: `container '${c.name}' uses procMount ${String(mount)}`, path: [...c.path, "securityContext", "procMount"] };
    }
  },
};
