import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "../../helpers/examples.js";

/*
 * Issue 14 (start-up round 6, bench/RESULTS.md): what a cold `render kubernetes` does not do any
 * more. Runs the built binary with a module hook registered before bin.js runs, so bin.js's own
 * resolve hook sits in front of it: a specifier that reaches this hook went to Node's resolver.
 * At exit it lists Node's built-in modules the process loaded.
 */
const bin = join(repoRoot, "dist/bundle/bin.js");
const work = mkdtempSync(join(tmpdir(), "slipway-start-up-"));
const hook = join(work, "trace.mjs");
writeFileSync(
  hook,
  [
    // Through getBuiltinModule: an `import` of node:fs would itself load fs/promises (its facade reads every export).
    'const { registerHooks } = process.getBuiltinModule("node:module");',
    'const { writeSync } = process.getBuiltinModule("node:fs");',
    'registerHooks({ resolve(specifier, context, next) { writeSync(2, "RESOLVED " + specifier + "\\n"); return next(specifier, context); },',
    '  load(url, context, next) { writeSync(2, "LOADED " + url + "\\n"); return next(url, context); } });',
    'process.on("exit", () => writeSync(2, "BUILTINS " + process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13)).join(" ") + "\\n"));',
    "",
  ].join("\n"),
);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", hook, bin, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: work },
  });
  return {
    code: r.status,
    stdout: r.stdout,
    resolved: [...r.stderr.matchAll(/^RESOLVED (.*)$/gm)].map((m) => m[1] ?? ""),
    builtins: (/^BUILTINS (.*)$/m.exec(r.stderr)?.[1] ?? "").split(" "),
    // The bundle's files the process loaded, by name.
    loaded: [...r.stderr.matchAll(/^LOADED file:.*\/dist\/bundle\/([^/]+)$/gm)].map((m) => m[1] ?? ""),
    stderr: r.stderr.replace(/^(RESOLVED|BUILTINS|LOADED) .*\n/gm, ""),
  };
}

describe("a cold render kubernetes", () => {
  const file = join(examplesDir, "rails-mysql", "slipway.yaml");

  it("resolves the bundle's own files without Node's resolver (bin.js's resolve hook)", () => {
    const r = run(["render", "kubernetes", "-f", file, "-e", "production"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("kind: Deployment");
    // bin.js itself is the entry point, resolved before its hook exists.
    expect(r.resolved.filter((s) => s.startsWith("./"))).toEqual([]);
  });

  it("does not load node:fs/promises (readUserFile reads through the callback API) nor node:os", () => {
    const r = run(["render", "kubernetes", "-f", file, "-e", "production"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.builtins).toContain("fs");
    expect(r.builtins).not.toContain("fs/promises");
    expect(r.builtins).not.toContain("internal/fs/promises");
    expect(r.builtins).not.toContain("os");
  });

  // Start-up round 7: the render path's files merged by scripts/bundle.mjs (36 files before).
  it("loads a dozen of the bundle's files, and slipway check none of the render's merged chunk", () => {
    const r = run(["render", "kubernetes", "-f", file, "-e", "production"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.loaded).toContain("bin.js");
    expect(r.loaded.length).toBeLessThanOrEqual(12);
    expect(r.loaded.filter((f) => f.startsWith("render-path-"))).toHaveLength(1);
    const c = run(["check", join(examplesDir, "rails-mysql")]);
    expect(c.loaded).toContain("bin.js");
    expect(c.loaded.filter((f) => f.startsWith("render-path-"))).toEqual([]);
  });

  it("still reads a spec it cannot open as a located error", () => {
    const r = run(["render", "kubernetes", "-f", join(work, "missing.yaml"), "-e", "production"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[SPEC_NOT_FOUND]");
  });
});
