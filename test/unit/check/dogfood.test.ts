import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { intentWaivers, renderedBatch } from "../../../src/check/rendered.js";
import { atLeast, runCheck } from "../../../src/check/run-check.js";
import type { Finding } from "../../../src/check/types.js";
import type { AppModel } from "../../../src/model/app-model.js";
import { renderKubernetes } from "../../../src/render/kubernetes/render-kubernetes.js";
import { parseSpecText } from "../../../src/spec/load.js";
import { buildModel } from "../../../src/spec/normalize.js";
import { validateSpec } from "../../../src/spec/validate.js";
import { loadExamples } from "../../helpers/examples.js";
import { specArbitrary } from "../../helpers/spec-arbitrary.js";

function blocking(models: AppModel[]): Finding[] {
  const report = runCheck(renderedBatch(models.map((model) => ({ model, objects: renderKubernetes(model) }))), {
    today: "2026-01-01",
    extraWaivers: models.flatMap((m) => intentWaivers(m, "slipway.yaml")),
  });
  return report.findings.filter((f) => !f.waived && atLeast(f.severity, "medium"));
}

const show = (fs: Finding[]) => fs.map((f) => `${f.ruleId} ${f.label} ${f.object}: ${f.message}`);

describe("dogfood: slipway's own render passes its own check (nothing at medium or above)", () => {
  for (const example of loadExamples()) {
    it(`examples/${example.name}: every Kubernetes environment`, () => {
      expect(show(blocking(example.kubeModels))).toEqual([]);
    });
  }

  it("random valid specs", () => {
    fc.assert(
      fc.property(
        // Identical liveness and readiness paths are rejected by the spec (rule liveness ≠ readiness).
        specArbitrary,
        (spec) => {
          const validated = validateSpec(parseSpecText(stringify(spec), "slipway.yaml"));
          const models = Object.values(validated.environments).map((e) => buildModel(validated, e));
          expect(show(blocking(models))).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
