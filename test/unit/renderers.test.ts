import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderableEnvironments } from "../../src/cli/commands/render-run.js";
import { renderers } from "../../src/render/registry.js";
import { renderVariants } from "../../src/render/renderer.js";
import { buildModel } from "../../src/spec/normalize.js";
import { echoRenderer } from "../fixtures/renderers/echo/echo-renderer.js";
import { dogfood } from "../helpers/dogfood.js";
import { examplesDir, loadExamples, repoRoot } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";

const examples = loadExamples();
const spec = join(examplesDir, "node-postgres/slipway.yaml");
// The built-in renderers plus one the CLI has never heard of, handed over as a plug-in would be.
const program = { renderers: [...renderers, echoRenderer] };
const env = { SLIPWAY_TODAY: "2026-01-01" };

describe("the renderer registry", () => {
  it("names every renderer once, aliases included", () => {
    const names = renderers.flatMap((r) => [r.name, ...(r.aliases ?? [])]);
    expect(names).toEqual(expect.arrayContaining(["kubernetes", "k8s", "helm"]));
    expect(new Set(names).size).toBe(names.length);
  });

  for (const renderer of renderers) {
    it(`render ${renderer.name} is deterministic: the same models give the same files, byte for byte`, async () => {
      for (const example of examples) {
        const models = (await renderableEnvironments(example.validated, renderer)).map((e) => buildModel(example.validated, e));
        for (const batch of renderer.scope === "spec" ? [models] : models.map((m) => [m])) {
          for (const options of renderVariants(renderer)) {
            const first = await renderer.render(batch, options);
            expect(first.length).toBeGreaterThan(0);
            expect(await renderer.render(batch, options)).toEqual(first);
          }
        }
      }
    });
  }

  it("slipway render --help lists the renderers of the registry it was given", async () => {
    const builtIn = await runCli(["render", "--help"]);
    for (const r of renderers) expect(builtIn.stdout).toContain(`\n  ${[r.name, ...(r.aliases ?? [])].join("|")} `);
    expect(builtIn.stdout).not.toContain("echo");
    const plugged = await runCli(["render", "--help"], { program });
    expect(plugged.stdout).toMatch(/\n {2}echo \[options\] +write the app's name/);
    expect(plugged.stdout).toContain("slipway render echo -e production --out echo/");
  });
});

describe("a renderer from outside src/ plugs into `slipway render` (the echo fixture)", () => {
  it("render echo -e <env> -o <dir> writes the environment's file, the same bytes every time", async () => {
    const outs = [mkdtempSync(join(tmpdir(), "slipway-echo-")), mkdtempSync(join(tmpdir(), "slipway-echo-"))];
    for (const out of outs) {
      const r = await runCli(["render", "echo", "-f", spec, "-e", "production", "-o", out], { cwd: repoRoot, program, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`✓ 1 file for production written to ${out}\n`);
    }
    const [a, b] = outs.map((out) => readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]));
    expect(a).toEqual(b);
    expect(a?.map(([f]) => f)).toEqual(["echo-production.yaml"]);
    const content = a?.[0]?.[1] ?? "";
    expect(content).toContain("app: node-postgres\n");
    expect(content).toContain('image: "ghcr.io/slipway-examples/node-postgres:1.0.0"\n');
    expect(content).toContain('port: "3000"\n');
  });

  it("takes the shared flags: --tag pins the image, --json reports the files", async () => {
    const out = mkdtempSync(join(tmpdir(), "slipway-echo-"));
    const r = await runCli(["render", "echo", "-f", spec, "-e", "staging", "--tag", "2.0.0", "-o", out, "--json"], {
      cwd: repoRoot,
      program,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, result: { environment: "staging", files: [join(out, "echo-staging.yaml")] } });
    expect(readFileSync(join(out, "echo-staging.yaml"), "utf8")).toContain("node-postgres:2.0.0");
  });

  it("without --out (it declares no default and no stream) is a usage error", async () => {
    const r = await runCli(["render", "echo", "-f", spec, "-e", "production", "--json"], { cwd: repoRoot, program, env });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe("USAGE");
  });

  it("an environment whose target does not take its form is RENDER_TARGET_MISMATCH, as for the built-in ones", async () => {
    const r = await runCli(["render", "echo", "-f", spec, "-e", "local", "-o", tmpdir(), "--json"], { cwd: repoRoot, program, env });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: "RENDER_TARGET_MISMATCH",
      message: "environment 'local' targets local, not Kubernetes",
      hint: "Render a Kubernetes environment: -e staging or -e production.",
    });
  });

  it("its output is held to the dogfood invariant like any registered renderer's", async () => {
    for (const example of examples) {
      const runs = await dogfood(echoRenderer, example.validated, { specShown: "slipway.yaml" });
      expect(runs.length).toBe(example.kubeModels.length);
      for (const run of runs) {
        expect(run.unchecked).toEqual([]);
        expect(run.blocking).toEqual([]);
      }
    }
  });
});

describe("RENDER_TARGET_MISMATCH for the built-in renderers", () => {
  const localOnly = () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-local-only-"));
    writeFileSync(
      join(dir, "slipway.yaml"),
      "name: shop\napp: { image: registry.example.com/shop:1.0.0, port: 3000, health: /up }\nenvironments: { dev: { target: local } }\ntargets: { local: { type: local, port: 4000 } }\n",
    );
    return dir;
  };

  it("render kubernetes -e <local environment>: located at its target, hint names the Kubernetes ones", async () => {
    const r = await runCli(["render", "kubernetes", "-f", spec, "-e", "local"], { cwd: repoRoot, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[RENDER_TARGET_MISMATCH]: environment 'local' targets local, not Kubernetes");
    expect(r.stderr).toMatch(/examples\/node-postgres\/slipway\.yaml:47:\d+/);
    expect(r.stderr).toContain("hint: Render a Kubernetes environment: -e staging or -e production.");
    const none = await runCli(["render", "k8s", "--json"], { cwd: localOnly(), env });
    expect(JSON.parse(none.stdout).error).toMatchObject({
      code: "RENDER_TARGET_MISMATCH",
      hint: "Give an environment `target: kubernetes`.",
    });
  });

  it("render helm with no Kubernetes environment", async () => {
    const r = await runCli(["render", "helm", "--json"], { cwd: localOnly(), env });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: "RENDER_TARGET_MISMATCH",
      message: "no environment targets Kubernetes, so there is nothing to put in a Helm chart",
      hint: "Give at least one environment `target: kubernetes`.",
    });
  });
});
