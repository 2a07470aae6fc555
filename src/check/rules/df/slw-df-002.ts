import type { DockerRule } from "../../types.js";
import { stagesInFinalImage } from "./helpers.js";

export const slwDf002: DockerRule = {
  id: "SLW-DF-002",
  area: "dockerfile",
  title: "Last USER is root",
  severity: "high",
  category: "security",
  rationale: "The last USER decides who the container runs as; USER root (or 0) at the end undoes an earlier non-root user.",
  remediation: "Switch back to the unprivileged user after the steps that need root.",
  snippet:
    "USER root\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 10001:10001",
  peers: {
    checkov: [{ id: "CKV_DOCKER_8", relation: "same" }],
    trivy: [{ id: "DS-0002", relation: "looser", note: "flags only a last USER root; a missing USER is SLW-DF-001" }],
    hadolint: [{ id: "DL3002", relation: "same" }],
  },
  *check(df) {
    // The final stage's last USER, or, when it sets none, the one it inherits from the stage it is built FROM.
    const chain = [...stagesInFinalImage(df)].sort((a, b) => b - a);
    const last = chain.map((k) => df.stages[k]?.instructions.filter((i) => i.keyword === "USER").at(-1)).find((u) => u !== undefined);
    if (last && /^(root|0)(:.*)?$/.test(last.rest.trim())) yield { message: `the final USER is ${last.rest.trim()}`, line: last.line };
  },
};
