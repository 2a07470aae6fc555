import { attr, attrLine, bool, isExpression } from "../../inputs/terraform.js";
import type { TfBlock, TfRule } from "../../types.js";

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
  peers: {
    checkov: [
      {
        id: "CKV2_AWS_6",
        relation: "stricter",
        note: "requires all four settings and reports a weak one on the access block; CKV2_AWS_6 needs block_public_acls and block_public_policy and reports the bucket",
      },
    ],
    trivy: [{ id: "AWS-0094", relation: "same" }],
  },
  *check(ctx) {
    // Each of the four settings defaults to false: a block covers only with all of them true (or computed).
    const settings = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];
    const weak = (b: TfBlock) => settings.filter((k) => bool(b.body, k) !== true && bool(b.body, k) !== "unknown");
    if (ctx.resources("aws_s3_account_public_access_block").some((b) => weak(b).length === 0)) return;
    const blocks = ctx.resources("aws_s3_bucket_public_access_block");
    for (const bucket of ctx.resources("aws_s3_bucket")) {
      const name = bucket.labels[1] ?? "";
      const ref = new RegExp(`^aws_s3_bucket\\.${name.replace(/[-]/g, "\\-")}(\\[[^\\]]*\\])?\\.(id|bucket)$`);
      const mine = blocks.filter((b) => {
        const v = attr(b.body, "bucket");
        return isExpression(v) && ref.test(v.expr);
      });
      if (mine.length === 0) {
        yield { block: bucket, message: "no aws_s3_bucket_public_access_block for this bucket" };
        continue;
      }
      for (const b of mine) {
        const off = weak(b);
        if (off.length > 0)
          yield { block: b, line: attrLine(b, off[0] as string), message: `public access block leaves ${off.join(", ")} false` };
      }
    }
  },
};
