import { bool, nested } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf001: TfRule = {
  id: "SLW-TF-001",
  area: "terraform",
  title: "S3 state backend without encryption",
  severity: "high",
  category: "security",
  rationale:
    "Terraform state holds every resource's attributes, including generated database passwords; without encrypt = true it is stored unencrypted at rest.",
  remediation: "Encrypt the state object (and use a bucket with default KMS encryption).",
  snippet:
    'terraform {\n  backend "s3" {\n    bucket       = "acme-terraform-state"\n    key          = "shop/production.tfstate"\n    region       = "eu-west-2"\n    encrypt      = true\n    use_lockfile = true\n  }\n}',
  peers: {},
  *check(ctx) {
    for (const t of ctx.blocks.filter((b) => b.type === "terraform")) {
      for (const backend of nested(t.body, "backend").filter((b) => b.labels[0] === "s3")) {
        if (bool(backend.body, "encrypt") !== true && bool(backend.body, "encrypt") !== "unknown") {
          yield { block: t, line: backend.line, message: "the S3 backend does not set encrypt = true" };
        }
      }
    }
  },
};
