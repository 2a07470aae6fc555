import type { DockerRule } from "../../types.js";
import { commands, runs } from "./helpers.js";

export const slwDf014: DockerRule = {
  id: "SLW-DF-014",
  area: "dockerfile",
  title: "sudo in RUN",
  severity: "medium",
  category: "security",
  rationale: "sudo in a build means the image ships sudo and a user allowed to use it, which defeats running as non-root.",
  remediation: "Run the privileged step as USER root, then switch back.",
  snippet: "USER root\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nUSER 10001",
  peers: {
    checkov: [{ id: "CKV2_DOCKER_1", relation: "same" }],
    trivy: [{ id: "DS-0010", relation: "same" }],
    hadolint: [{ id: "DL3004", relation: "same" }],
  },
  *check(df) {
    for (const ins of runs(df)) if (commands(ins).some((c) => /(^|\s)sudo\s/.test(c))) yield { message: "RUN uses sudo", line: ins.line };
  },
};
