import { bool, nested } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf017: TfRule = {
  id: "SLW-TF-017",
  area: "terraform",
  title: "ECR images not scanned on push",
  severity: "low",
  category: "security",
  rationale: "Without scanning, images with known-vulnerable packages are deployed without anyone knowing.",
  remediation: "Scan on push (or enable registry-wide enhanced scanning).",
  snippet: "image_scanning_configuration {\n  scan_on_push = true\n}",
  peers: { checkov: [{ id: "CKV_AWS_163", relation: "same" }], trivy: [{ id: "AWS-0030", relation: "same" }] },
  *check(ctx) {
    if (ctx.resources("aws_ecr_registry_scanning_configuration").length > 0) return;
    for (const r of ctx.resources("aws_ecr_repository")) {
      const cfg = nested(r.body, "image_scanning_configuration")[0];
      const v = cfg ? bool(cfg.body, "scan_on_push") : undefined;
      if (v !== true && v !== "unknown") yield { block: r, line: cfg?.line, message: "scan_on_push is not enabled" };
    }
  },
};
