import type { TfRule } from "../../types.js";
import { admitsPort, ingressRules, isOpenToWorld } from "./helpers.js";

const ports = [3306, 5432, 1433, 1521, 27017, 6379, 9200];

export const slwTf009: TfRule = {
  id: "SLW-TF-009",
  area: "terraform",
  title: "Database port open to the internet",
  severity: "critical",
  category: "security",
  rationale:
    "A database port reachable from anywhere exposes its login to the internet; database engines are frequent targets of password spraying and exploits.",
  remediation: "Allow the database port only from the application's security group or the VPC range.",
  snippet:
    'ingress {\n  from_port   = 5432\n  to_port     = 5432\n  protocol    = "tcp"\n  cidr_blocks = ["10.0.0.0/16"]   # the VPC or a bastion, never 0.0.0.0/0\n}',
  peers: {
    trivy: [{ id: "AWS-0107", relation: "looser", note: "flags database ports only; AWS-0107 flags ingress from anywhere on any port" }],
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
