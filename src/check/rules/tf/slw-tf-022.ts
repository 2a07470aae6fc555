import type { TfRule } from "../../types.js";

export const slwTf022: TfRule = {
  id: "SLW-TF-022",
  area: "terraform",
  title: "Static access key for an IAM user",
  severity: "high",
  category: "security",
  rationale:
    "A long-lived access key (typically for CI) never expires, ends up in Terraform state and CI settings, and keeps working after it leaks.",
  remediation: "Let CI assume a role through OIDC (GitHub Actions, GitLab) instead of an IAM user key.",
  snippet:
    'resource "aws_iam_openid_connect_provider" "github" {\n  url            = "https://token.actions.githubusercontent.com"\n  client_id_list = ["sts.amazonaws.com"]\n}',
  peers: {
    checkov: [
      {
        id: "CKV_AWS_273",
        relation: "looser",
        note: "flags the long-lived access keys of IAM users; CKV_AWS_273 flags every aws_iam_user (access through SSO instead)",
      },
    ],
  },
  *check(ctx) {
    for (const r of ctx.resources("aws_iam_access_key")) yield { block: r, message: "creates a long-lived IAM access key" };
  },
};
