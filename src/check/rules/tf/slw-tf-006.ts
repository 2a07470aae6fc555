import { attrLine, bool } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf006: TfRule = {
  id: "SLW-TF-006",
  area: "terraform",
  title: "RDS without deletion protection",
  severity: "medium",
  category: "reliability",
  rationale:
    "Without deletion protection a rename, a moved module or a `terraform destroy` in the wrong folder deletes the production database.",
  remediation: "Set deletion_protection = true.",
  snippet: "deletion_protection = true",
  peers: { checkov: ["CKV_AWS_293", "CKV_AWS_139"], trivy: ["AWS-0177", "AWS-0343"] },
  *check(ctx) {
    for (const r of [...ctx.resources("aws_db_instance"), ...ctx.resources("aws_rds_cluster")]) {
      const v = bool(r.body, "deletion_protection");
      if (v !== true && v !== "unknown")
        yield { block: r, line: attrLine(r, "deletion_protection"), message: "deletion_protection is not true" };
    }
  },
};
