import { attr, attrLine, bool, looksProduction, strings } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf019: TfRule = {
  id: "SLW-TF-019",
  area: "terraform",
  title: "One NAT gateway for a multi-AZ production VPC",
  severity: "medium",
  category: "reliability",
  rationale:
    "With a single NAT gateway the private subnets of every AZ lose outbound internet when its AZ fails, so a multi-AZ app is only as available as one AZ.",
  remediation: "Use one NAT gateway per AZ in production.",
  snippet: 'module "vpc" {\n  # …\n  enable_nat_gateway     = true\n  single_nat_gateway     = false\n  one_nat_gateway_per_az = true\n}',
  peers: {},
  *check(ctx) {
    for (const m of ctx.blocks.filter((b) => b.type === "module")) {
      const source = attr(m.body, "source");
      if (typeof source !== "string" || !/terraform-aws-modules\/vpc\/aws/.test(source)) continue;
      const azs = strings(attr(m.body, "azs"));
      if (bool(m.body, "single_nat_gateway") === true && azs.length > 1 && looksProduction(m)) {
        yield { block: m, line: attrLine(m, "single_nat_gateway"), message: `single_nat_gateway = true across ${azs.length} AZs` };
      }
    }
    const nats = ctx.resources("aws_nat_gateway");
    const subnets = ctx.resources("aws_subnet");
    const zones = new Set(subnets.map((s) => attr(s.body, "availability_zone")).filter((z) => typeof z === "string"));
    const first = nats[0];
    if (
      nats.length === 1 &&
      first &&
      !first.body.attributes.has("count") &&
      !first.body.attributes.has("for_each") &&
      zones.size > 1 &&
      (looksProduction(first) || subnets.some(looksProduction))
    ) {
      yield { block: first, message: `one NAT gateway for subnets in ${zones.size} AZs` };
    }
  },
};
