import { attr, attrLine } from "../../inputs/terraform.js";
import type { TfRule } from "../../types.js";

export const slwTf023: TfRule = {
  id: "SLW-TF-023",
  area: "terraform",
  title: "Module version not pinned",
  severity: "medium",
  category: "reliability",
  rationale:
    "An unpinned module changes under you: the next init pulls whatever was published, and a plan shows surprise changes (or a compromised release runs with your credentials). `~> MAJOR.MINOR` passes: it never crosses a major version, whose inputs and behaviour may change; a bare `>=` or `~> MAJOR` has no such bound.",
  remediation: "Pin registry modules with an exact version or `~> MAJOR.MINOR`, and Git modules with ?ref= a tag or commit.",
  snippet: 'module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.21.0"\n}',
  peers: {
    checkov: [
      { id: "CKV_TF_1", relation: "looser", note: "a version tag (?ref=v1.2.3) passes; CKV_TF_1 requires a commit hash" },
      { id: "CKV_TF_2", relation: "stricter", note: "also requires an exact version for registry modules" },
    ],
  },
  *check(ctx) {
    for (const m of ctx.blocks.filter((b) => b.type === "module")) {
      const source = attr(m.body, "source");
      if (typeof source !== "string") continue;
      if (source.startsWith("./") || source.startsWith("../")) continue;
      const git = /^(git::|github\.com\/|git@|bitbucket\.org\/)/.test(source) || /\.git(\/\/|\?|$)/.test(source);
      if (git) {
        const ref = /[?&]ref=([^&]+)/.exec(source)?.[1];
        if (!ref || /^(main|master|develop|HEAD)$/.test(ref))
          yield {
            block: m,
            line: attrLine(m, "source"),
            message: `git module source ${ref ? `tracks the branch ${ref}` : "has no ?ref="}`,
          };
        continue;
      }
      // A registry address may name a module inside the package: namespace/name/provider//modules/sub.
      const address = source.replace(/\/\/.*$/, "");
      if (/^[\w.-]+\/[\w-]+\/[\w-]+$/.test(address) || /^[\w.-]+\.[a-z]+\/[\w-]+\/[\w-]+\/[\w-]+$/.test(address)) {
        const version = attr(m.body, "version");
        if (version === undefined) yield { block: m, line: m.line, message: `registry module ${source} has no version` };
        else if (typeof version === "string" && unbounded(version))
          yield { block: m, line: attrLine(m, "version"), message: `version "${version}" is a range without an upper bound` };
      }
    }
  },
};

/** Whether a version constraint lets `init` cross a major version: empty, `>=`/`>`, or `~> MAJOR`. `~> 6.6` stays below 7. */
function unbounded(version: string): boolean {
  const v = version.trim();
  if (v === "" || /^>/.test(v)) return true;
  if (v.startsWith("~>")) return !/^~>\s*\d+\.\d+(\.\d+)?$/.test(v);
  return false;
}
