import type { CiRule } from "../../types.js";
import { ghaEvents, ghaSteps } from "./helpers.js";

export const slwCi005: CiRule = {
  id: "SLW-CI-005",
  area: "ci",
  title: "pull_request_target checks out the pull request",
  severity: "critical",
  category: "security",
  rationale:
    "pull_request_target runs with the base repository's secrets and write token; checking out and running the pull request's code hands both to any outside contributor.",
  remediation: "Use pull_request for building untrusted code, or never check out the head ref in a pull_request_target workflow.",
  snippet: "on:\n  pull_request:\n    branches: [main]",
  peers: {},
  *check(ci) {
    if (!ghaEvents(ci).includes("pull_request_target")) return;
    for (const s of ghaSteps(ci)) {
      const uses = String(s.step.uses ?? "");
      const ref = JSON.stringify(s.step.with ?? {});
      if (/actions\/checkout/.test(uses) && /github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|refs\/pull\//.test(ref)) {
        yield { message: "checks out the pull request's code in a pull_request_target workflow", path: [...s.path, "with"] };
      }
      if (typeof s.step.run === "string" && /(gh pr checkout|git (fetch|checkout)[^\n]*(pull\/|head_ref|head\.sha))/.test(s.step.run)) {
        yield { message: "fetches the pull request's code in a pull_request_target workflow", path: [...s.path, "run"] };
      }
    }
  },
};
