import { attrLine, str } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";
import { awsModules } from "./helpers.js";

export const slwTf016: TfRule = {
  id: "SLW-TF-016",
  area: "terraform",
  title: "ECR tags mutable",
  severity: "medium",
  category: "security",
  rationale:
    "With mutable tags anyone who may push can replace what `shop:1.4.2` means; a rollback or a new node then pulls different code.",
  remediation: "Make tags immutable.",
  snippet: 'image_tag_mutability = "IMMUTABLE"',
  peers: { checkov: [{ id: "CKV_AWS_51", relation: "same" }], trivy: [{ id: "AWS-0031", relation: "same" }] },
  *check(ctx) {
    for (const r of ctx.resources("aws_ecr_repository")) {
      const v = str(r.body, "image_tag_mutability");
      if (r.body.attributes.has("image_tag_mutability") && v === undefined) continue;
      if (v === undefined || v === "MUTABLE" || v === "MUTABLE_WITH_EXCLUSION")
        yield { block: r, line: attrLine(r, "image_tag_mutability"), message: `image_tag_mutability is ${v ?? "MUTABLE (default)"}` };
    }
    // The ECR module makes tags immutable unless told otherwise.
    for (const m of awsModules(ctx, "ecr")) {
      const v = str(m.body, "repository_image_tag_mutability");
      if (v === "MUTABLE" || v === "MUTABLE_WITH_EXCLUSION")
        yield { block: m, line: attrLine(m, "repository_image_tag_mutability"), message: `repository_image_tag_mutability is ${v}` };
    }
  },
};
