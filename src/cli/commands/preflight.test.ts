import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSpecText } from "../../spec/load.js";
import { validateSpec } from "../../spec/validate.js";
import { buildPreflightHint, preflightFindings } from "./preflight.js";

const spec = `name: shop
app:
  image: registry.example.com/shop
  port: 5000
  health: /up
environments:
  production: { target: kubernetes }
  local: { target: local }
`;

const validated = validateSpec(parseSpecText(spec, "slipway.yaml"));
const env = (name: string) => validated.environments[name] as NonNullable<(typeof validated.environments)[string]>;
const base = { cwd: "/work/my app", specFile: "/work/my app/slipway.yaml", specShown: "slipway.yaml", today: "2026-01-01" };

describe("the deploy preflight", () => {
  it("names the check command with the deploy's file, environment and tag, quoted for a shell", async () => {
    const p = await preflightFindings(validated, env("production"), { ...base, file: "../my app/slipway.yaml", tag: "latest" });
    expect(p.command).toBe("slipway check -f '../my app/slipway.yaml' -e production --tag latest --min-severity high");
    expect(p.checked).toBe(true);
    expect(p.findings.map((f) => f.ruleId)).toContain("SLW-K8S-027");
  });

  it("checks the deploy's own tag: a pinned one has no latest-tag finding", async () => {
    const p = await preflightFindings(validated, env("production"), { ...base, file: "slipway.yaml", tag: "1.4.2" });
    expect(p.command).toBe("slipway check -f slipway.yaml -e production --tag 1.4.2 --min-severity high");
    expect(p.findings.map((f) => f.ruleId)).not.toContain("SLW-K8S-027");
  });

  it("has nothing to check for a local environment", async () => {
    const p = await preflightFindings(validated, env("local"), { ...base, file: "slipway.yaml" });
    expect(p).toMatchObject({ checked: false, findings: [] });
    // Said by the driver, not by the CLI: a target without a Kubernetes render says what it deploys instead.
    expect(p.deploys).toContain("a copy of the app's folder to the local target");
  });

  it("checks app.build's Dockerfile for a host environment, which runs the image as it is; without app.build, nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-preflight-host-"));
    try {
      // A team's Dockerfile that never leaves root: the host's runtime runs it as root.
      writeFileSync(join(dir, "Dockerfile"), 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "wsgi:app"]\n');
      const hostSpec = (build: string) =>
        validateSpec(
          parseSpecText(
            `name: notes\napp:\n  image: registry.example.com/notes\n${build}  port: 8000\n  health: /healthz\nenvironments:\n  production: { target: server }\ntargets:\n  server: { type: host, ssh: deploy@203.0.113.7 }\n`,
            "slipway.yaml",
          ),
        );
      const opts = { ...base, cwd: dir, specFile: join(dir, "slipway.yaml"), file: "slipway.yaml", tag: "1.0.0" };
      const built = hostSpec("  build: { context: ., dockerfile: Dockerfile }\n");
      const checked = await preflightFindings(
        built,
        built.environments.production as NonNullable<(typeof built.environments)[string]>,
        opts,
      );
      expect(checked.checked).toBe(true);
      expect(checked.findings.map((f) => [f.ruleId, f.file])).toContainEqual(["SLW-DF-001", "Dockerfile"]);
      const elsewhere = hostSpec("");
      const unchecked = await preflightFindings(
        elsewhere,
        elsewhere.environments.production as NonNullable<(typeof elsewhere.environments)[string]>,
        opts,
      );
      expect(unchecked).toMatchObject({ checked: false, findings: [] });
      expect(unchecked.deploys).toContain("containers on a server over SSH");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a blocked build's hint names the check command only for Dockerfile findings, and the .dockerignore for the context's own", () => {
    const command = "slipway check -f slipway.yaml Dockerfile --rule SLW-DF --min-severity high";
    const both = buildPreflightHint({ dockerfileCommand: command, dockerignore: ".dockerignore" });
    expect(both).toBe(
      `\`${command}\` shows the Dockerfile's; the build context's (SLW-BUILD-…, checked by slipway build only): add what each one names to .dockerignore. Fix them, waive one in checks.waivers with a reason, or build anyway with --force.`,
    );
    // Only a .dockerignore finding: no command that would answer "no findings".
    const contextOnly = buildPreflightHint({ dockerignore: "app/.dockerignore" });
    expect(contextOnly).not.toContain("slipway check");
    expect(contextOnly).toContain("add what each one names to app/.dockerignore");
    expect(buildPreflightHint({ dockerfileCommand: command })).toBe(
      `\`${command}\` shows the Dockerfile's. Fix them, waive one in checks.waivers with a reason, or build anyway with --force.`,
    );
  });
});
