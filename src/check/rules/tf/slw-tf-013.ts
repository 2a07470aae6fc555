import { attr, attrLine, bool, nested, strings } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";
import { awsModules } from "./helpers.js";

export const slwTf013: TfRule = {
  id: "SLW-TF-013",
  area: "terraform",
  title: "EKS API endpoint public to everyone",
  severity: "high",
  category: "security",
  rationale:
    "A public cluster endpoint without public_access_cidrs accepts connections from the whole internet; only credentials stand between an attacker and the API server.",
  remediation: "Make the endpoint private, or restrict public_access_cidrs to your office/VPN/CI ranges.",
  snippet:
    'vpc_config {\n  endpoint_private_access = true\n  endpoint_public_access  = true\n  public_access_cidrs     = ["203.0.113.0/24"]\n}',
  peers: {
    checkov: [
      { id: "CKV_AWS_38", relation: "same" },
      {
        id: "CKV_AWS_39",
        relation: "looser",
        note: "a public endpoint limited to listed CIDRs passes; CKV_AWS_39 requires the public endpoint to be off",
      },
    ],
    trivy: [
      { id: "AWS-0040", relation: "same" },
      { id: "AWS-0041", relation: "same" },
    ],
  },
  *check(ctx) {
    for (const r of ctx.resources("aws_eks_cluster")) {
      for (const vpc of nested(r.body, "vpc_config")) {
        const pub = bool(vpc.body, "endpoint_public_access");
        if (pub === false || pub === "unknown") continue;
        const cidrs = attr(vpc.body, "public_access_cidrs");
        const list = strings(cidrs);
        // An empty list is the same as none: EKS then applies its default, 0.0.0.0/0.
        const empty = Array.isArray(cidrs) && cidrs.length === 0;
        if (cidrs === undefined || empty || list.includes("0.0.0.0/0")) {
          yield {
            block: r,
            line: cidrs === undefined ? vpc.line : attrLine(vpc, "public_access_cidrs"),
            message: "the public API endpoint accepts 0.0.0.0/0",
          };
        }
      }
    }
    // The EKS module: private by default; public without a CIDR list is 0.0.0.0/0 (its default).
    for (const m of awsModules(ctx, "eks")) {
      if (bool(m.body, "endpoint_public_access") !== true) continue;
      const cidrs = attr(m.body, "endpoint_public_access_cidrs");
      const empty = Array.isArray(cidrs) && cidrs.length === 0;
      if (cidrs === undefined || empty || strings(cidrs).includes("0.0.0.0/0"))
        yield {
          block: m,
          line: attrLine(m, cidrs === undefined ? "endpoint_public_access" : "endpoint_public_access_cidrs"),
          message: "the public API endpoint accepts 0.0.0.0/0",
        };
    }
  },
};
