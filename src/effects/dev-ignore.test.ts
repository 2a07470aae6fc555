import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { devIgnore, devNoise } from "./dev-ignore.js";

describe("devNoise", () => {
  it.each([
    [".slipway/local/history/1.json", true],
    ["node_modules/x/index.js", true],
    ["packages/a/node_modules/x/index.js", true],
    ["app/__pycache__/main.cpython-313.pyc", true],
    [".venv/lib/site.py", true],
    ["logs/app.log", true],
    ["logs/2026-12-06/app.txt", true],
    ["server.log", true],
    ["var/log/app.log", true],
    // Code in folders named like noise is code.
    ["src/log/index.js", false],
    ["src/logs/index.js", false],
    ["tmp/.gitkeep", false],
    ["src/tmp/cache.js", false],
    ["catalog.js", false],
    ["server.js", false],
  ])("%s → %s", (path, noise) => {
    expect(devNoise(path)).toBe(noise);
  });
});

describe("devIgnore", () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-dev-ignore-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("outside a repository, reads the folder's .gitignore with git's rules", () => {
    const dir = scratch();
    writeFileSync(join(dir, ".gitignore"), "uploads/\n*.sqlite\ncoverage\n");
    const ignored = devIgnore(dir);
    expect(ignored("uploads/a.png")).toBe(true);
    expect(ignored("db/dev.sqlite")).toBe(true);
    expect(ignored("src/coverage/x")).toBe(true);
    expect(ignored("src/app.js")).toBe(false);
    // A new rule counts once .gitignore changes (its own change event clears what was decided).
    writeFileSync(join(dir, ".gitignore"), "uploads/\n*.sqlite\ncoverage\nsrc/generated.js\n");
    expect(ignored(".gitignore")).toBe(false);
    expect(ignored("src/generated.js")).toBe(true);
  });

  it("in a repository, asks git: nested .gitignore files count, tracked files do not", () => {
    const dir = scratch();
    const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, encoding: "utf8" });
    expect(git("init", "-q").status).toBe(0);
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "web/.gitignore"), "build/\n");
    writeFileSync(join(dir, ".gitignore"), "*.tmp\n");
    writeFileSync(join(dir, "kept.tmp"), "tracked anyway");
    expect(git("add", "-f", "kept.tmp").status).toBe(0);
    const ignored = devIgnore(dir);
    expect(ignored("web/build/out.js")).toBe(true);
    expect(ignored("scratch.tmp")).toBe(true);
    expect(ignored("kept.tmp")).toBe(false);
    expect(ignored("web/app.js")).toBe(false);
  });
});
