import { attr, nested, strings } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf015: TfRule = {
  id: "SLW-TF-015",
  area: "terraform",
  title: "EKS secrets not envelope-encrypted",
  severity: "medium",
  category: "security",
  rationale:
    "Without envelope encryption Kubernetes Secrets sit in etcd protected only by the disk encryption; a KMS key adds an access-controlled, audited layer.",
  remediation: "Add an encryption_config for secrets with a KMS key.",
  snippet: 'encryption_config {\n  resources = ["secrets"]\n  provider { key_arn = aws_kms_key.eks.arn }\n}',
  peers: { checkov: [{ id: "CKV_AWS_58", relation: "same" }], trivy: [{ id: "AWS-0039", relation: "same" }] },
  *check(ctx) {
    for (const r of ctx.resources("aws_eks_cluster")) {
      const configs = nested(r.body, "encryption_config");
      const ok = configs.some((c) => {
        const res = attr(c.body, "resources");
        return res === undefined || !Array.isArray(res) || strings(res).includes("secrets");
      });
      if (!ok) yield { block: r, message: "no encryption_config for secrets" };
    }
  },
};
