import type { CiRule } from "../../types.js";
import { ghaJobs } from "./helpers.js";

export const slwCi004: CiRule = {
  id: "SLW-CI-004",
  area: "ci",
  title: "Token granted write-all",
  severity: "high",
  category: "security",
  rationale:
    "permissions: write-all lets every step — including third-party actions — push to the repository, publish packages and change settings.",
  remediation: "Grant only the scopes the job needs.",
  snippet: "permissions:\n  contents: read\n  id-token: write",
  peers: {
    checkov: [
      {
        id: "CKV2_GHA_1",
        relation: "stricter",
        note: "also flags write-all on a single job; Checkov looks only at the workflow's top-level permissions",
      },
    ],
  },
  *check(ci) {
    if (ci.system !== "github-actions") return;
    if (ci.data.permissions === "write-all") yield { message: "the workflow token has write-all", path: ["permissions"] };
    for (const j of ghaJobs(ci))
      if (j.job.permissions === "write-all") yield { message: `job ${j.id} has write-all`, path: [...j.path, "permissions"] };
  },
};
