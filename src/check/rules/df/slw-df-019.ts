import type { DockerRule } from "../../types.js";

export const slwDf019: DockerRule = {
  id: "SLW-DF-019",
  area: "dockerfile",
  title: "Duplicate stage name",
  severity: "medium",
  category: "reliability",
  rationale: "Two stages with the same AS name make COPY --from ambiguous: the later one wins, silently.",
  remediation: "Give each stage its own name.",
  snippet: "FROM node:24-slim AS deps\n# …\nFROM node:24-slim AS build",
  peers: {
    checkov: [{ id: "CKV_DOCKER_11", relation: "same" }],
    trivy: [{ id: "DS-0012", relation: "same" }],
    hadolint: [{ id: "DL3024", relation: "same" }],
  },
  *check(df) {
    const seen = new Set<string>();
    for (const stage of df.stages) {
      if (!stage.alias) continue;
      if (seen.has(stage.alias)) yield { message: `stage name ${stage.alias} is used twice`, line: stage.from.line };
      seen.add(stage.alias);
    }
  },
};
