import type { TfRule } from "../../types.js";
import { admitsPort, ingressRules, isOpenToWorld } from "./helpers.js";

const ports = [2375, 2376];

export const slwTf010: TfRule = {
  id: "SLW-TF-010",
  area: "terraform",
  title: "Docker API open to the internet",
  severity: "critical",
  category: "security",
  rationale:
    "The Docker API on 2375/2376 gives whoever reaches it root on the host; exposed daemons are found and hijacked for crypto-mining within hours.",
  remediation: "Never expose the Docker API; use SSH or SSM to reach the host.",
  snippet:
    'ingress {\n  from_port   = 2376\n  to_port     = 2376\n  protocol    = "tcp"\n  cidr_blocks = ["10.0.0.0/16"]   # the VPC or a bastion, never 0.0.0.0/0\n}',
  peers: {
    trivy: [{ id: "AWS-0107", relation: "looser", note: "flags Docker API ports only; AWS-0107 flags ingress from anywhere on any port" }],
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
