import type { DockerInstruction, DockerRule } from "../../types.js";
import { commands } from "./helpers.js";

const flagsOf = (ins: DockerInstruction) => [...ins.flags].map(([k, v]) => `${k}=${v}`).join(" ");

export const slwDf028: DockerRule = {
  id: "SLW-DF-028",
  area: "dockerfile",
  title: "Consecutive short RUN instructions",
  severity: "low",
  category: "efficiency",
  rationale:
    "Every RUN adds a layer; back-to-back one-command RUNs make a larger image and a longer pull, and a file deleted in a later RUN still ships in the earlier layer.",
  remediation: "Join consecutive RUNs with &&, unless they are split on purpose (different --mount flags, or a cache boundary).",
  snippet: "RUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*",
  peers: {
    hadolint: [
      {
        id: "DL3059",
        relation: "stricter",
        note: "also flags RUNs of two chained commands; DL3059 only RUNs of a single command",
      },
    ],
  },
  *check(df) {
    // Longer RUNs (more than two commands) read as deliberate splits, and so do RUNs with different flags.
    let previous: DockerInstruction | undefined;
    for (const ins of df.instructions) {
      if (ins.keyword !== "RUN") {
        previous = undefined;
        continue;
      }
      if (
        previous !== undefined &&
        previous.stage === ins.stage &&
        flagsOf(previous) === flagsOf(ins) &&
        commands(previous).length <= 2 &&
        commands(ins).length <= 2
      )
        yield { message: `RUN follows the RUN on line ${previous.line}; they could be one layer`, line: ins.line };
      previous = ins;
    }
  },
};
