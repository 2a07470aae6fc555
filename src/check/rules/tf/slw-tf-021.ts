import type { TfRule } from "../../types.js";
import { policyStatements } from "./helpers.js";

/** Actions that cannot be limited to a resource, so "*" is the only valid resource for them. */
const unscopable =
  /^(sts:GetCallerIdentity|ecr:GetAuthorizationToken|logs:DescribeLogGroups|cloudwatch:PutMetricData|xray:Put\w+|ec2:Describe\w+|s3:ListAllMyBuckets|kms:ListAliases|iam:List\w+)$/i;

export const slwTf021: TfRule = {
  id: "SLW-TF-021",
  area: "terraform",
  title: "IAM policy applies to every resource",
  severity: "medium",
  category: "security",
  rationale: 'Resource "*" lets the principal act on every bucket, table and key in the account, not just the app\'s.',
  remediation: "Name the ARNs the actions apply to.",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform/GitHub expression syntax, not a JS template
  snippet: 'resources = [aws_s3_bucket.uploads.arn, "${aws_s3_bucket.uploads.arn}/*"]',
  peers: {
    checkov: [{ id: "CKV_AWS_355", relation: "same" }],
    trivy: [{ id: "AWS-0057", relation: "looser", note: "covers wildcard resources only; wildcard actions are SLW-TF-020" }],
  },
  *check(ctx) {
    for (const st of policyStatements(ctx)) {
      if (st.effect !== "Allow" || !st.resources.includes("*")) continue;
      const scoped = st.actions.filter((a) => !unscopable.test(a));
      if (scoped.length > 0)
        yield {
          block: st.block,
          line: st.line,
          message: `${scoped.slice(0, 3).join(", ")}${scoped.length > 3 ? ", …" : ""} on resource "*"`,
        };
    }
  },
};
