import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, readlink, rm, stat, symlink } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { type IgnoreRules, parseIgnoreRules } from "./ignore-rules.js";
import { readTextIfExists } from "./state-files.js";

/**
 * Top-level folders never copied into a release: slipway's state, the VCS data, and installed
 * dependencies (prepare installs them in the copy). Only at the top: `src/log/` or a nested
 * `tmp/` are the app's own files.
 */
const alwaysSkipped = new Set([".slipway", ".git", "node_modules", ".venv"]);

/**
 * What the release copy leaves out besides `alwaysSkipped`: `.slipwayignore`, or `.dockerignore`
 * when there is none (the release copy is the local build context), read with Docker's rules.
 */
export async function releaseIgnoreRules(source: string): Promise<{ file: string | undefined; rules: IgnoreRules | undefined }> {
  for (const name of [".slipwayignore", ".dockerignore"]) {
    const text = await readTextIfExists(join(source, name)).catch(() => undefined);
    if (text !== undefined) return { file: name, rules: parseIgnoreRules(text, "dockerignore") };
  }
  return { file: undefined, rules: undefined };
}

/**
 * Copies the app's source into a release folder, so every release runs its own immutable copy and
 * a rollback runs the old code. Returns a digest over file names and contents.
 */
export async function snapshotSource(source: string, destination: string, exclude: readonly string[] = []): Promise<string> {
  // Secret files (an env-file secret source inside the app folder) never go into a release.
  const excluded = new Set(exclude.map((p) => resolve(p)));
  const { rules } = await releaseIgnoreRules(source);
  await rm(destination, { recursive: true, force: true });
  // fs.cp refuses a destination inside the source (.slipway/ is), so walk the tree ourselves.
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };
  const copy = async (from: string, to: string, rel: string, ignoredHere: boolean) => {
    // A folder the rules ignore is created only when something under it is included again.
    if (!ignoredHere) await ensureDir(to);
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const src = join(from, entry.name);
      if ((rel === "" && alwaysSkipped.has(entry.name)) || excluded.has(resolve(src))) continue;
      const dest = join(to, entry.name);
      const ignored = rules?.ignores(path, entry.isDirectory()) ?? false;
      if (entry.isDirectory()) {
        if (!ignored || rules?.mayIncludeUnder(path)) await copy(src, dest, path, ignored);
        continue;
      }
      if (ignored) continue;
      await ensureDir(to);
      if (entry.isSymbolicLink()) await symlink(await readlink(src), dest);
      else if (entry.isFile()) await copyFile(src, dest);
    }
  };
  await copy(source, destination, "", false);
  return digestTree(destination);
}

/** A digest of a release's source: names and contents, without the top-level folders a copy leaves out. */
export async function digestTree(root: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!(dir === root && alwaysSkipped.has(entry.name))) await walk(path);
      } else if (entry.isFile()) {
        hash
          .update(relative(root, path))
          .update("\u0000")
          .update(await readFile(path))
          .update("\u0000");
      }
    }
  };
  await walk(root);
  return `sha256:${hash.digest("hex")}`;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
