import type { TfRule } from "../../types.js";
import { policyStatements } from "./helpers.js";

export const slwTf026: TfRule = {
  id: "SLW-TF-026",
  area: "terraform",
  title: "IAM grants S3 access the spec does not declare",
  severity: "high",
  category: "security",
  rationale:
    "slipway.yaml lists the buckets the app may use (app.aws.s3); a policy that reaches other buckets — or any bucket when none is declared — gives the app more than its declared intent.",
  remediation: "Limit S3 statements to the buckets named in app.aws.s3, or declare the bucket there.",
  snippet: "# slipway.yaml\napp:\n  aws:\n    s3: { shop-uploads: [read, write] }",
  peers: { trivy: [{ id: "AWS-0345", relation: "same" }] },
  *check(ctx) {
    const intent = ctx.intent;
    if (!intent) return;
    for (const st of policyStatements(ctx)) {
      if (st.effect !== "Allow" || !st.actions.some((a) => a === "*" || /^s3:/i.test(a))) continue;
      const outside = st.resources.filter((r) => {
        if (r === "*") return true;
        const m = /^arn:aws[\w-]*:s3:::([^/*]+)/.exec(r);
        return m ? !intent.s3Buckets.includes(m[1] as string) && !(intent.stateBuckets ?? []).includes(m[1] as string) : false;
      });
      if (outside.length > 0) {
        const declared = intent.s3Buckets.length === 0 ? "declares no S3 access" : `declares only ${intent.s3Buckets.join(", ")}`;
        yield { block: st.block, line: st.line, message: `S3 access to ${outside.join(", ")} but slipway.yaml ${declared}` };
      }
    }
  },
};
