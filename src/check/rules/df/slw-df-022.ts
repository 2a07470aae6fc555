import type { DockerRule } from "../../types.js";
import { runs } from "./helpers.js";
import { apt, unpinnedPackages } from "./packages.js";

export const slwDf022: DockerRule = {
  id: "SLW-DF-022",
  area: "dockerfile",
  title: "Apt packages not pinned",
  severity: "low",
  category: "reliability",
  rationale:
    "An unpinned apt-get install takes whatever the mirror holds on the day of the build: two builds of one commit can ship different packages, and an upstream change breaks a build nobody touched.",
  remediation: "Pin each package to a version (name=version), or install from a pinned base image digest and accept its versions.",
  snippet:
    "RUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates=20230311 \\\n && rm -rf /var/lib/apt/lists/*",
  peers: { hadolint: [{ id: "DL3008", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      const unpinned = unpinnedPackages(ins, apt);
      if (unpinned.length === 0) continue;
      const list = unpinned.slice(0, 5).join(", ") + (unpinned.length > 5 ? ` and ${unpinned.length - 5} more` : "");
      yield { message: `apt-get install names ${list} without a version`, line: ins.line };
    }
  },
};
