import type { TfRule } from "../../types.js";
import { allProtocols, ingressRules, isOpenToWorld } from "./helpers.js";

export const slwTf012: TfRule = {
  id: "SLW-TF-012",
  area: "terraform",
  title: "Every port open to the internet",
  severity: "critical",
  category: "security",
  rationale:
    "An ingress rule for all protocols or all ports from 0.0.0.0/0 exposes every service on the instances, including ones never meant to be public.",
  remediation: "Open only the ports the service needs, from the ranges that need them (usually the load balancer's security group).",
  snippet:
    'ingress {\n  from_port       = 443\n  to_port         = 443\n  protocol        = "tcp"\n  security_groups = [aws_security_group.alb.id]\n}',
  peers: {
    checkov: [
      { id: "CKV_AWS_277", relation: "same" },
      {
        id: "CKV_AWS_24",
        relation: "looser",
        note: "the all-ports part of CKV_AWS_24: SLW-TF-008 leaves rules open on every port to this rule",
      },
      {
        id: "CKV_AWS_25",
        relation: "looser",
        note: "the all-ports part of CKV_AWS_25: SLW-TF-011 leaves rules open on every port to this rule",
      },
    ],
    trivy: [
      { id: "AWS-0107", relation: "looser", note: "flags rules open on every port only; AWS-0107 flags ingress from anywhere on any port" },
    ],
  },
  *check(ctx) {
    for (const rule of ingressRules(ctx)) {
      if (!isOpenToWorld(rule)) continue;
      // A port of -1 (ICMP's "every type") names no TCP/UDP port: read conservatively, as every port.
      // For ICMP it is every message type, which is not a port.
      const wide =
        allProtocols(rule) ||
        (!/^(icmp|icmpv6|1|58)$/i.test(rule.protocol) && (rule.fromPort === -1 || rule.toPort === -1)) ||
        (rule.fromPort === 0 && (rule.toPort ?? 0) >= 65535);
      if (wide) yield { block: rule.block, line: rule.line, message: "all ports are open to the internet" };
    }
  },
};
