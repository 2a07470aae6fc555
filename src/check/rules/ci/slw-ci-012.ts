import type { CiRule } from "../../types.js";
import { ghaJobs } from "./helpers.js";

export const slwCi012: CiRule = {
  id: "SLW-CI-012",
  area: "ci",
  title: "Job without a timeout",
  severity: "low",
  category: "efficiency",
  rationale: "A hung GitHub Actions job runs for the default 6 hours, holding a runner (and a deploy lock) the whole time.",
  remediation: "Set timeout-minutes on each job.",
  snippet: "jobs:\n  test:\n    timeout-minutes: 20",
  peers: {},
  *check(ci) {
    for (const j of ghaJobs(ci)) {
      if (j.job["timeout-minutes"] === undefined && j.job.uses === undefined)
        yield { message: `job ${j.id} has no timeout-minutes`, path: j.path };
    }
  },
};
