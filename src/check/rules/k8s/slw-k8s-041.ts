import type { KubeRule } from "../../types.js";
import { list, record } from "./pod.js";

export const slwK8s041: KubeRule = {
  id: "SLW-K8S-041",
  area: "kubernetes",
  title: "Ingress routes to a missing Service",
  severity: "medium",
  category: "reliability",
  rationale: "A backend naming no Service in the set answers 503 for its paths; usually a rename that was not carried over.",
  remediation: "Point the backend at an existing Service and one of its ports.",
  snippet: "backend:\n  service:\n    name: web\n    port: { name: http }",
  peers: { kubeScore: [{ id: "ingress-targets-service", relation: "same" }], kubeLinter: [{ id: "dangling-ingress", relation: "same" }] },
  *check(s, ctx) {
    if (s.kind !== "Ingress") return;
    const services = ctx.byKind("Service", s.namespace);
    const spec = record(s.object.spec);
    const check = (backend: unknown, path: (string | number)[]) => {
      const name = record(record(backend).service).name;
      if (typeof name === "string" && !services.some((svc) => svc.name === name))
        return { message: `backend Service '${name}' is not among the checked objects`, path };
      return undefined;
    };
    const d = check(spec.defaultBackend, ["spec", "defaultBackend"]);
    if (d) yield d;
    const rules = list(spec.rules);
    for (let i = 0; i < rules.length; i++) {
      const paths = list(record(record(rules[i]).http).paths);
      for (let j = 0; j < paths.length; j++) {
        const p = check(record(paths[j]).backend, ["spec", "rules", i, "http", "paths", j, "backend"]);
        if (p) yield p;
      }
    }
  },
};
