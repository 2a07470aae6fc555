import type { CiRule } from "../../types.js";
import { ghaRuns, gitlabJobs, gitlabScripts } from "./helpers.js";

export const slwCi007: CiRule = {
  id: "SLW-CI-007",
  area: "ci",
  title: "Secret printed to the log",
  severity: "high",
  category: "security",
  rationale:
    "Masking only hides exact matches; an echoed secret that is transformed (base64, split, JSON) appears in a log that many people can read.",
  remediation: "Never echo secrets; pass them to the tool through the environment or a file.",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform/GitHub expression syntax, not a JS template
  snippet: "- run: ./deploy.sh\n  env:\n    API_TOKEN: ${{ secrets.API_TOKEN }}",
  peers: {},
  *check(ci) {
    for (const r of ghaRuns(ci)) {
      for (const line of r.text.split("\n")) {
        if (
          /\b(echo|printf|cat\s*<<)\b.*\$\{\{\s*secrets\./.test(line) ||
          /\b(echo|printf)\b[^\n]*\$\{?[A-Z_]*(SECRET|TOKEN|PASSWORD|KEY)[A-Z_]*\}?/.test(line)
        ) {
          yield { message: "a run step prints a secret", path: r.path };
          break;
        }
      }
    }
    for (const job of gitlabJobs(ci)) {
      for (const l of gitlabScripts(job)) {
        if (/\b(echo|printf)\b[^\n]*\$\{?[A-Z_]*(SECRET|TOKEN|PASSWORD|PRIVATE_KEY|ACCESS_KEY)[A-Z_]*\}?/.test(l.text))
          yield { message: `job ${job.id} prints a secret`, path: l.path };
      }
    }
  },
};
