import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

export const slwK8s011: KubeRule = {
  id: "SLW-K8S-011",
  area: "kubernetes",
  title: "Host port used",
  severity: "medium",
  category: "security",
  rationale:
    "A hostPort binds the node's own address: it bypasses network policies, limits where the pod can be scheduled and exposes it outside the cluster network.",
  remediation: "Remove hostPort and reach the pod through a Service.",
  snippet: "ports:\n  - { name: http, containerPort: 8080 }   # no hostPort",
  peers: {
    polaris: [{ id: "hostPortSet", relation: "same" }],
    checkov: [{ id: "CKV_K8S_26", relation: "same" }],
    trivy: [{ id: "KSV-0024", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const ports = list(c.container.ports);
      for (let i = 0; i < ports.length; i++) {
        const hostPort = record(ports[i]).hostPort;
        if (hostPort !== undefined && hostPort !== 0) {
          yield { message: `container '${c.name}' binds host port ${String(hostPort)}`, path: [...c.path, "ports", i, "hostPort"] };
        }
      }
    }
  },
};
