import type { CiRule } from "../../types.js";
import { ghaSteps, gitlabJobs, gitlabScripts } from "./helpers.js";

const keyNames =
  /\b(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|GOOGLE_APPLICATION_CREDENTIALS|GCP_SA_KEY|GOOGLE_CREDENTIALS|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|AZURE_CREDENTIALS)\b/;

export const slwCi001: CiRule = {
  id: "SLW-CI-001",
  area: "ci",
  title: "Long-lived cloud keys instead of OIDC",
  severity: "high",
  category: "security",
  rationale:
    "A cloud access key stored as a CI secret never expires and works from anywhere once it leaks; OIDC gives each run short-lived credentials bound to the repository and branch.",
  remediation: "Let the job assume a role through the CI system's OIDC token.",
  snippet:
    "permissions:\n  id-token: write\n  contents: read\nsteps:\n  - uses: aws-actions/configure-aws-credentials@<sha> # v5\n    with:\n      role-to-assume: arn:aws:iam::123456789012:role/deploy\n      aws-region: eu-west-2",
  peers: {},
  *check(ci) {
    for (const s of ghaSteps(ci)) {
      const withs = (s.step.with ?? {}) as Record<string, unknown>;
      if (
        typeof s.step.uses === "string" &&
        /configure-aws-credentials/.test(s.step.uses) &&
        ("aws-secret-access-key" in withs || "aws-access-key-id" in withs)
      ) {
        yield { message: "configure-aws-credentials is given static keys", path: [...s.path, "with"] };
        continue;
      }
      if (
        /\bsecrets\.(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|GCP_SA_KEY|GOOGLE_CREDENTIALS|AZURE_CREDENTIALS|AZURE_CLIENT_SECRET)\b/.test(
          JSON.stringify(s.step),
        )
      ) {
        yield { message: "the step reads a long-lived cloud key from secrets", path: s.path };
      }
    }
    if (ci.system === "github-actions") {
      const env = JSON.stringify({
        env: ci.data.env,
        jobs: Object.fromEntries(Object.entries((ci.data.jobs ?? {}) as Record<string, { env?: unknown }>).map(([k, j]) => [k, j?.env])),
      });
      if (/\bsecrets\.(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID)\b/.test(env))
        yield { message: "AWS keys come from secrets in env", path: ["env"] };
    }
    for (const job of gitlabJobs(ci)) {
      if (job.job.id_tokens !== undefined) continue;
      const hit = gitlabScripts(job).find((l) => keyNames.test(l.text));
      if (hit) yield { message: `job ${job.id} uses a long-lived cloud key (${keyNames.exec(hit.text)?.[1] ?? ""})`, path: hit.path };
    }
    if (
      ci.system === "gitlab-ci" &&
      typeof ci.data.variables === "object" &&
      ci.data.variables !== null &&
      Object.keys(ci.data.variables).some((k) => keyNames.test(k))
    ) {
      yield { message: "cloud keys are set in variables", path: ["variables"] };
    }
  },
};
