import type { TfRule } from "../../types.js";
import { admitsPort, ingressRules, isOpenToWorld } from "./helpers.js";

const ports = [3389];

export const slwTf011: TfRule = {
  id: "SLW-TF-011",
  area: "terraform",
  title: "RDP open to the internet",
  severity: "critical",
  category: "security",
  rationale: "Remote desktop open to 0.0.0.0/0 is brute-forced constantly.",
  remediation: "Allow RDP only from a VPN or bastion range.",
  snippet:
    'ingress {\n  from_port   = 3389\n  to_port     = 3389\n  protocol    = "tcp"\n  cidr_blocks = ["10.0.0.0/16"]   # the VPC or a bastion, never 0.0.0.0/0\n}',
  peers: {
    checkov: [{ id: "CKV_AWS_25", relation: "same" }],
    trivy: [{ id: "AWS-0107", relation: "looser", note: "flags port 3389 only; AWS-0107 flags ingress from anywhere on any port" }],
  },
  *check(ctx) {
    for (const rule of ingressRules(ctx)) {
      if (!isOpenToWorld(rule)) continue;
      const hit = ports.filter((p) => admitsPort(rule, p));
      if (hit.length > 0 && !(rule.protocol === "-1" || rule.protocol === "all")) {
        yield { block: rule.block, line: rule.line, message: `port ${hit.join(", ")} is open to the internet` };
      }
    }
  },
};
