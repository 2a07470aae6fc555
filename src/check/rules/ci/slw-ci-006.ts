import type { CiRule } from "../../types.js";
import { ghaJobs, gitlabJobs, looksLikeProductionDeploy } from "./helpers.js";

export const slwCi006: CiRule = {
  id: "SLW-CI-006",
  area: "ci",
  title: "Production deploy without approval",
  severity: "high",
  category: "operability",
  rationale:
    "A production deploy job without an environment (GitHub) or a manual gate (GitLab) ships every merge straight to users, with no required reviewer, wait timer or branch restriction.",
  remediation: "Run the job in a protected `production` environment (required reviewers) or behind a manual step.",
  snippet: "deploy-production:\n  environment: production   # protected: required reviewers, main only\n  runs-on: ubuntu-latest",
  peers: {},
  *check(ci) {
    for (const j of ghaJobs(ci)) {
      if (j.job.environment === undefined && looksLikeProductionDeploy(j.id, j.job))
        yield { message: `job ${j.id} deploys to production without an environment`, path: j.path };
    }
    for (const j of gitlabJobs(ci)) {
      const env = j.job.environment;
      const envName =
        typeof env === "string" ? env : typeof env === "object" && env !== null ? String((env as { name?: unknown }).name ?? "") : "";
      const production =
        /(^|[^a-z])(prod|production)([^a-z]|$)/i.test(envName) || (envName === "" && looksLikeProductionDeploy(j.id, j.job));
      if (!production) continue;
      const manual = j.job.when === "manual" || JSON.stringify(j.job.rules ?? []).includes('"when":"manual"');
      if (!manual) yield { message: `job ${j.id} deploys to production without when: manual`, path: j.path };
    }
  },
};
