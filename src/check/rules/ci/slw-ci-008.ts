import type { CiRule } from "../../types.js";
import { ghaRuns } from "./helpers.js";

const untrusted =
  /\$\{\{\s*(github\.event\.(issue\.(title|body)|pull_request\.(title|body|head\.ref|head\.label)|comment\.body|review\.body|review_comment\.body|head_commit\.(message|author\.(name|email))|commits\b[^}]*|pages\b[^}]*)|github\.head_ref)\s*\}\}/;

export const slwCi008: CiRule = {
  id: "SLW-CI-008",
  area: "ci",
  title: "Untrusted input in a run script",
  severity: "high",
  category: "security",
  rationale:
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform/GitHub expression syntax, not a JS template
    "${{ github.event.* }} text (titles, branch names, commit messages) is pasted into the script before the shell runs it: a crafted title runs commands with the workflow's secrets.",
  remediation: "Pass the value through an environment variable and quote it.",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform/GitHub expression syntax, not a JS template
  snippet: '- run: echo "$TITLE"\n  env:\n    TITLE: ${{ github.event.pull_request.title }}',
  peers: { checkov: [{ id: "CKV_GHA_2", relation: "same" }] },
  *check(ci) {
    for (const r of ghaRuns(ci)) {
      const m = untrusted.exec(r.text);
      if (m) yield { message: `the script interpolates ${m[1] ?? "untrusted input"}`, path: r.path };
    }
  },
};
