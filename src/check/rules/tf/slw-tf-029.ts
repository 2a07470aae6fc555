import type { TfRule } from "../../types.js";
import { trustStatements } from "./helpers.js";

export const slwTf029: TfRule = {
  id: "SLW-TF-029",
  area: "terraform",
  title: "Role assumable by anyone",
  severity: "critical",
  category: "security",
  rationale: 'A trust policy with Principal "*" lets any AWS account assume the role unless a condition narrows it.',
  remediation: "Name the service, account or OIDC provider that may assume the role.",
  snippet: 'principals {\n  type        = "Service"\n  identifiers = ["ec2.amazonaws.com"]\n}',
  peers: { checkov: [{ id: "CKV_AWS_60", relation: "same" }] },
  *check(ctx) {
    for (const st of trustStatements(ctx)) {
      if (st.effect === "Allow" && st.principals.includes("*"))
        yield { block: st.block, line: st.line, message: 'the trust policy allows Principal "*"' };
    }
  },
};
