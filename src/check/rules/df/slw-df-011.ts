import type { DockerRule } from "../../types.js";
import { finalStage } from "./helpers.js";

export const slwDf011: DockerRule = {
  id: "SLW-DF-011",
  area: "dockerfile",
  title: "Shell-form CMD or ENTRYPOINT",
  severity: "medium",
  category: "reliability",
  rationale:
    "The shell form runs the app under /bin/sh -c, which does not forward SIGTERM: the app is killed after the grace period instead of shutting down cleanly.",
  remediation: "Use the exec (JSON) form, or `exec` the app from the script.",
  snippet: 'CMD ["node", "server.js"]',
  peers: { hadolint: [{ id: "DL3025", relation: "same" }] },
  *check(df) {
    const stage = finalStage(df);
    if (!stage) return;
    const entry = stage.instructions.filter((i) => i.keyword === "ENTRYPOINT").pop();
    const cmd = stage.instructions.filter((i) => i.keyword === "CMD").pop();
    // With an exec-form ENTRYPOINT, a shell-form CMD is only its arguments.
    const target = entry ?? cmd;
    if (target && target.json === undefined && !/^exec\s/.test(target.rest.trim()))
      yield { message: `${target.keyword} uses the shell form; signals do not reach the app`, line: target.line };
  },
};
