import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

/** Why a port name breaks the IANA service-name syntax Kubernetes enforces, or undefined when it is valid. */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return "is longer than 15 characters";
  if (!/^[a-z0-9-]+$/.test(name)) return "may only hold lower-case letters, digits and '-'";
  if (!/[a-z]/.test(name)) return "needs at least one letter";
  if (name.startsWith("-") || name.endsWith("-")) return "may not start or end with '-'";
  if (name.includes("--")) return "may not hold '--'";
  return undefined;
}

export const slwK8s074: KubeRule = {
  id: "SLW-K8S-074",
  area: "kubernetes",
  title: "Invalid port name or number",
  severity: "medium",
  category: "reliability",
  rationale:
    "Port names must be IANA service names (at most 15 lower-case letters, digits and single hyphens) and port numbers 1–65535: the API server rejects the object, and the deploy stops there.",
  remediation: "Rename the port (e.g. metrics-http → metrics) and use the same name as the Service's targetPort.",
  snippet: "ports:\n  - { name: metrics, containerPort: 9090 }",
  peers: { kubeLinter: [{ id: "invalid-target-ports", relation: "same" }] },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      for (const [i, p] of list(c.container.ports).map(record).entries()) {
        const problem = typeof p.name === "string" ? portNameProblem(p.name) : undefined;
        if (problem)
          yield { message: `container '${c.name}' port name '${p.name as string}' ${problem}`, path: [...c.path, "ports", i, "name"] };
      }
    }
    if (s.kind !== "Service") return;
    for (const [i, p] of list(record(s.object.spec).ports).map(record).entries()) {
      const target = p.targetPort;
      if (typeof target === "string" && !/^\d+$/.test(target)) {
        const problem = portNameProblem(target);
        if (problem) yield { message: `targetPort '${target}' ${problem}`, path: ["spec", "ports", i, "targetPort"] };
      } else if (target !== undefined) {
        const n = Number(target);
        if (!Number.isInteger(n) || n < 1 || n > 65535)
          yield { message: `targetPort ${String(target)} is not a port number (1–65535)`, path: ["spec", "ports", i, "targetPort"] };
      }
    }
  },
};
