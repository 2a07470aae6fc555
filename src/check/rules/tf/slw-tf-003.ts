import { attrLine, bool } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";
import { awsModules } from "./helpers.js";

export const slwTf003: TfRule = {
  id: "SLW-TF-003",
  area: "terraform",
  title: "RDS storage not encrypted",
  severity: "high",
  category: "security",
  rationale:
    "Unencrypted RDS storage leaves the data, its snapshots and its replicas readable to anyone who gets a copy; encryption cannot be turned on later without a restore.",
  remediation: "Set storage_encrypted = true (optionally with a customer-managed kms_key_id).",
  snippet: 'resource "aws_db_instance" "main" {\n  # …\n  storage_encrypted = true\n}',
  peers: {
    checkov: [{ id: "CKV_AWS_16", relation: "same" }],
    trivy: [
      { id: "AWS-0080", relation: "same" },
      { id: "AWS-0079", relation: "same" },
    ],
  },
  *check(ctx) {
    for (const r of [...ctx.resources("aws_db_instance"), ...ctx.resources("aws_rds_cluster")]) {
      const v = bool(r.body, "storage_encrypted");
      // Aurora clusters restored from an encrypted snapshot inherit encryption.
      if (
        v === false ||
        (v === undefined && !r.body.attributes.has("snapshot_identifier") && !r.body.attributes.has("replicate_source_db"))
      ) {
        yield { block: r, line: attrLine(r, "storage_encrypted"), message: "storage_encrypted is not true" };
      }
    }
    // The RDS and Aurora modules encrypt by default: only an explicit false is a finding.
    for (const m of [...awsModules(ctx, "rds"), ...awsModules(ctx, "rds-aurora")]) {
      if (bool(m.body, "storage_encrypted") === false)
        yield { block: m, line: attrLine(m, "storage_encrypted"), message: "storage_encrypted = false" };
    }
  },
};
