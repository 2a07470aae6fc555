import type { DockerRule } from "../../types.js";
import { sensitiveKey } from "../k8s/secrets.js";

export const slwDf007: DockerRule = {
  id: "SLW-DF-007",
  area: "dockerfile",
  title: "Secret in ENV or ARG",
  severity: "high",
  category: "security",
  rationale:
    "ENV values are baked into the image and ARG values into its history: `docker history` and anyone who pulls the image can read them.",
  remediation: "Pass build secrets with RUN --mount=type=secret and runtime secrets through the orchestrator's secret store.",
  snippet: "RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci",
  peers: { trivy: [{ id: "DS-0031", relation: "same" }] },
  *check(df) {
    for (const ins of df.instructions) {
      if (ins.keyword !== "ENV" && ins.keyword !== "ARG") continue;
      const pairs = ins.rest.match(/([A-Za-z_][A-Za-z0-9_]*)(=("[^"]*"|'[^']*'|\S*))?/g) ?? [];
      const legacy = ins.keyword === "ENV" && !ins.rest.includes("=") ? [ins.rest.split(/\s+/)[0] ?? ""] : [];
      for (const pair of [...pairs, ...legacy]) {
        const name = pair.split("=")[0] ?? "";
        if (!sensitiveKey.test(name)) continue;
        const value = pair.includes("=") ? pair.slice(name.length + 1).replace(/^["']|["']$/g, "") : "";
        // ARG NAME without a default is still a build-arg secret that lands in the history.
        if (ins.keyword === "ARG" || value !== "") {
          yield { message: `${ins.keyword} ${name} holds a secret in the image`, line: ins.line };
          break;
        }
      }
    }
  },
};
