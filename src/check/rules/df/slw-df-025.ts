import type { DockerRule } from "../../types.js";
import { runs } from "./helpers.js";
import { npm, unpinnedPackages } from "./packages.js";

export const slwDf025: DockerRule = {
  id: "SLW-DF-025",
  area: "dockerfile",
  title: "Npm packages not pinned",
  severity: "low",
  category: "reliability",
  rationale:
    "npm install <name> takes the newest release at build time (a new release, or a hijacked one, lands in the image unreviewed); a lockfile install does not.",
  remediation: "Install from the lockfile with npm ci, or pin each package (name@1.2.3).",
  snippet: "COPY package.json package-lock.json ./\nRUN npm ci --omit=dev",
  peers: { hadolint: [{ id: "DL3016", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      const unpinned = unpinnedPackages(ins, npm);
      if (unpinned.length === 0) continue;
      const list = unpinned.slice(0, 5).join(", ") + (unpinned.length > 5 ? ` and ${unpinned.length - 5} more` : "");
      yield { message: `npm install names ${list} without a version`, line: ins.line };
    }
  },
};
