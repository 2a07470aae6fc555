import { dirname } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { renderableEnvironments } from "../../../src/cli/commands/render-run.js";
import { renderers } from "../../../src/render/registry.js";
import type { Renderer } from "../../../src/render/renderer.js";
import { parseSpecText } from "../../../src/spec/load.js";
import { buildModel } from "../../../src/spec/normalize.js";
import { validateSpec } from "../../../src/spec/validate.js";
import { dogfood, dogfoodThreshold } from "../../helpers/dogfood.js";
import { loadExamples } from "../../helpers/examples.js";
import { specArbitrary } from "../../helpers/spec-arbitrary.js";
import { toolPath } from "../../helpers/tools.js";

// Every renderer of the registry, so a new one is held to the invariant without a new test.
const helm = toolPath("helm");
const helmDir = helm ? dirname(helm) : undefined;
const examples = loadExamples();

describe(`dogfood: every renderer's output passes slipway check (nothing at ${dogfoodThreshold} or above)`, () => {
  it("the pinned helm binary is built (check renders charts with it)", () => {
    expect(helm, "run: bash test/cluster/build.sh helm").toBeDefined();
  });

  for (const renderer of renderers) {
    for (const example of examples) {
      it(`render ${renderer.name}: examples/${example.name}`, async () => {
        const runs = await dogfood(renderer, example.validated, { specShown: "slipway.yaml", helmDir });
        expect(runs.length, "the example has an environment this renderer takes").toBeGreaterThan(0);
        for (const run of runs) {
          expect(run.unchecked, run.environments.join(",")).toEqual([]);
          expect(run.blocking, run.environments.join(",")).toEqual([]);
        }
      });
    }

    // Random specs too, handed to check in memory (the examples above go through a folder). A chart
    // is checked through a folder and `helm template`, a process per environment, so
    // only a couple of runs for renderers that make one; test/integration/render/helm-chart.test.ts
    // proves on random specs that the chart renders exactly what `render kubernetes` does, which
    // gets the full count here.
    it(`render ${renderer.name}: random valid specs`, { timeout: 120_000 }, async () => {
      const numRuns = (await makesChart(renderer)) ? 2 : 150;
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(specArbitrary, async (spec) => {
          const validated = validateSpec(parseSpecText(stringify(spec), "slipway.yaml"));
          for (const run of await dogfood(renderer, validated, { specShown: "slipway.yaml", helmDir, inMemory: true })) {
            runs++;
            expect(run.unchecked).toEqual([]);
            expect(run.blocking).toEqual([]);
          }
        }),
        { numRuns },
      );
      expect(runs, "some generated spec has an environment this renderer takes").toBeGreaterThan(0);
    });
  }
});

/** Whether the renderer's files form a Helm chart (checked through helm), from its render of the first example. */
async function makesChart(renderer: Renderer): Promise<boolean> {
  const example = examples[0]!;
  const models = (await renderableEnvironments(example.validated, renderer)).map((env) => buildModel(example.validated, env));
  const files = await renderer.render(renderer.scope === "spec" ? models : models.slice(0, 1));
  return files.some((f) => f.check === "helm-chart");
}
