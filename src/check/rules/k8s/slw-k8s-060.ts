import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

export const slwK8s060: KubeRule = {
  id: "SLW-K8S-060",
  area: "kubernetes",
  title: "SSH port exposed",
  severity: "medium",
  category: "security",
  rationale: "An SSH server in a container is a second way in that bypasses the cluster's access control and audit log.",
  remediation: "Remove the SSH server and port; use `kubectl exec` (audited) for debugging.",
  snippet: "ports:\n  - { name: http, containerPort: 8080 }",
  peers: { kubeLinter: [{ id: "ssh-port", relation: "same" }] },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const ports = list(c.container.ports);
      for (let i = 0; i < ports.length; i++) {
        if (record(ports[i]).containerPort === 22)
          yield { message: `container '${c.name}' exposes port 22`, path: [...c.path, "ports", i, "containerPort"] };
      }
    }
  },
};
