import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

export const slwK8s053: KubeRule = {
  id: "SLW-K8S-053",
  area: "kubernetes",
  title: "Duplicate environment variable",
  severity: "medium",
  category: "reliability",
  rationale: "When a name appears twice the last entry wins silently; server-side apply rejects the object outright.",
  remediation: "Keep one entry per name.",
  snippet: "env:\n  - { name: LOG_LEVEL, value: info }   # once",
  peers: {
    kubeScore: [{ id: "environment-variable-key-duplication", relation: "same" }],
    kubeLinter: [{ id: "duplicate-env-var", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const seen = new Set<string>();
      const env = list(c.container.env);
      for (let i = 0; i < env.length; i++) {
        const name = record(env[i]).name;
        if (typeof name !== "string") continue;
        if (seen.has(name)) yield { message: `container '${c.name}' sets ${name} more than once`, path: [...c.path, "env", i, "name"] };
        seen.add(name);
      }
    }
  },
};
