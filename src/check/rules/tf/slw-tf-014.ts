import { attr, attrLine, strings } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";
import { awsModules } from "./helpers.js";

const all = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const slwTf014: TfRule = {
  id: "SLW-TF-014",
  area: "terraform",
  title: "EKS control-plane logging off",
  severity: "medium",
  category: "operability",
  rationale: "Without audit and authenticator logs nobody can tell who changed what in the cluster, before or after an incident.",
  remediation: "Enable the control-plane log types (at least api, audit and authenticator).",
  snippet: 'enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]',
  peers: { checkov: [{ id: "CKV_AWS_37", relation: "same" }], trivy: [{ id: "AWS-0038", relation: "same" }] },
  *check(ctx) {
    for (const r of ctx.resources("aws_eks_cluster")) {
      const v = attr(r.body, "enabled_cluster_log_types");
      if (v !== undefined && !Array.isArray(v)) continue;
      const enabled = strings(v);
      const missing = ["api", "audit", "authenticator"].filter((t) => !enabled.includes(t));
      if (missing.length > 0)
        yield {
          block: r,
          line: attrLine(r, "enabled_cluster_log_types"),
          message: `control-plane logs off: ${missing.join(", ")} (of ${all.join(", ")})`,
        };
    }
    // The EKS module logs audit, api and authenticator unless enabled_log_types says otherwise.
    for (const m of awsModules(ctx, "eks")) {
      const v = attr(m.body, "enabled_log_types");
      if (v === undefined || !Array.isArray(v)) continue;
      const enabled = strings(v);
      const missing = ["api", "audit", "authenticator"].filter((t) => !enabled.includes(t));
      if (missing.length > 0)
        yield {
          block: m,
          line: attrLine(m, "enabled_log_types"),
          message: `control-plane logs off: ${missing.join(", ")} (of ${all.join(", ")})`,
        };
    }
  },
};
