import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AppModel } from "../../src/model/app-model.js";
import { parseSpecText } from "../../src/spec/load.js";
import { buildModel } from "../../src/spec/normalize.js";
import { type ValidatedSpec, validateSpec } from "../../src/spec/validate.js";

export const repoRoot = join(import.meta.dirname, "..", "..");
export const examplesDir = join(repoRoot, "examples");

export interface ExampleSpec {
  name: string;
  dir: string;
  file: string;
  text: string;
  validated: ValidatedSpec;
  /** Models of every environment that targets Kubernetes. */
  kubeModels: AppModel[];
}

/** Every example folder with a slipway.yaml, validated and modelled. */
export function loadExamples(): ExampleSpec[] {
  return readdirSync(examplesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((name) => {
      const dir = join(examplesDir, name);
      const file = join(dir, "slipway.yaml");
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        return [];
      }
      const validated = validateSpec(parseSpecText(text, `examples/${name}/slipway.yaml`));
      const kubeModels = Object.values(validated.environments)
        .filter((e) => e.target.type === "kubernetes")
        .map((e) => buildModel(validated, e));
      return [{ name, dir, file, text, validated, kubeModels }];
    });
}
