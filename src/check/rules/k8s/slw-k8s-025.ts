import type { KubeRule } from "../../types.js";
import { eachContainer, record } from "./pod.js";

/** Path segments that by convention check dependencies (databases, queues), not the process. */
const dependent = /^(ready|readyz|readiness|database|dependencies|deep)$/i;

export const slwK8s025: KubeRule = {
  id: "SLW-K8S-025",
  area: "kubernetes",
  title: "Liveness probe checks dependencies",
  severity: "medium",
  category: "reliability",
  rationale:
    "A liveness probe on a readiness or database endpoint restarts every pod when the database is slow or down — turning a dependency outage into an app outage that lasts longer.",
  remediation: "Point the liveness probe at an endpoint that checks only the process (or use a TCP check).",
  snippet: "livenessProbe:\n  httpGet: { path: /up, port: http }   # never touches the database",
  peers: {},
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const path = record(record(c.container.livenessProbe).httpGet).path;
      if (typeof path !== "string") continue;
      const segments = path.split(/[/?#]/).filter((x) => x !== "");
      if (segments.some((seg) => dependent.test(seg))) {
        yield {
          message: `container '${c.name}' liveness probe calls ${path}, which looks like a dependency check`,
          path: [...c.path, "livenessProbe", "httpGet", "path"],
        };
      }
    }
  },
};
