import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allowed, anywhere, checkLayers, type ImportGraph, importsOf, layerRanks, readImportGraph } from "../../scripts/check-layers.mjs";

const srcDir = join(import.meta.dirname, "..", "..", "src");

describe("the layers of src/", () => {
  it("have no import cycle, no import that climbs a layer, no I/O in a pure stage (beyond the allow-list)", () => {
    expect(checkLayers(readImportGraph(srcDir))).toEqual([]);
  });

  it("name every top-level folder of src/ in the layer table", () => {
    const folders = readdirSync(srcDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => layerRanks[f] === undefined && !anywhere.includes(f))).toEqual([]);
  });

  it("give a reason for every allow-list entry", () => {
    for (const entry of allowed) expect(entry.why).toMatch(/\S/);
  });
});

describe("checkLayers over made-up graphs", () => {
  const check = (files: ImportGraph["files"], allow: Parameters<typeof checkLayers>[1] = []) => checkLayers({ files }, allow);

  it("passes a graph whose imports only go down", () => {
    expect(
      check({
        "cli/main.ts": ["targets/local/local-target.ts", "errors/codes.ts"],
        "targets/local/local-target.ts": ["deploy/engine.ts", "effects/processes.ts"],
        "deploy/engine.ts": ["model/app-model.ts"],
        "effects/processes.ts": ["node:child_process", "model/app-model.ts"],
        "model/app-model.ts": [],
        "errors/codes.ts": [],
      }),
    ).toEqual([]);
  });

  it("reports a cycle with its path", () => {
    expect(
      check({
        "cli/main.ts": ["cli/commands/deploy.ts"],
        "cli/commands/deploy.ts": ["cli/report.ts"],
        "cli/report.ts": ["cli/main.ts"],
      }),
    ).toEqual(["cycle: cli/commands/deploy.ts -> cli/report.ts -> cli/main.ts -> cli/commands/deploy.ts"]);
  });

  it("reports an import that climbs a layer", () => {
    expect(check({ "effects/processes.ts": ["targets/local/runtime.ts"], "targets/local/runtime.ts": [] })).toEqual([
      "climb: effects/processes.ts imports targets/local/runtime.ts (effects, layer 1, may not import targets, layer 4)",
    ]);
    expect(check({ "deploy/engine.ts": ["cli/main.ts"], "cli/main.ts": [] })).toEqual([
      "climb: deploy/engine.ts imports cli/main.ts (deploy, layer 3, may not import cli, layer 5)",
    ]);
  });

  it("reports a pure stage that imports node:fs, child_process, effects or cli", () => {
    expect(
      check({
        "render/kubernetes/render.ts": ["node:fs/promises", "effects/files.ts"],
        "spec/load.ts": ["node:child_process"],
        "effects/files.ts": [],
      }),
    ).toEqual([
      "impure: render/kubernetes/render.ts imports node:fs/promises (src/render does no I/O)",
      "impure: render/kubernetes/render.ts imports effects/files.ts (src/render never imports effects/)",
      "impure: spec/load.ts imports node:child_process (src/spec does no I/O)",
    ]);
  });

  it("leaves allow-listed edges out, fails on a new cycle around them, and on an entry whose import is gone", () => {
    const files = {
      "cli/main.ts": ["cli/commands/deploy.ts"],
      "cli/commands/deploy.ts": ["cli/main.ts", "cli/context.ts"],
      "cli/context.ts": ["cli/main.ts"],
    };
    const allow = [{ from: "cli/commands/deploy.ts", to: "cli/main.ts", why: "test" }];
    expect(check(files, allow)).toEqual(["cycle: cli/commands/deploy.ts -> cli/context.ts -> cli/main.ts -> cli/commands/deploy.ts"]);
    expect(check({ "cli/main.ts": [] }, allow)).toEqual([
      "stale allow-list entry: cli/commands/deploy.ts -> cli/main.ts (the import is gone: delete the entry)",
    ]);
  });

  it("reports a file in a folder the layer table does not name", () => {
    expect(check({ "plugins/echo.ts": [] })).toEqual([
      "unknown layer: plugins/echo.ts is in src/plugins, which the layer table in scripts/check-layers.mjs does not name",
    ]);
  });
});

describe("importsOf", () => {
  it("finds static, type-only, re-exported, side-effect and dynamic imports, and skips comments", () => {
    const source = [
      'import { a, type B } from "./a.js";',
      'import type {\n  C,\n  D,\n} from "../c.js";',
      'import * as e from "node:fs";',
      'import f, { g } from "./f.js";',
      'export { h } from "./h.js";',
      'export type * from "./types.js";',
      'export * as all from "./all.js";',
      'import "./side-effect.js";',
      'const lazy = await import("./lazy.js");',
      'type T = typeof import("./typeof.js");',
      '// import { x } from "./commented.js";',
      '/* export * from "./block.js"; */',
      'const url = "http://example.com/"; // import "./after-url.js"',
      'export const from = "./not-an-import.js";',
    ].join("\n");
    expect(importsOf(source).sort()).toEqual(
      ["./a.js", "../c.js", "node:fs", "./f.js", "./h.js", "./types.js", "./all.js", "./side-effect.js", "./lazy.js", "./typeof.js"].sort(),
    );
  });
});
