import { attrLine, bool, looksProduction } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf007: TfRule = {
  id: "SLW-TF-007",
  area: "terraform",
  title: "Production RDS without Multi-AZ",
  severity: "high",
  category: "reliability",
  rationale: "A single-AZ database is down for the whole of an AZ outage or a host failure, and for every maintenance reboot.",
  remediation: "Set multi_az = true on production databases.",
  snippet: "multi_az = true",
  peers: {
    checkov: [
      { id: "CKV_AWS_157", relation: "looser", note: "only databases that look like production; CKV_AWS_157 flags every aws_db_instance" },
    ],
  },
  *check(ctx) {
    for (const r of ctx.resources("aws_db_instance")) {
      if (!looksProduction(r) || r.body.attributes.has("replicate_source_db")) continue;
      const v = bool(r.body, "multi_az");
      if (v !== true && v !== "unknown")
        yield { block: r, line: attrLine(r, "multi_az"), message: "a production database without multi_az = true" };
    }
  },
};
