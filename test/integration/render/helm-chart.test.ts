import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { AppModel } from "../../../src/model/app-model.js";
import { databaseUrl, databaseUrlTemplate } from "../../../src/render/database-url.js";
import { renderHelm } from "../../../src/render/helm/render-helm.js";
import { type KubeObject, renderKubernetes } from "../../../src/render/kubernetes/render-kubernetes.js";
import { toYaml } from "../../../src/render/yaml-stream.js";
import { parseSpecText } from "../../../src/spec/load.js";
import { buildModel } from "../../../src/spec/normalize.js";
import { validateSpec } from "../../../src/spec/validate.js";
import { loadExamples } from "../../helpers/examples.js";
import { specArbitrary } from "../../helpers/spec-arbitrary.js";
import { toolPath } from "../../helpers/tools.js";

const run = promisify(execFile);

function writeChart(models: AppModel[]): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-chart-"));
  for (const file of renderHelm(models)) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  return dir;
}

async function helmTemplate(helm: string, chart: string, model: AppModel): Promise<KubeObject[]> {
  const { stdout } = await run(helm, [
    "template",
    model.name,
    chart,
    "--namespace",
    model.namespace,
    "-f",
    join(chart, `values-${model.environment}.yaml`),
    "--set",
    "namespace.create=true",
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

/** helm template of the chart gives exactly the objects of render kubernetes (compared as data). */
async function expectEquivalent(helm: string, chart: string, model: AppModel): Promise<void> {
  const fromHelm = await helmTemplate(helm, chart, model);
  const ours = renderKubernetes(model).map((o) => JSON.parse(JSON.stringify(o)) as KubeObject);
  expect(fromHelm.map(key).sort()).toEqual(ours.map(key).sort());
  for (const object of ours)
    expect(
      fromHelm.find((o) => key(o) === key(object)),
      key(object),
    ).toEqual(object);
}

for (const tool of ["helm", "helm3"] as const) {
  const helm = toolPath(tool);
  describe(`chart equivalence with the real ${tool}`, () => {
    it("the pinned binary is built", () => {
      expect(helm, `run: bash test/cluster/build.sh helm`).toBeDefined();
    });
    if (!helm) return;

    for (const example of loadExamples()) {
      it(`${example.name}: every environment, and helm lint passes`, async () => {
        const chart = writeChart(example.kubeModels);
        for (const model of example.kubeModels) await expectEquivalent(helm, chart, model);
        const lint = await run(helm, ["lint", chart, "--strict", "-f", join(chart, `values-${example.kubeModels[0]?.environment}.yaml`)]);
        expect(lint.stdout).toContain("0 chart(s) failed");
      });
    }

    it("random valid specs: helm template equals render kubernetes", async () => {
      await fc.assert(
        fc.asyncProperty(specArbitrary, async (spec) => {
          const validated = validateSpec(parseSpecText(toYaml(spec), "slipway.yaml"));
          const models = Object.values(validated.environments).map((e) => buildModel(validated, e));
          const chart = writeChart(models);
          for (const model of models) await expectEquivalent(helm, chart, model);
        }),
        { numRuns: Number(process.env.SLIPWAY_HELM_PROPERTY_RUNS ?? 25) },
      );
    });

    // External Secrets runs its templates with Go's text/template and sprig, as Helm does: Helm's
    // `tpl` stands in for it here, over passwords made of anything.
    it("the ExternalSecret url template composes exactly the URL slipway composes, for any password", async () => {
      const passwords = fc.sample(fc.string({ unit: "binary", minLength: 1, maxLength: 24 }), { numRuns: 200, seed: 11 });
      passwords.push("p@ss:w/rd?#[]", "a b+c%20d", "$(DB_USER)", "ünï😀", "'\"`;\\", "+++", "%");
      const db = { urlScheme: "mysql+pymysql", port: 3306, name: "shop" };
      const dir = mkdtempSync(join(tmpdir(), "slipway-tpl-"));
      mkdirSync(join(dir, "templates"));
      writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: tpl\nversion: 0.1.0\n");
      writeFileSync(
        join(dir, "templates", "urls.yaml"),
        "data:\n{{- range $i, $c := .Values.cases }}\n  u{{ $i }}: {{ tpl $.Values.template $c | b64enc }}\n{{- end }}\n",
      );
      const cases = passwords.map((password) => ({ host: "db.internal", password }));
      writeFileSync(join(dir, "values.yaml"), JSON.stringify({ template: databaseUrlTemplate(db, "shop_app"), cases }));
      const { stdout } = await run(helm, ["template", "tpl", dir]);
      const data = (parseAllDocuments(stdout)[0]?.toJS() as { data?: Record<string, string> } | undefined)?.data ?? {};
      passwords.forEach((password, i) => {
        const fromGo = Buffer.from(data[`u${i}`] ?? "", "base64").toString("utf8");
        expect(fromGo, JSON.stringify(password)).toBe(
          databaseUrl({ scheme: db.urlScheme, user: "shop_app", password, host: "db.internal", port: db.port, name: db.name }),
        );
        expect(decodeURIComponent(new URL(fromGo.replace(/^[^:]+:/, "http:")).password)).toBe(password);
      });
    });
  });
}
