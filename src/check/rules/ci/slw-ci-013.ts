import { isRecord } from "../../inputs/kubernetes.js";
import type { CiRule, CiSubject } from "../../types.js";
import { ghaRuns } from "./helpers.js";

const inputRef = /\$\{\{\s*(?:github\.event\.)?inputs\.([A-Za-z_][\w-]*)\s*\}\}/g;
/** Input types whose values cannot carry shell syntax. */
const safeTypes = new Set(["boolean", "number", "choice", "environment"]);

function declaredType(ci: CiSubject, name: string): string | undefined {
  const on = ci.data.on ?? ci.data.true;
  if (!isRecord(on)) return undefined;
  for (const event of ["workflow_dispatch", "workflow_call"]) {
    const inputs = isRecord(on[event]) ? (on[event] as Record<string, unknown>).inputs : undefined;
    if (isRecord(inputs) && isRecord(inputs[name])) {
      const type = (inputs[name] as Record<string, unknown>).type;
      return typeof type === "string" ? type : "string";
    }
  }
  return undefined;
}

export const slwCi013: CiRule = {
  id: "SLW-CI-013",
  area: "ci",
  title: "Workflow input pasted into a run script",
  severity: "medium",
  category: "security",
  rationale:
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub expression syntax, not a JS template
    "${{ inputs.x }} is pasted into the script text before the shell runs it: a free-text workflow_dispatch or workflow_call input such as `v1; curl … | sh` runs commands with the job's token and secrets, from anyone who may start the workflow or call it.",
  remediation: "Pass the input through an environment variable and quote it, or make it a choice/boolean input.",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub expression syntax, not a JS template
  snippet: '- run: ./deploy.sh "$VERSION"\n  env:\n    VERSION: ${{ inputs.version }}',
  peers: {},
  *check(ci) {
    for (const r of ghaRuns(ci)) {
      for (const m of r.text.matchAll(inputRef)) {
        const name = m[1] as string;
        const type = declaredType(ci, name) ?? "string";
        if (safeTypes.has(type)) continue;
        yield { message: `the script interpolates the ${type} input '${name}'`, path: r.path };
        break;
      }
    }
  },
};
