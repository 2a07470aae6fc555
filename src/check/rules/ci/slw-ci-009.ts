import type { CiRule } from "../../types.js";

export const slwCi009: CiRule = {
  id: "SLW-CI-009",
  area: "ci",
  title: "Unsafe workflow commands allowed",
  severity: "high",
  category: "security",
  rationale:
    "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env and add-path, which let any printed log line change the environment of later steps.",
  remediation: "Remove the variable and write to $GITHUB_ENV / $GITHUB_PATH.",
  snippet: 'run: echo "NAME=value" >> "$GITHUB_ENV"',
  peers: { checkov: [{ id: "CKV_GHA_1", relation: "same" }] },
  *check(ci) {
    if (ci.system !== "github-actions") return;
    const lines = ci.lines;
    for (let i = 0; i < lines.length; i++) {
      if (/ACTIONS_ALLOW_UNSECURE_COMMANDS\s*:\s*['"]?true/i.test(lines[i] as string))
        yield { message: "ACTIONS_ALLOW_UNSECURE_COMMANDS is true", line: i + 1 };
    }
  },
};
