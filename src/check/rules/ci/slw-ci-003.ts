import type { CiRule } from "../../types.js";
import { ghaJobs } from "./helpers.js";

export const slwCi003: CiRule = {
  id: "SLW-CI-003",
  area: "ci",
  title: "Workflow token permissions not set",
  severity: "medium",
  category: "security",
  rationale:
    "Without a permissions block the GITHUB_TOKEN gets the repository's default, which is read-write on older repositories and organisations: any step can push code or releases.",
  remediation: "Set read-only permissions at the top and grant more per job only where needed.",
  snippet: "permissions:\n  contents: read",
  peers: {},
  *check(ci) {
    if (ci.system !== "github-actions" || ci.data.permissions !== undefined) return;
    const jobs = ghaJobs(ci);
    const open = jobs.filter((j) => j.job.permissions === undefined);
    if (open.length > 0)
      yield { message: `no top-level permissions, and job(s) ${open.map((j) => j.id).join(", ")} set none`, path: ["jobs"] };
  },
};
