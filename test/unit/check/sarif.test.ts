import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parseInputs } from "../../../src/check/parse-inputs.js";
import { intentWaivers, renderedBatch } from "../../../src/check/rendered.js";
import { sarifReport } from "../../../src/check/reporters/sarif.js";
import { runCheck } from "../../../src/check/run-check.js";
import { renderKubernetes } from "../../../src/render/kubernetes/render-kubernetes.js";
import { loadExamples, repoRoot } from "../../helpers/examples.js";
import { fixturesRoot } from "./fixture-helpers.js";

const schema = JSON.parse(readFileSync(join(fixturesRoot, "sarif", "sarif-schema-2.1.0.json"), "utf8"));
const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
const validate = ajv.compile(schema);

/** Every fixture of every area, checked in one run: many rules, files, lines and waivers. */
function allFixtures() {
  const texts = [];
  for (const area of ["k8s", "tf", "df", "ci", "general"]) {
    for (const rule of readdirSync(join(fixturesRoot, area))) {
      for (const file of readdirSync(join(fixturesRoot, area, rule))) {
        const full = join(fixturesRoot, area, rule, file);
        const rel = full.slice(repoRoot.length + 1);
        const bytes = readFileSync(full);
        const kind =
          area === "k8s"
            ? "kubernetes"
            : area === "tf"
              ? "terraform"
              : area === "df"
                ? "dockerfile"
                : area === "ci"
                  ? file.includes("gitlab")
                    ? "gitlab-ci"
                    : "github-actions"
                  : undefined;
        texts.push({ origin: { file: rel, label: rel }, bytes, size: bytes.byteLength, explicit: true, kind, group: rel } as const);
      }
    }
  }
  return texts;
}

describe("SARIF 2.1.0 output", () => {
  it("validates against the official schema for every fixture (files, lines, waivers, parse errors)", () => {
    const report = runCheck(parseInputs(allFixtures()), { today: "2026-06-01", intent: { s3Buckets: [] } });
    expect(report.findings.length).toBeGreaterThan(200);
    const sarif = sarifReport({ report, minSeverity: "low", showWaived: true }, { toolVersion: "0.1.0" });
    const ok = validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const run = (
      sarif.runs as {
        results: { ruleId: string; ruleIndex: number; suppressions?: unknown[] }[];
        tool: { driver: { rules: { id: string }[] } };
      }[]
    )[0];
    for (const r of run?.results ?? []) expect(run?.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
    expect(run?.results.some((r) => r.suppressions)).toBe(true);
  });

  it("validates for rendered objects, which point at the spec file and name the object", () => {
    const example = loadExamples()[0];
    if (!example) throw new Error("no example");
    const envs = example.kubeModels.map((model) => ({ model, objects: renderKubernetes(model) }));
    const report = runCheck(renderedBatch(envs), {
      today: "2026-06-01",
      extraWaivers: example.kubeModels.flatMap((m) => intentWaivers(m, "slipway.yaml")),
    });
    const sarif = sarifReport(
      { report, minSeverity: "low", showWaived: true },
      { toolVersion: "0.1.0", renderedUri: `examples/${example.name}/slipway.yaml` },
    );
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    const results =
      (
        sarif.runs as {
          results: {
            locations: { logicalLocations: { fullyQualifiedName: string }[]; physicalLocation: { artifactLocation: { uri: string } } }[];
          }[];
        }[]
      )[0]?.results ?? [];
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.locations[0]?.physicalLocation.artifactLocation.uri).toBe(`examples/${example.name}/slipway.yaml`);
      expect(r.locations[0]?.logicalLocations[0]?.fullyQualifiedName).toMatch(/\//);
    }
  });

  it("the schema check is not vacuous: a broken log fails it", () => {
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false);
  });
});
