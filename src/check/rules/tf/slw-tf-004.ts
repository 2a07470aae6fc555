import { attrLine, bool } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";
import { awsModules } from "./helpers.js";

export const slwTf004: TfRule = {
  id: "SLW-TF-004",
  area: "terraform",
  title: "RDS publicly accessible",
  severity: "critical",
  category: "security",
  rationale:
    "A publicly accessible database gets a public address; one security-group mistake away from the whole internet trying its password.",
  remediation: "Keep the database in private subnets with publicly_accessible = false.",
  snippet: "publicly_accessible = false",
  peers: { checkov: [{ id: "CKV_AWS_17", relation: "same" }], trivy: [{ id: "AWS-0180", relation: "same" }] },
  *check(ctx) {
    for (const r of [...ctx.resources("aws_db_instance"), ...ctx.resources("aws_rds_cluster_instance")]) {
      if (bool(r.body, "publicly_accessible") === true)
        yield { block: r, line: attrLine(r, "publicly_accessible"), message: "publicly_accessible = true" };
    }
    for (const m of awsModules(ctx, "rds")) {
      if (bool(m.body, "publicly_accessible") === true)
        yield { block: m, line: attrLine(m, "publicly_accessible"), message: "publicly_accessible = true" };
    }
  },
};
