/*
 * The build context check `slipway build` runs before it sends a context to a builder: a missing
 * `.dockerignore` sends everything (git history, installed dependencies, `.env` files with secrets)
 * into the build, and from there a `COPY . .` puts it in the image. Pure: the text of the
 * `.dockerignore` in, findings out; read by the rules Docker and Podman use (ignore-rules.ts).
 */
import { parseIgnoreRules } from "./ignore-rules.js";

export interface ContextFinding {
  ruleId: "SLW-BUILD-001" | "SLW-BUILD-002" | "SLW-BUILD-003";
  severity: "high" | "medium";
  /** The file the finding is about (the .dockerignore, or where it should be), as shown to the user. */
  file: string;
  message: string;
}

/** What a context's `.dockerignore` should keep out: folders, and secret files (high). */
const keepOut: readonly { path: string; folder: boolean; secret: boolean; what: string; nodeOnly?: boolean }[] = [
  { path: ".git", folder: true, secret: false, what: "the git history" },
  { path: "node_modules", folder: true, secret: false, what: "the dependencies installed on this machine", nodeOnly: true },
  { path: ".env", folder: false, secret: true, what: "" },
  { path: ".env.production", folder: false, secret: true, what: "" },
];

/**
 * Findings for a build context's `.dockerignore` (`text` undefined: there is none). `shown` names it;
 * `node`: the context has a package.json, so node_modules should be left out too.
 */
export function dockerignoreFindings(
  text: string | undefined,
  shown: string,
  context: { node: boolean } = { node: true },
): ContextFinding[] {
  if (text === undefined) {
    return [
      {
        ruleId: "SLW-BUILD-001",
        severity: "high",
        file: shown,
        message:
          "the build context has no .dockerignore: the builder receives .git, node_modules and any .env file, and `COPY . .` puts them in the image",
      },
    ];
  }
  const rules = parseIgnoreRules(text, "dockerignore");
  const findings: ContextFinding[] = [];
  const secrets = keepOut.filter((k) => k.secret && !rules.ignores(k.path, k.folder)).map((k) => k.path);
  if (secrets.length > 0)
    findings.push({
      ruleId: "SLW-BUILD-002",
      severity: "high",
      file: shown,
      message: `.dockerignore does not exclude ${secrets.join(", ")}: secret files in the context reach the builder (add \`.env*\`)`,
    });
  const folders = keepOut.filter((k) => !k.secret && (context.node || !k.nodeOnly) && !rules.ignores(k.path, k.folder));
  if (folders.length > 0)
    findings.push({
      ruleId: "SLW-BUILD-003",
      severity: "medium",
      file: shown,
      message: `.dockerignore does not exclude ${folders.map((k) => k.path).join(", ")}: the builder receives ${folders.map((k) => k.what).join(" and ")}`,
    });
  return findings;
}
