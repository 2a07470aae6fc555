import type { TfRule } from "../../types.js";
import { webIdentityStatements } from "./helpers.js";

export const slwTf031: TfRule = {
  id: "SLW-TF-031",
  area: "terraform",
  title: "OIDC role not bound to its audience and subject",
  severity: "high",
  category: "security",
  rationale:
    "A role trusted by a CI system's OIDC provider is open to every repository or branch that provider issues tokens for unless the trust policy matches aud and sub exactly. A set operator (ForAllValues:) also matches a token without the claim, and a wildcard in sub admits every branch, pull request or environment.",
  remediation:
    "Match both claims with StringEquals: aud to the audience the job asks for, sub to the exact repository and environment (or branch).",
  snippet:
    'Condition = {\n  StringEquals = {\n    "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"\n    "token.actions.githubusercontent.com:sub" = "repo:acme/shop:environment:production"\n  }\n}',
  peers: {},
  *check(ctx) {
    for (const st of webIdentityStatements(ctx)) {
      const conditions = st.conditions ?? [];
      const on = (claim: string) => conditions.filter((c) => c.key.toLowerCase().endsWith(`:${claim}`));
      const where = { block: st.block, line: st.line };
      for (const c of conditions.filter((x) => /^For(All|Any)Values:/i.test(x.operator)))
        yield { ...where, message: `${c.operator} on ${c.key}: a set operator in an Allow matches a token without that claim` };
      if (!on("aud").some((c) => c.operator === "StringEquals"))
        yield { ...where, message: "no StringEquals condition on aud: a token minted for any audience is accepted" };
      const sub = on("sub").filter((c) => !/^For(All|Any)Values:/i.test(c.operator));
      if (sub.length === 0) yield { ...where, message: "no condition on sub: every repository the provider serves can assume the role" };
      for (const c of sub) {
        const wild = c.operator.startsWith("StringLike") ? c.values.filter((v) => /[*?]/.test(v)) : [];
        if (wild.length > 0)
          yield {
            ...where,
            message: `sub matched by the pattern ${wild.join(", ")}: any branch, pull request or environment it covers can assume the role`,
          };
      }
    }
  },
};
