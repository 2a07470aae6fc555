import { attrLine, bool } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";
import { awsModules } from "./helpers.js";

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
  peers: {
    checkov: [
      { id: "CKV_AWS_293", relation: "same" },
      { id: "CKV_AWS_139", relation: "same" },
    ],
    trivy: [
      { id: "AWS-0177", relation: "same" },
      { id: "AWS-0343", relation: "same" },
    ],
  },
  *check(ctx) {
    for (const r of [...ctx.resources("aws_db_instance"), ...ctx.resources("aws_rds_cluster")]) {
      const v = bool(r.body, "deletion_protection");
      if (v !== true && v !== "unknown")
        yield { block: r, line: attrLine(r, "deletion_protection"), message: "deletion_protection is not true" };
    }
    // Both modules leave deletion protection off unless told.
    for (const m of [...awsModules(ctx, "rds"), ...awsModules(ctx, "rds-aurora")]) {
      const v = bool(m.body, "deletion_protection");
      if (v !== true && v !== "unknown")
        yield { block: m, line: attrLine(m, "deletion_protection"), message: "deletion_protection is not true" };
    }
  },
};
