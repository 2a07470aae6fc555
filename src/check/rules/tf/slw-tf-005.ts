import { attrLine, num } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf005: TfRule = {
  id: "SLW-TF-005",
  area: "terraform",
  title: "RDS backups kept less than 7 days",
  severity: "medium",
  category: "reliability",
  rationale:
    "A short backup retention means a data-corrupting bug noticed after a long weekend cannot be undone by a point-in-time restore.",
  remediation: "Keep automated backups for at least 7 days (30 for production).",
  snippet: "backup_retention_period = 14",
  peers: {
    checkov: [
      {
        id: "CKV_AWS_133",
        relation: "stricter",
        note: "requires 7 days or more (unset counts as the AWS default); CKV_AWS_133 fails only 0 or over 35 and passes unset",
      },
    ],
    trivy: [{ id: "AWS-0077", relation: "same" }],
  },
  *check(ctx) {
    for (const r of [...ctx.resources("aws_db_instance"), ...ctx.resources("aws_rds_cluster")]) {
      if (r.labels[0] === "aws_db_instance" && r.body.attributes.has("replicate_source_db")) continue;
      const days = num(r.body, "backup_retention_period");
      if (days === "unknown") continue;
      const value = days ?? (r.labels[0] === "aws_rds_cluster" ? 1 : 0);
      if (value < 7)
        yield { block: r, line: attrLine(r, "backup_retention_period"), message: `backup_retention_period is ${value} day(s)` };
    }
  },
};
