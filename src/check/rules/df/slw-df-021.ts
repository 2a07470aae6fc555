import type { DockerRule } from "../../types.js";

export const slwDf021: DockerRule = {
  id: "SLW-DF-021",
  area: "dockerfile",
  title: "Deprecated MAINTAINER",
  severity: "low",
  category: "operability",
  rationale: "MAINTAINER is deprecated; tools read the maintainer from an OCI label.",
  remediation: "Use a LABEL.",
  snippet: 'LABEL org.opencontainers.image.authors="team@example.com"',
  peers: {
    checkov: [{ id: "CKV_DOCKER_6", relation: "same" }],
    trivy: [{ id: "DS-0022", relation: "same" }],
    hadolint: [{ id: "DL4000", relation: "same" }],
  },
  *check(df) {
    for (const ins of df.instructions) if (ins.keyword === "MAINTAINER") yield { message: "MAINTAINER is deprecated", line: ins.line };
  },
};
