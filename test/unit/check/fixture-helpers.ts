/*
 * Helpers for the table-driven rule tests: every rule has a folder test/fixtures/check/<area>/<rule-id>/ with
 * fail*.<ext> files (the rule must fire) and pass*.<ext> files (the rule must stay silent).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type InputText, parseInputs } from "../../../src/check/parse-inputs.js";
import { runCheck } from "../../../src/check/run-check.js";
import type { Area, Finding, InputKind } from "../../../src/check/types.js";
import { repoRoot } from "../../helpers/examples.js";

export const fixturesRoot = join(repoRoot, "test", "fixtures", "check");
const areaDir: Record<Area, string> = { kubernetes: "k8s", terraform: "tf", dockerfile: "df", ci: "ci", general: "general" };

export function fixtureDir(ruleId: string, area: Area): string {
  return join(fixturesRoot, areaDir[area], ruleId.toLowerCase());
}

function kindFor(area: Area, file: string): InputKind | undefined {
  if (area === "kubernetes") return "kubernetes";
  if (area === "terraform") return "terraform";
  if (area === "dockerfile") return "dockerfile";
  if (area === "ci") return file.includes("gitlab") ? "gitlab-ci" : "github-actions";
  return undefined;
}

/** Checks one fixture file the way `slipway check <file>` would (spec intent: the bucket shop-uploads). */
export function checkFixture(path: string, area: Area): Finding[] {
  const rel = path.slice(repoRoot.length + 1);
  const bytes = readFileSync(path);
  const input: InputText = { origin: { file: rel, label: rel }, bytes, size: bytes.byteLength, explicit: true, kind: kindFor(area, rel) };
  const report = runCheck(parseInputs([input]), { today: "2026-06-01", intent: { s3Buckets: ["shop-uploads"] } });
  return report.findings.filter((f) => !f.waived);
}
