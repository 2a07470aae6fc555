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
  remediation: "Add an aws_flow_log for the VPC (or, with the VPC module, its flow-log submodule or enable_flow_log = true).",
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
    const modules = ctx.blocks.filter((b) => b.type === "module");
    const sourceOf = (m: (typeof modules)[number]) => {
      const source = attr(m.body, "source");
      return typeof source === "string" ? source : "";
    };
    // The VPC module's own flow-log submodule, given module.<vpc>.vpc_id, logs that VPC.
    const submoduleLogged = modules
      .filter((m) => /terraform-aws-modules\/vpc\/aws\/\/modules\/flow-log/.test(sourceOf(m)))
      .map((m) => attr(m.body, "vpc_id"))
      .flatMap((v) => (isExpression(v) ? [v.expr] : []));
    for (const m of modules) {
      if (!/^(registry\.terraform\.io\/)?terraform-aws-modules\/vpc\/aws$/.test(sourceOf(m))) continue;
      if (submoduleLogged.includes(`module.${m.labels[0] ?? ""}.vpc_id`)) continue;
      const v = attr(m.body, "enable_flow_log");
      if (v === undefined || v === false)
        yield { block: m, message: "the VPC module runs without enable_flow_log = true or a flow-log submodule for its VPC" };
    }
  },
};
