import type { DockerRule } from "../../types.js";
import { commands, debInstall, runs, stagesInFinalImage } from "./helpers.js";

export const slwDf009: DockerRule = {
  id: "SLW-DF-009",
  area: "dockerfile",
  title: "Package lists left in the image",
  severity: "low",
  category: "efficiency",
  rationale: "apt's package lists (tens of MB) stay in the layer unless removed in the same RUN that created them.",
  remediation: "Remove /var/lib/apt/lists in the RUN that installs (or use a cache mount).",
  snippet: "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
  peers: { hadolint: [{ id: "DL3009", relation: "same" }] },
  *check(df) {
    const kept = stagesInFinalImage(df);
    for (const ins of runs(df)) {
      // Lists left in a build stage that is only copied from never reach the image.
      if (!kept.has(ins.stage)) continue;
      const cmds = commands(ins);
      const installs = cmds.some((c) => debInstall.test(c));
      const cleans =
        cmds.some((c) => /rm\s+-[a-z]*r[a-z]*f?[a-z]*\s+.*\/var\/lib\/apt\/lists/.test(c)) ||
        ins.flags.get("mount")?.includes("/var/lib/apt") === true;
      if (installs && !cleans) yield { message: "apt-get install without removing /var/lib/apt/lists in the same RUN", line: ins.line };
    }
  },
};
