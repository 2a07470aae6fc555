import { describe, expect, it } from "vitest";
import { renderHelm } from "../../src/render/helm/render-helm.js";
import { renderKubernetes } from "../../src/render/kubernetes/render-kubernetes.js";
import { renderTerraform } from "../../src/render/terraform/render-terraform.js";
import { toYamlStream } from "../../src/render/yaml-stream.js";
import { loadExamples } from "../helpers/examples.js";

// Golden files: `npx vitest run --project unit -u test/unit/golden.test.ts` rewrites them; review the diff.
const examples = loadExamples();

describe("golden renders", () => {
  it("has the three examples", () => {
    expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(["flask-mysql", "node-postgres", "rails-mysql"]));
  });

  for (const example of examples) {
    for (const model of example.kubeModels) {
      it(`render kubernetes: ${example.name} ${model.environment}`, async () => {
        await expect(toYamlStream(renderKubernetes(model))).toMatchFileSnapshot(
          `../golden/${example.name}/kubernetes-${model.environment}.yaml`,
        );
      });
    }
    for (const model of example.kubeModels.filter((m) => m.infra)) {
      it(`render terraform: ${example.name} ${model.environment}`, async () => {
        // The root folder is <environment>/; golden files keep it under terraform/.
        for (const file of renderTerraform(model))
          await expect(file.content).toMatchFileSnapshot(`../golden/${example.name}/terraform/${file.path}`);
      });
    }
    it(`render helm: ${example.name}`, async () => {
      for (const file of renderHelm(example.kubeModels)) {
        const path = file.path.startsWith("templates/")
          ? `../golden/chart-templates/${file.path.slice(10)}`
          : `../golden/${example.name}/chart/${file.path}`;
        await expect(file.content).toMatchFileSnapshot(path);
      }
    });
  }

  it("chart templates are the same for every example", () => {
    const sets = examples.map((e) =>
      renderHelm(e.kubeModels)
        .filter((f) => f.path.startsWith("templates/"))
        .map((f) => `${f.path}\n${f.content}`)
        .join("\n"),
    );
    expect(new Set(sets).size).toBe(1);
  });
});
