import type { DockerRule } from "../../types.js";
import { commands, debInstall, runs } from "./helpers.js";

export const slwDf008: DockerRule = {
  id: "SLW-DF-008",
  area: "dockerfile",
  title: "apt-get install pulls recommended packages",
  severity: "low",
  category: "efficiency",
  rationale: "Without --no-install-recommends apt installs suggested packages too: a larger image with more code to patch and scan.",
  remediation: "Add --no-install-recommends to apt-get install.",
  snippet: "RUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates \\\n && rm -rf /var/lib/apt/lists/*",
  peers: { trivy: [{ id: "DS-0029", relation: "same" }], hadolint: [{ id: "DL3015", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      if (
        commands(ins).some(
          (c) =>
            debInstall.test(c) && !/--no-install-recommends|APT::Install-Recommends=(false|0)|--without-recommends|\s-[a-zA-Z]*R/.test(c),
        )
      ) {
        yield { message: "apt-get install without --no-install-recommends", line: ins.line };
      }
    }
  },
};
