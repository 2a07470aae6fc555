import type { DockerRule } from "../../types.js";
import { commands, runs } from "./helpers.js";

export const slwDf010: DockerRule = {
  id: "SLW-DF-010",
  area: "dockerfile",
  title: "Package index update in its own RUN",
  severity: "medium",
  category: "reliability",
  rationale:
    "A RUN with only `apt-get update` is cached: later installs use a stale index and fail (or install old versions) once mirrors move on.",
  remediation: "Update and install in the same RUN.",
  snippet: "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
  peers: {
    checkov: [{ id: "CKV_DOCKER_5", relation: "same" }],
    trivy: [{ id: "DS-0017", relation: "same" }],
  },
  *check(df) {
    for (const ins of runs(df)) {
      const cmds = commands(ins);
      const update = cmds.some((c) => /\b(apt-get|apt|aptitude|apk|yum|dnf|zypper)\s+(update|refresh)\b/.test(c));
      const install = cmds.some((c) => /\b(apt-get|apt|aptitude|apk|yum|dnf|zypper)\s+(.*\s)?(install|add|upgrade)\b/.test(c));
      if (update && !install) yield { message: "package index update without an install in the same RUN", line: ins.line };
    }
  },
};
