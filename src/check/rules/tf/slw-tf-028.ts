import { attrLine, str } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf028: TfRule = {
  id: "SLW-TF-028",
  area: "terraform",
  title: "Database password written in the code",
  severity: "critical",
  category: "security",
  rationale: "A literal master password is in Git, in every clone and in the plan output; rotating it means a code change.",
  remediation: "Let RDS manage the password in Secrets Manager, or pass it from a secret store.",
  snippet: "manage_master_user_password = true",
  peers: {},
  *check(ctx) {
    for (const r of [...ctx.resources("aws_db_instance"), ...ctx.resources("aws_rds_cluster")]) {
      for (const key of ["password", "master_password"]) {
        const v = str(r.body, key);
        if (v !== undefined && v !== "" && !v.includes("${"))
          yield { block: r, line: attrLine(r, key), message: `${key} is a literal in the code` };
      }
    }
  },
};
