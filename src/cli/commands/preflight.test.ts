import { describe, expect, it } from "vitest";
import { parseSpecText } from "../../spec/load.js";
import { validateSpec } from "../../spec/validate.js";
import { preflightFindings } from "./preflight.js";

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
});
