import type { DockerRule } from "../../types.js";
import { runs } from "./helpers.js";
import { apk, unpinnedPackages } from "./packages.js";

export const slwDf023: DockerRule = {
  id: "SLW-DF-023",
  area: "dockerfile",
  title: "Apk packages not pinned",
  severity: "low",
  category: "reliability",
  rationale:
    "An unpinned apk add takes whatever the Alpine mirror holds on the day of the build: two builds of one commit can ship different packages.",
  remediation: "Pin each package (name=version), or a compatible range (name~1.2).",
  snippet: "RUN apk add --no-cache curl=8.14.1-r1",
  peers: { hadolint: [{ id: "DL3018", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      const unpinned = unpinnedPackages(ins, apk);
      if (unpinned.length === 0) continue;
      const list = unpinned.slice(0, 5).join(", ") + (unpinned.length > 5 ? ` and ${unpinned.length - 5} more` : "");
      yield { message: `apk add names ${list} without a version`, line: ins.line };
    }
  },
};
