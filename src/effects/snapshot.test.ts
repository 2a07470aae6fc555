import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { snapshotSource } from "./snapshot.js";

function tree(root: string, files: readonly string[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), file);
  }
}

function list(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

const source = [
  "package.json",
  "src/main.js",
  "src/log/index.js",
  "src/tmp/cache.js",
  "tmp/.gitkeep",
  "log/keep.txt",
  "lib/__pycache__/x.pyc",
  "packages/a/node_modules/dep/index.js",
  "packages/a/.venv/marker",
  "node_modules/dep/index.js",
  ".venv/bin/python",
  ".git/HEAD",
  ".slipway/local/history/1.json",
];

describe("snapshotSource", () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-snapshot-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("leaves out only .git, .slipway and the top-level node_modules and .venv: no folder by name at any depth", async () => {
    const root = scratch();
    tree(root, source);
    const copy = join(scratch(), "app");
    await snapshotSource(root, copy);
    expect(list(copy)).toEqual([
      "lib/__pycache__/x.pyc",
      "log/keep.txt",
      "package.json",
      "packages/a/.venv/marker",
      "packages/a/node_modules/dep/index.js",
      "src/log/index.js",
      "src/main.js",
      "src/tmp/cache.js",
      "tmp/.gitkeep",
    ]);
  });

  it("leaves out what .dockerignore does, read with Docker's rules (relative to the root, ! re-includes)", async () => {
    const root = scratch();
    tree(root, [...source, "README.md", "docs/a.md", "docs/keep.md", "src/secret.txt", "secret.txt"]);
    writeFileSync(join(root, ".dockerignore"), "# docs stay out\n*.md\ndocs\n!docs/keep.md\n**/secret.txt\ntmp\n");
    const copy = join(scratch(), "app");
    await snapshotSource(root, copy);
    const copied = list(copy);
    expect(copied).toContain("src/log/index.js");
    expect(copied).toContain("src/tmp/cache.js");
    expect(copied).toContain("docs/keep.md");
    expect(copied).toContain(".dockerignore");
    for (const gone of ["README.md", "docs/a.md", "src/secret.txt", "secret.txt", "tmp/.gitkeep"]) expect(copied).not.toContain(gone);
  });

  it("prefers .slipwayignore to .dockerignore", async () => {
    const root = scratch();
    tree(root, ["app.js", "build.log", "Dockerfile"]);
    writeFileSync(join(root, ".dockerignore"), "app.js\n");
    writeFileSync(join(root, ".slipwayignore"), "*.log\nDockerfile\n");
    const copy = join(scratch(), "app");
    await snapshotSource(root, copy);
    expect(list(copy)).toEqual([".dockerignore", ".slipwayignore", "app.js"]);
  });

  it("leaves out the secret files it is given, and returns the same digest for the same source", async () => {
    const root = scratch();
    tree(root, ["app.js", "config/secrets.env"]);
    const a = join(scratch(), "app");
    const b = join(scratch(), "app");
    const digest = await snapshotSource(root, a, [join(root, "config/secrets.env")]);
    expect(list(a)).toEqual(["app.js"]);
    expect(await snapshotSource(root, b, [join(root, "config/secrets.env")])).toBe(digest);
    writeFileSync(join(root, "app.js"), "changed");
    expect(await snapshotSource(root, b)).not.toBe(digest);
  });
});
