import type { KubeRule, KubeSubject, Problem } from "../../types.js";
import { list, record } from "./pod.js";

export const slwK8s041: KubeRule = {
  id: "SLW-K8S-041",
  area: "kubernetes",
  title: "Ingress routes to a missing Service",
  severity: "medium",
  category: "reliability",
  rationale:
    "A backend naming no Service in the set, or a port that Service does not have, answers 503 for its paths; usually a rename that was not carried over.",
  remediation: "Point the backend at an existing Service and one of its ports.",
  snippet: "backend:\n  service:\n    name: web\n    port: { name: http }",
  peers: { kubeScore: [{ id: "ingress-targets-service", relation: "same" }], kubeLinter: [{ id: "dangling-ingress", relation: "same" }] },
  *check(s, ctx) {
    if (s.kind !== "Ingress") return;
    const services = ctx.byKind("Service", s.namespace);
    const v1 = s.apiVersion === "networking.k8s.io/v1";
    const spec = record(s.object.spec);
    const d = checkBackend(services, spec.defaultBackend ?? spec.backend, ["spec", spec.defaultBackend ? "defaultBackend" : "backend"], v1);
    if (d) yield d;
    const rules = list(spec.rules);
    for (let i = 0; i < rules.length; i++) {
      const paths = list(record(record(rules[i]).http).paths);
      for (let j = 0; j < paths.length; j++) {
        const p = checkBackend(services, record(paths[j]).backend, ["spec", "rules", i, "http", "paths", j, "backend"], v1);
        if (p) yield p;
      }
    }
  },
};

/**
 * A backend in either shape: networking.k8s.io/v1 (`service: {name, port: {name | number}}`) or the
 * older extensions/v1beta1 and networking.k8s.io/v1beta1 (`serviceName`, `servicePort` name or number).
 * The older fields in a networking.k8s.io/v1 Ingress are not fields of that version: the backend is
 * empty there. Resource backends (`resource:`) name no Service and are left alone.
 */
function checkBackend(services: readonly KubeSubject[], backend: unknown, path: (string | number)[], isV1: boolean): Problem | undefined {
  const b = record(backend);
  if (isV1 && b.service === undefined && b.resource === undefined && b.serviceName !== undefined)
    return { message: "backend uses serviceName, which networking.k8s.io/v1 does not have (use service.name and service.port)", path };
  const v1 = record(b.service);
  const name = v1.name ?? b.serviceName;
  if (typeof name !== "string") return undefined;
  const svc = services.find((x) => x.name === name);
  if (!svc) return { message: `backend Service '${name}' is not among the checked objects`, path };
  const v1Port = record(v1.port);
  const port = v1.name !== undefined ? (v1Port.name ?? v1Port.number) : b.servicePort;
  if (port === undefined || port === null) return undefined;
  const ports = list(record(svc.object.spec).ports).map(record);
  const wanted = typeof port === "string" && /^\d+$/.test(port) ? Number(port) : port;
  const found = ports.some((p) => (typeof wanted === "number" ? p.port === wanted : p.name === wanted));
  if (!found) return { message: `backend port ${JSON.stringify(port)} is not a port of Service '${name}'`, path };
  return undefined;
}
