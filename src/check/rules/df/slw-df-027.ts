import type { DockerRule } from "../../types.js";
import { commands, runs } from "./helpers.js";

export const slwDf027: DockerRule = {
  id: "SLW-DF-027",
  area: "dockerfile",
  title: "cd in RUN instead of WORKDIR",
  severity: "low",
  category: "operability",
  rationale:
    "A cd lasts only for its own RUN: the next instruction starts back in the WORKDIR, which is easy to forget when the file is edited later, and readers cannot see at a glance where commands run.",
  remediation: "Set the directory with WORKDIR (or use the tool's own directory option, such as make -C or npm --prefix).",
  snippet: "WORKDIR /src/app\nRUN make install",
  peers: { hadolint: [{ id: "DL3003", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      const cd = commands(ins).find((c) => /^(\(\s*)?cd(\s|$)/.test(c));
      if (cd !== undefined) yield { message: `RUN changes directory with '${cd.slice(0, 60)}'`, line: ins.line };
    }
  },
};
