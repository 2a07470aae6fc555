import type { DockerRule } from "../../types.js";
import { commands, runs } from "./helpers.js";

export const slwDf018: DockerRule = {
  id: "SLW-DF-018",
  area: "dockerfile",
  title: "apk add keeps its cache",
  severity: "low",
  category: "efficiency",
  rationale: "apk add without --no-cache leaves the package index in the layer.",
  remediation: "Use apk add --no-cache.",
  snippet: "RUN apk add --no-cache ca-certificates",
  peers: { trivy: [{ id: "DS-0025", relation: "same" }], hadolint: [{ id: "DL3019", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      if (
        commands(ins).some((c) => /\bapk\s+(.*\s)?add\b/.test(c) && !/--no-cache/.test(c)) &&
        !ins.flags.get("mount")?.includes("/var/cache/apk")
      ) {
        yield { message: "apk add without --no-cache", line: ins.line };
      }
    }
  },
};
