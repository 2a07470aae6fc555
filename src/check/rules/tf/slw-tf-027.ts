import { nested, str } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf027: TfRule = {
  id: "SLW-TF-027",
  area: "terraform",
  title: "Instance metadata v1 allowed",
  severity: "high",
  category: "security",
  rationale:
    "IMDSv1 answers any request from the instance, so one server-side request forgery in the app hands out the instance role's credentials.",
  remediation: "Require session tokens (IMDSv2).",
  snippet: 'metadata_options {\n  http_tokens   = "required"\n  http_endpoint = "enabled"\n}',
  peers: {
    checkov: [{ id: "CKV_AWS_79", relation: "same" }],
    trivy: [
      { id: "AWS-0028", relation: "same" },
      { id: "AWS-0130", relation: "same" },
    ],
  },
  *check(ctx) {
    for (const r of [
      ...ctx.resources("aws_instance"),
      ...ctx.resources("aws_launch_template"),
      ...ctx.resources("aws_launch_configuration"),
    ]) {
      const opts = nested(r.body, "metadata_options")[0];
      if (opts && str(opts.body, "http_endpoint") === "disabled") continue;
      const tokens = opts ? str(opts.body, "http_tokens") : undefined;
      if (opts?.body.attributes.has("http_tokens") && tokens === undefined) continue;
      if (tokens !== "required") yield { block: r, line: opts?.line, message: `http_tokens is ${tokens ?? "optional (default)"}` };
    }
  },
};
