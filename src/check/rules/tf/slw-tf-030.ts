import { attrLine, bool } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf030: TfRule = {
  id: "SLW-TF-030",
  area: "terraform",
  title: "RDS deleted without a final snapshot",
  severity: "medium",
  category: "reliability",
  rationale: "skip_final_snapshot = true means a destroy or replacement deletes the database and its automated backups with no copy left.",
  remediation: "Take a final snapshot.",
  snippet: 'skip_final_snapshot       = false\nfinal_snapshot_identifier = "shop-production-final"',
  peers: {},
  *check(ctx) {
    for (const r of [...ctx.resources("aws_db_instance"), ...ctx.resources("aws_rds_cluster")]) {
      if (bool(r.body, "skip_final_snapshot") === true)
        yield { block: r, line: attrLine(r, "skip_final_snapshot"), message: "skip_final_snapshot = true" };
    }
  },
};
