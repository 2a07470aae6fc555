import type { TfRule } from "../../types.js";
import { admitsPort, ingressRules, isOpenToWorld } from "./helpers.js";

const ports = [22];

export const slwTf008: TfRule = {
  id: "SLW-TF-008",
  area: "terraform",
  title: "SSH open to the internet",
  severity: "critical",
  category: "security",
  rationale: "Port 22 open to 0.0.0.0/0 is scanned and brute-forced within minutes of creation.",
  remediation: "Allow SSH only from a bastion or VPN range, or use SSM Session Manager and close the port.",
  snippet:
    'ingress {\n  from_port   = 22\n  to_port     = 22\n  protocol    = "tcp"\n  cidr_blocks = ["10.0.0.0/16"]   # the VPC or a bastion, never 0.0.0.0/0\n}',
  peers: {
    checkov: [{ id: "CKV_AWS_24", relation: "same" }],
    trivy: [{ id: "AWS-0107", relation: "looser", note: "flags port 22 only; AWS-0107 flags ingress from anywhere on any port" }],
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
