import type { TfRule } from "../../types.js";
import { policyStatements } from "./helpers.js";

export const slwTf020: TfRule = {
  id: "SLW-TF-020",
  area: "terraform",
  title: "IAM policy allows every action",
  severity: "high",
  category: "security",
  rationale: "Action \"*\" (or service:*) grants today's and tomorrow's permissions, including deleting data and changing IAM itself.",
  remediation: "List the actions the principal needs.",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform/GitHub expression syntax, not a JS template
  snippet: 'statement {\n  actions   = ["s3:GetObject", "s3:PutObject"]\n  resources = ["${aws_s3_bucket.uploads.arn}/*"]\n}',
  peers: {
    checkov: [
      { id: "CKV_AWS_63", relation: "same" },
      { id: "CKV_AWS_62", relation: "stricter", note: 'flags Action "*" on any resource; CKV_AWS_62 only "*" on "*" (full admin)' },
      { id: "CKV_AWS_1", relation: "stricter", note: 'flags Action "*" on any resource; CKV_AWS_1 only "*" on "*" (full admin)' },
    ],
    trivy: [{ id: "AWS-0057", relation: "looser", note: "covers wildcard actions only; wildcard resources are SLW-TF-021" }],
  },
  *check(ctx) {
    for (const st of policyStatements(ctx)) {
      if (st.effect !== "Allow") continue;
      if (st.notActions) {
        yield { block: st.block, line: st.line, message: "an Allow with NotAction grants every action not listed" };
        continue;
      }
      const wild = st.actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
      if (wild.length > 0) yield { block: st.block, line: st.line, message: `allows ${wild.join(", ")}` };
    }
  },
};
