import type { DockerRule } from "../../types.js";

export const slwDf016: DockerRule = {
  id: "SLW-DF-016",
  area: "dockerfile",
  title: "Relative WORKDIR",
  severity: "low",
  category: "operability",
  rationale: "A relative WORKDIR depends on every earlier WORKDIR, including the base image's; a base image change moves the app.",
  remediation: "Use an absolute path.",
  snippet: "WORKDIR /app",
  peers: {
    checkov: [{ id: "CKV_DOCKER_10", relation: "same" }],
    trivy: [{ id: "DS-0009", relation: "same" }],
    hadolint: [{ id: "DL3000", relation: "same" }],
  },
  *check(df) {
    for (const ins of df.instructions) {
      const dir = ins.rest.trim().replace(/^["']|["']$/g, "");
      if (ins.keyword === "WORKDIR" && !dir.startsWith("/") && !dir.startsWith("$") && !/^[A-Za-z]:[\\/]/.test(dir))
        yield { message: `WORKDIR ${dir} is relative`, line: ins.line };
    }
  },
};
