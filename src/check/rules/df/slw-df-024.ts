import type { DockerRule } from "../../types.js";
import { runs } from "./helpers.js";
import { pip, unpinnedPackages } from "./packages.js";

export const slwDf024: DockerRule = {
  id: "SLW-DF-024",
  area: "dockerfile",
  title: "Pip packages not pinned",
  severity: "low",
  category: "reliability",
  rationale:
    "An unpinned pip install takes the newest release on PyPI at build time, dependencies included: a new release (or a hijacked one) lands in the image without a change on your side.",
  remediation: "Pin versions (name==1.2.3), or install from a requirements file with pinned versions and hashes.",
  snippet: "RUN pip install --no-cache-dir -r requirements.txt   # name==version lines, ideally with --require-hashes",
  peers: { hadolint: [{ id: "DL3013", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      const unpinned = unpinnedPackages(ins, pip);
      if (unpinned.length === 0) continue;
      const list = unpinned.slice(0, 5).join(", ") + (unpinned.length > 5 ? ` and ${unpinned.length - 5} more` : "");
      yield { message: `pip install names ${list} without a version`, line: ins.line };
    }
  },
};
