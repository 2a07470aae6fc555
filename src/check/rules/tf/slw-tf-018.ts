import { attr, isExpression } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf018: TfRule = {
  id: "SLW-TF-018",
  area: "terraform",
  title: "VPC without flow logs",
  severity: "medium",
  category: "operability",
  rationale:
    "Without flow logs there is no record of which addresses talked to what: incident response and security-group debugging start blind.",
  remediation: "Add an aws_flow_log for the VPC (or enable_flow_log in the VPC module).",
  snippet:
    'resource "aws_flow_log" "main" {\n  vpc_id               = aws_vpc.main.id\n  traffic_type         = "ALL"\n  log_destination_type = "s3"\n  log_destination      = aws_s3_bucket.flow_logs.arn\n}',
  peers: { checkov: [{ id: "CKV2_AWS_11", relation: "same" }], trivy: [{ id: "AWS-0178", relation: "same" }] },
  *check(ctx) {
    const logged = ctx.resources("aws_flow_log").map((f) => attr(f.body, "vpc_id"));
    for (const vpc of ctx.resources("aws_vpc")) {
      const ref = `aws_vpc.${vpc.labels[1] ?? ""}.id`;
      const has = logged.some((v) => isExpression(v) && (v.expr === ref || v.expr.startsWith(`aws_vpc.${vpc.labels[1] ?? ""}[`)));
      if (!has) yield { block: vpc, message: "no aws_flow_log for this VPC" };
    }
    for (const m of ctx.blocks.filter((b) => b.type === "module")) {
      const source = attr(m.body, "source");
      if (typeof source !== "string" || !/terraform-aws-modules\/vpc\/aws/.test(source)) continue;
      const v = attr(m.body, "enable_flow_log");
      if (v === undefined || v === false) yield { block: m, message: "the VPC module runs without enable_flow_log = true" };
    }
  },
};
