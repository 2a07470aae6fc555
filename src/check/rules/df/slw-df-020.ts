import type { DockerRule } from "../../types.js";
import { commands, debInstall, runs } from "./helpers.js";

/**
 * -y, --yes, --assume-yes (or the APT option), or quiet level 2 (-qq, -q -q, -q=2, --quiet=2),
 * which apt-get documents as implying -y.
 */
function assumesYes(command: string): boolean {
  if (/\s(-[a-zA-Z]*y[a-zA-Z]*|--yes|--assume-yes|--force-yes)(?=\s|$)/.test(command)) return true;
  if (/APT::Get::Assume-Yes=(true|1|yes)/i.test(command)) return true;
  if (!/\bapt-get\b/.test(command)) return false;
  let quiet = 0;
  for (const word of command.split(/\s+/)) {
    const level = /^(?:-q=|--quiet=)(\d+)$/.exec(word);
    if (level) quiet = Math.max(quiet, Number(level[1]));
    else if (word === "--quiet") quiet++;
    else if (/^-[a-zA-Z]+$/.test(word)) quiet += (word.match(/q/g) ?? []).length;
  }
  return quiet >= 2;
}

export const slwDf020: DockerRule = {
  id: "SLW-DF-020",
  area: "dockerfile",
  title: "apt-get install without -y",
  severity: "medium",
  category: "reliability",
  rationale: "Without -y apt-get asks for confirmation; with no terminal the build fails (or hangs in some builders).",
  remediation: "Pass -y (or --yes).",
  snippet: "RUN apt-get install -y --no-install-recommends curl",
  peers: { trivy: [{ id: "DS-0021", relation: "same" }], hadolint: [{ id: "DL3014", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      if (commands(ins).some((c) => debInstall.test(c) && !assumesYes(c))) {
        yield { message: "apt-get install without -y", line: ins.line };
      }
    }
  },
};
