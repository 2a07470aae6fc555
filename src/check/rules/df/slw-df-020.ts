import type { DockerRule } from "../../types.js";
import { commands, runs } from "./helpers.js";

export const slwDf020: DockerRule = {
  id: "SLW-DF-020",
  area: "dockerfile",
  title: "apt-get install without -y",
  severity: "medium",
  category: "reliability",
  rationale: "Without -y apt-get asks for confirmation; with no terminal the build fails (or hangs in some builders).",
  remediation: "Pass -y (or --yes).",
  snippet: "RUN apt-get install -y --no-install-recommends curl",
  peers: { trivy: [{ id: "DS-0021", relation: "same" }], hadolint: [{ id: "DL3014", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      if (commands(ins).some((c) => /\bapt-get\s+(.*\s)?install\b/.test(c) && !/(\s-[a-z]*y[a-z]*\b|--yes|--assume-yes|-qq)/.test(c))) {
        yield { message: "apt-get install without -y", line: ins.line };
      }
    }
  },
};
