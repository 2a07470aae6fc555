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
    polaris: [{ id: "insecureCapabilities", relation: "same" }],
    kubeLinter: [
      {
        id: "drop-net-raw-capability",
        relation: "stricter",
        note: "requires drop: [ALL]; kube-linter only requires NET_RAW to be dropped",
      },
    ],
    checkov: [
      { id: "CKV_K8S_37", relation: "same" },
      { id: "CKV_K8S_28", relation: "stricter", note: "requires drop: [ALL]; CKV_K8S_28 only requires NET_RAW to be dropped" },
    ],
    trivy: [
      { id: "KSV-0003", relation: "same" },
      { id: "KSV-0004", relation: "same" },
    ],
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
