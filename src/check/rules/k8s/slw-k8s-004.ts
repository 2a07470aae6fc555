import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

export const slwK8s004: KubeRule = {
  id: "SLW-K8S-004",
  area: "kubernetes",
  title: "Capabilities not dropped",
  severity: "medium",
  category: "security",
  rationale: "Container runtimes grant a default set of Linux capabilities (NET_RAW, CHOWN, SETUID, …) that a web app never needs.",
  remediation: "Drop ALL capabilities and add back only the one the process needs.",
  snippet: "securityContext:\n  capabilities:\n    drop: [ALL]",
  peers: {
    polaris: ["insecureCapabilities"],
    kubeLinter: ["drop-net-raw-capability"],
    checkov: ["CKV_K8S_37", "CKV_K8S_28"],
    trivy: ["KSV-0003", "KSV-0004"],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const drop = list(record(record(c.container.securityContext).capabilities).drop).map((x) => String(x).toUpperCase());
      if (!drop.includes("ALL")) {
        yield { message: `container '${c.name}' does not drop ALL capabilities`, path: [...c.path, "securityContext"] };
      }
    }
  },
};
