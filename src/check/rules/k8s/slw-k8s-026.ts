import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

export const slwK8s026: KubeRule = {
  id: "SLW-K8S-026",
  area: "kubernetes",
  title: "Probe port not exposed by the container",
  severity: "medium",
  category: "reliability",
  rationale: "A probe on a port name the container does not declare never succeeds: the pod never becomes ready, or is restarted forever.",
  remediation: "Use a port name or number from the container's ports list.",
  snippet: "ports:\n  - { name: http, containerPort: 8080 }\nreadinessProbe:\n  httpGet: { path: /ready, port: http }",
  peers: {
    kubeLinter: [
      { id: "liveness-port", relation: "same" },
      { id: "readiness-port", relation: "same" },
      { id: "startup-port", relation: "same" },
    ],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const ports = list(c.container.ports).map(record);
      const names = new Set(ports.map((p) => p.name).filter((n) => typeof n === "string"));
      for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        const p = record(c.container[probe]);
        for (const handler of ["httpGet", "tcpSocket", "grpc"]) {
          const port = record(p[handler]).port;
          // Numeric ports need not be declared; a name must resolve.
          if (typeof port === "string" && !/^\d+$/.test(port) && !names.has(port)) {
            yield {
              message: `container '${c.name}' ${probe} uses port '${port}', which the container does not declare`,
              path: [...c.path, probe, handler, "port"],
            };
          }
        }
      }
    }
  },
};
