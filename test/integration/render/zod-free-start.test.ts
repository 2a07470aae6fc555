import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "../../helpers/examples.js";

/*
 * Issue 14 (start-up): a valid spec is validated by the generated fast parser, and zod (its chunk of
 * the bundle, ≈ 40 ms of module evaluation) is loaded only for a spec that parser refuses. Runs the
 * built binary with a module hook that lists every file Node loads.
 */
const bundle = join(repoRoot, "dist/bundle");
const bin = join(bundle, "bin.js");
const work = mkdtempSync(join(tmpdir(), "slipway-zod-free-"));
const hook = join(work, "trace.mjs");
writeFileSync(
  hook,
  [
    'import { registerHooks } from "node:module";',
    'registerHooks({ load(url, context, next) { process.stderr.write("LOADED " + url + "\\n"); return next(url, context); } });',
    "",
  ].join("\n"),
);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The bundle's files that hold zod's own code. */
const zodChunks = readdirSync(bundle).filter((f) => f.endsWith(".js") && readFileSync(join(bundle, f), "utf8").includes('"$ZodObject"'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", hook, bin, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "" },
  });
  const loaded = [...r.stderr.matchAll(/^LOADED (.*)$/gm)].map((m) => basename(m[1] ?? ""));
  return { code: r.status, loaded, stderr: r.stderr.replace(/^LOADED .*\n/gm, "") };
}

describe("zod stays off the happy path", () => {
  it("the bundle has a zod chunk to look for", () => {
    expect(zodChunks.length).toBeGreaterThan(0);
  });

  for (const example of ["flask-mysql", "node-postgres", "rails-mysql"]) {
    it(`render kubernetes, render terraform and validate of examples/${example} never load zod`, () => {
      const file = join(examplesDir, example, "slipway.yaml");
      for (const args of [
        ["render", "kubernetes", "-f", file, "-e", "production"],
        ["render", "terraform", "-f", file, "-e", "production", "--out", join(work, example)],
        ["validate", "-f", file],
      ]) {
        const r = run(args);
        expect(r.code, r.stderr).toBe(0);
        expect(r.loaded).toContain("bin.js");
        expect(r.loaded.filter((f) => zodChunks.includes(f))).toEqual([]);
        // The yaml library is a file of its own (scripts/bundle.mjs), read only when needed.
        expect(r.loaded).not.toContain("yaml.cjs");
      }
    });
  }

  it("a spec the fast reader leaves to the yaml library (an anchor) loads yaml.cjs and renders", () => {
    const file = join(work, "anchored.yaml");
    writeFileSync(
      file,
      "name: shop\napp:\n  image: nginx:1.27\n  health: /up\n  env: {A: &v one, B: *v}\nenvironments:\n  production: {target: kubernetes}\n",
    );
    const r = run(["render", "kubernetes", "-f", file, "-e", "production"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.loaded).toContain("yaml.cjs");
  });

  it("an invalid spec loads zod and gets zod's error, as before", () => {
    const file = join(work, "slipway.yaml");
    writeFileSync(file, "name: shop\napp:\n  image: nginx\n  health: /up\n  port: 0\nenvironments:\n  production: {target: kubernetes}\n");
    const r = run(["render", "kubernetes", "-f", file, "-e", "production"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[SPEC_INVALID_VALUE]: expected at least 1, got 0");
    expect(r.stderr).toContain("slipway.yaml:5:9 (app.port)");
    expect(r.loaded.filter((f) => zodChunks.includes(f)).length).toBeGreaterThan(0);
  });
});
