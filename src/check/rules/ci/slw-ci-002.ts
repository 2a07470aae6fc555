import type { CiRule } from "../../types.js";
import { ghaJobs, ghaSteps } from "./helpers.js";

export const slwCi002: CiRule = {
  id: "SLW-CI-002",
  area: "ci",
  title: "Action not pinned by commit SHA",
  severity: "medium",
  category: "security",
  rationale:
    "A tag like @v4 can be moved by whoever controls the action's repository; a compromised tag runs with your workflow's secrets (as in tj-actions/changed-files, 2025).",
  remediation: "Pin third-party actions to a full 40-character commit SHA, with the version as a comment.",
  snippet: "- uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0",
  peers: {
    checkov: [
      {
        id: "CKV_GHA_8",
        relation: "looser",
        note: "local ./ actions and docker:// images pinned by a sha256 digest pass (Checkov fails them); job-level reusable workflows are checked too",
      },
    ],
  },
  *check(ci) {
    const pinned = (uses: string) =>
      uses.startsWith("./") || uses.startsWith("docker://")
        ? !uses.startsWith("docker://") || /@sha256:[0-9a-f]{64}$/.test(uses)
        : /@[0-9a-f]{40}$/.test(uses);
    for (const s of ghaSteps(ci)) {
      const uses = s.step.uses;
      if (typeof uses === "string" && !pinned(uses)) yield { message: `${uses} is not pinned to a commit SHA`, path: [...s.path, "uses"] };
    }
    for (const j of ghaJobs(ci)) {
      const uses = j.job.uses;
      if (typeof uses === "string" && !uses.startsWith("./") && !/@[0-9a-f]{40}$/.test(uses))
        yield { message: `reusable workflow ${uses} is not pinned to a commit SHA`, path: [...j.path, "uses"] };
    }
  },
};
