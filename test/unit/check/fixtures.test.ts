/*
 * Table-driven rule tests: every rule has a folder test/fixtures/check/<area>/<rule-id>/ with
 * fail*.<ext> files (the rule must fire) and pass*.<ext> files (the rule must stay silent).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue } from "../../../src/check/catalogue.js";
import { checkFixture, fixtureDir } from "./fixture-helpers.js";

describe("every rule has failing and passing fixtures", () => {
  it.each(catalogue.map((r) => [r.id, r.area] as const))("%s", (id, area) => {
    const dir = fixtureDir(id, area);
    const files = existsSync(dir) ? readdirSync(dir) : [];
    expect(
      files.filter((f) => f.startsWith("fail")),
      `${dir} needs a fail* fixture`,
    ).not.toHaveLength(0);
    expect(
      files.filter((f) => f.startsWith("pass")),
      `${dir} needs a pass* fixture`,
    ).not.toHaveLength(0);
  });
});

describe("rules fire on their failing fixtures and stay silent on their passing ones", () => {
  for (const rule of catalogue) {
    const dir = fixtureDir(rule.id, rule.area);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      const expectFinding = file.startsWith("fail");
      it(`${rule.id} ${expectFinding ? "fires on" : "passes"} ${file}`, () => {
        const all = checkFixture(join(dir, file), rule.area);
        if (rule.id !== "SLW-GEN-001")
          expect(all.filter((f) => f.ruleId === "SLW-GEN-001").map((f) => `${f.line}: ${f.message}`)).toEqual([]);
        const findings = all.filter((f) => f.ruleId === rule.id);
        if (expectFinding) expect(findings.length, `${rule.id} should fire on ${file}`).toBeGreaterThan(0);
        else expect(findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
      });
    }
  }
});
