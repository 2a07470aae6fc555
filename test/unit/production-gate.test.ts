import { describe, expect, it } from "vitest";
import { deployGateDecision, type Gate, type GoliveResult } from "../../src/plan/golive.js";
import { parseSpecText } from "../../src/spec/load.js";
import { validateSpec } from "../../src/spec/validate.js";
import { validateSpecFast } from "../../src/spec/validate-fast.js";

const spec = (production: string) => `name: shop
app:
  image: example.com/shop:1.0.0
  port: 3000
  command: [node, server.js]
  health: { readiness: /ready }
environments:
  live:
    target: local
${production}  dev:
    target: local
`;

describe("environments.<env>.production", () => {
  it("is true only where the spec says so (default false), in both validators", () => {
    for (const validate of [validateSpec, validateSpecFast]) {
      const validated = validate(parseSpecText(spec("    production: true\n"), "slipway.yaml"));
      expect(validated?.environments.live?.production).toBe(true);
      expect(validated?.environments.dev?.production).toBe(false);
    }
  });

  it("rejects a value that is not a boolean, at its location", () => {
    let error: unknown;
    try {
      validateSpec(parseSpecText(spec('    production: "yes"\n'), "slipway.yaml"));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "SPEC_INVALID_TYPE", message: 'expected true or false, got "yes"', location: { line: 10 } });
  });
});

describe("deployGateDecision", () => {
  const gate = (id: Gate["id"], status: Gate["status"]): Gate => ({ id, title: id, status, evidence: `${id} evidence` });
  const result = (gates: Gate[]): GoliveResult => ({ environment: "live", ok: gates.every((g) => g.status !== "fail"), gates });

  it("proceeds when no gate fails (not-applicable gates do not count), with or without --force", () => {
    const passing = result([gate("check", "not-applicable"), gate("drill", "pass")]);
    expect(deployGateDecision(passing, false)).toEqual({ action: "proceed" });
    expect(deployGateDecision(passing, true)).toEqual({ action: "proceed" });
  });

  it("blocks on a failed gate, and with --force goes on naming every failed gate", () => {
    const failing = result([gate("backups", "fail"), gate("tls", "pass"), gate("drill", "fail")]);
    expect(deployGateDecision(failing, false)).toEqual({ action: "blocked", failed: [failing.gates[0], failing.gates[2]] });
    expect(deployGateDecision(failing, true)).toEqual({
      action: "overridden",
      failed: [failing.gates[0], failing.gates[2]],
      overriddenGates: ["backups", "drill"],
    });
  });
});
