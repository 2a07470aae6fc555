import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

const dangerous = new Set([
  "ALL",
  "SYS_ADMIN",
  "NET_ADMIN",
  "NET_RAW",
  "SYS_PTRACE",
  "SYS_MODULE",
  "SYS_RAWIO",
  "DAC_READ_SEARCH",
  "BPF",
  "SYS_BOOT",
]);

export const slwK8s005: KubeRule = {
  id: "SLW-K8S-005",
  area: "kubernetes",
  title: "Dangerous capability added",
  severity: "high",
  category: "security",
  rationale:
    "Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE let a compromised process break out of the container or spy on others.",
  remediation: "Remove the capability from capabilities.add; NET_BIND_SERVICE is the only one a web app may need.",
  snippet: "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]",
  peers: {
    polaris: [{ id: "dangerousCapabilities", relation: "same" }],
    checkov: [
      {
        id: "CKV_K8S_25",
        relation: "looser",
        note: "flags only capabilities that break isolation (SYS_ADMIN, NET_ADMIN, \u2026); Checkov flags any added capability",
      },
      { id: "CKV_K8S_39", relation: "stricter", note: "flags every dangerous capability; CKV_K8S_39 only SYS_ADMIN" },
    ],
    trivy: [
      {
        id: "KSV-0022",
        relation: "looser",
        note: "flags only capabilities that break isolation (SYS_ADMIN, NET_ADMIN, \u2026); Trivy flags any non-default capability",
      },
      { id: "KSV-0005", relation: "stricter", note: "flags every dangerous capability; KSV-0005 only SYS_ADMIN" },
      { id: "KSV-0119", relation: "same" },
      { id: "KSV-0120", relation: "same" },
    ],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const add = list(record(record(c.container.securityContext).capabilities).add).map((x) =>
        String(x).toUpperCase().replace(/^CAP_/, ""),
      );
      const bad = add.filter((cap) => dangerous.has(cap));
      if (bad.length > 0) {
        yield { message: `container '${c.name}' adds ${bad.join(", ")}`, path: [...c.path, "securityContext", "capabilities", "add"] };
      }
    }
  },
};
