import { attr, bool, nested } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf002: TfRule = {
  id: "SLW-TF-002",
  area: "terraform",
  title: "S3 state backend without locking",
  severity: "high",
  category: "reliability",
  rationale: "Without a lock two applies (a developer and CI) can run at once and corrupt the state, orphaning or duplicating resources.",
  remediation: "Turn on S3 native locking (use_lockfile = true, Terraform ≥ 1.10) or name a DynamoDB lock table.",
  snippet: 'backend "s3" {\n  # …\n  use_lockfile = true\n}',
  peers: {},
  *check(ctx) {
    for (const t of ctx.blocks.filter((b) => b.type === "terraform")) {
      for (const backend of nested(t.body, "backend").filter((b) => b.labels[0] === "s3")) {
        if (bool(backend.body, "use_lockfile") === true || attr(backend.body, "dynamodb_table") !== undefined) continue;
        if (bool(backend.body, "use_lockfile") === "unknown") continue;
        yield { block: t, line: backend.line, message: "the S3 backend has no lock (use_lockfile or dynamodb_table)" };
      }
    }
  },
};
