import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

export const slwK8s061: KubeRule = {
  id: "SLW-K8S-061",
  area: "kubernetes",
  title: "Privileged port",
  severity: "low",
  category: "security",
  rationale: "Binding a port below 1024 needs root or NET_BIND_SERVICE inside the container; a non-root app should listen on a high port.",
  remediation: "Listen on a port ≥ 1024 and map it with the Service.",
  snippet: "ports:\n  - { name: http, containerPort: 8080 }   # Service port 80 → targetPort: http",
  peers: { kubeLinter: [{ id: "privileged-ports", relation: "same" }], trivy: [{ id: "KSV-0117", relation: "same" }] },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const ports = list(c.container.ports);
      for (let i = 0; i < ports.length; i++) {
        const port = record(ports[i]).containerPort;
        if (typeof port === "number" && port > 0 && port < 1024 && port !== 22) {
          yield { message: `container '${c.name}' listens on privileged port ${port}`, path: [...c.path, "ports", i, "containerPort"] };
        }
      }
    }
  },
};
