import { attr, isExpression } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf025: TfRule = {
  id: "SLW-TF-025",
  area: "terraform",
  title: "S3 bucket without a public access block",
  severity: "medium",
  category: "security",
  rationale: "Without a public access block one ACL or bucket-policy change makes the bucket's objects public.",
  remediation: "Add an aws_s3_bucket_public_access_block with all four settings true.",
  snippet:
    'resource "aws_s3_bucket_public_access_block" "uploads" {\n  bucket                  = aws_s3_bucket.uploads.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}',
  peers: { checkov: [{ id: "CKV2_AWS_6", relation: "same" }], trivy: [{ id: "AWS-0094", relation: "same" }] },
  *check(ctx) {
    if (ctx.resources("aws_s3_account_public_access_block").length > 0) return;
    const blocked = ctx.resources("aws_s3_bucket_public_access_block").map((b) => attr(b.body, "bucket"));
    for (const bucket of ctx.resources("aws_s3_bucket")) {
      const name = bucket.labels[1] ?? "";
      const has = blocked.some(
        (v) => isExpression(v) && new RegExp(`^aws_s3_bucket\\.${name.replace(/[-]/g, "\\-")}(\\[[^\\]]*\\])?\\.(id|bucket)$`).test(v.expr),
      );
      if (!has) yield { block: bucket, message: "no aws_s3_bucket_public_access_block for this bucket" };
    }
  },
};
