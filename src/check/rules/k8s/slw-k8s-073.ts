import type { KubeRule } from "../../types.js";
import { containersOf, list, podTemplateOf, record, selectedWorkloads } from "./pod.js";

export const slwK8s073: KubeRule = {
  id: "SLW-K8S-073",
  area: "kubernetes",
  title: "Service target port not declared by its pods",
  severity: "medium",
  category: "reliability",
  rationale:
    "A named targetPort resolves in each selected pod; a pod whose containers do not declare that name is left out of the Service's endpoints, so the Service sends it no traffic (or has no endpoints at all).",
  remediation: "Point targetPort at a port name (or number) the selected containers declare.",
  snippet:
    "# Service\nports:\n  - { name: http, port: 80, targetPort: http }\n# Deployment container\nports:\n  - { name: http, containerPort: 8080 }",
  peers: {},
  *check(s, ctx) {
    if (s.kind !== "Service") return;
    const spec = record(s.object.spec);
    if (spec.type === "ExternalName" || Object.keys(record(spec.selector)).length === 0) return;
    const workloads = selectedWorkloads(ctx, s.namespace, spec.selector);
    for (const [i, p] of list(spec.ports).map(record).entries()) {
      const target = p.targetPort ?? p.port;
      for (const w of workloads) {
        const pod = podTemplateOf(w);
        if (!pod) continue;
        const declared = containersOf(pod, { init: false }).flatMap((c) => list(c.container.ports).map(record));
        if (typeof target === "string" && !/^\d+$/.test(target)) {
          if (!declared.some((d) => d.name === target))
            yield { message: `targetPort '${target}' is not a port name any container of ${w.ref} declares`, path: ["spec", "ports", i] };
        } else if (declared.length > 0 && !declared.some((d) => String(d.containerPort) === String(target))) {
          // Undeclared numeric ports work; a pod that declares its ports but not this one is most likely a typo.
          yield {
            message: `targetPort ${String(target)} is not among the ports ${w.ref} declares (${declared.map((d) => String(d.containerPort)).join(", ")})`,
            path: ["spec", "ports", i],
          };
        }
      }
    }
  },
};
