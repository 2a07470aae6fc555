import { attrLine, str } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf024: TfRule = {
  id: "SLW-TF-024",
  area: "terraform",
  title: "Credentials written in the provider",
  severity: "critical",
  category: "security",
  rationale: "Keys in a provider block are committed to Git and visible to everyone with read access to the repository.",
  remediation: "Remove access_key/secret_key; use the environment, a profile, or an assumed role.",
  snippet: 'provider "aws" {\n  region = "eu-west-2"\n  assume_role { role_arn = "arn:aws:iam::123456789012:role/terraform" }\n}',
  peers: { checkov: [{ id: "CKV_AWS_41", relation: "same" }] },
  *check(ctx) {
    for (const p of ctx.blocks.filter((b) => b.type === "provider" && b.labels[0] === "aws")) {
      for (const key of ["access_key", "secret_key", "token"]) {
        const v = str(p.body, key);
        if (v !== undefined && v !== "" && !v.includes("${"))
          yield { block: p, line: attrLine(p, key), message: `${key} is written in the provider block` };
      }
    }
  },
};
