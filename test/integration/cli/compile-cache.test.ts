import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/examples.js";

// bin.ts keeps Node's compile cache per user, under $XDG_CACHE_HOME/slipway (or ~/.cache/slipway),
// not in the shared /tmp where another user could plant compiled code; a cache it cannot write
// changes nothing but speed.
const bin = join(repoRoot, "dist/bundle/bin.js");
const spec = join(repoRoot, "examples/rails-mysql/slipway.yaml");
const work = mkdtempSync(join(tmpdir(), "slipway-compile-cache-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function render(env: Record<string, string | undefined>) {
  const merged: Record<string, string | undefined> = {
    ...process.env,
    NODE_COMPILE_CACHE: undefined,
    NODE_DISABLE_COMPILE_CACHE: undefined,
    ...env,
  };
  const clean = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return spawnSync(process.execPath, [bin, "render", "kubernetes", "-f", spec, "-e", "production"], { encoding: "utf8", env: clean });
}

describe("compile cache", () => {
  it("is written under XDG_CACHE_HOME/slipway and gives the same bytes on the next run", () => {
    const cache = join(work, "xdg");
    const first = render({ XDG_CACHE_HOME: cache });
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const dir = join(cache, "slipway", "node-compile-cache");
    expect(existsSync(dir)).toBe(true);
    const versions = readdirSync(dir);
    expect(versions.length).toBe(1);
    expect(readdirSync(join(dir, versions[0] as string)).length).toBeGreaterThan(5);
    const second = render({ XDG_CACHE_HOME: cache });
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it("falls back to ~/.cache/slipway without XDG_CACHE_HOME", () => {
    const home = join(work, "home");
    mkdirSync(home);
    const result = render({ HOME: home, XDG_CACHE_HOME: undefined });
    expect(result.status).toBe(0);
    expect(existsSync(join(home, ".cache", "slipway", "node-compile-cache"))).toBe(true);
  });

  it("runs the same when the cache folder cannot be written, and says nothing about it", () => {
    const locked = join(work, "locked");
    mkdirSync(locked);
    // A regular file where the cache folder would go: mkdir fails even for root.
    const blocker = join(locked, "slipway");
    spawnSync("touch", [blocker]);
    chmodSync(locked, 0o500);
    const reference = render({ XDG_CACHE_HOME: join(work, "xdg") });
    const result = render({ XDG_CACHE_HOME: locked });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(reference.stdout);
  });

  it("stays off with NODE_DISABLE_COMPILE_CACHE=1", () => {
    const cache = join(work, "disabled");
    const result = render({ XDG_CACHE_HOME: cache, NODE_DISABLE_COMPILE_CACHE: "1" });
    expect(result.status).toBe(0);
    expect(existsSync(join(cache, "slipway"))).toBe(false);
  });
});

describe("eager top-level functions (scripts/bundle.mjs)", () => {
  // The compile cache holds only what V8 compiles when a file loads; a function declaration would
  // be compiled at its first call on every run. The bundle step turns them into parenthesized
  // expressions, which V8 compiles eagerly.
  const bundle = join(repoRoot, "dist/bundle");
  const chunks = readdirSync(bundle).filter((f) => f.endsWith(".js") && f !== "bin.js");

  it("leaves no top-level function declaration in a chunk, and rewrote some", () => {
    let rewritten = 0;
    for (const file of chunks) {
      const text = readFileSync(join(bundle, file), "utf8");
      expect(text, file).not.toMatch(/^(async )?function\*? [\w$]+\(/m);
      rewritten += (text.match(/^var [\w$]+ = \((async )?function\*? [\w$]+\(/gm) ?? []).length;
    }
    expect(rewritten).toBeGreaterThan(100);
  });
});
