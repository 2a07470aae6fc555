import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, readlink, rm, stat, symlink } from "node:fs/promises";
import { join, relative, resolve } from "node:path";

/** Folders never copied into a release: state, VCS data and installed dependencies. */
const skipped = new Set([".slipway", ".git", "node_modules", "__pycache__", ".venv", "tmp", "log"]);

/**
 * Copies the app's source into a release folder, so every release runs its own immutable copy and
 * a rollback runs the old code. Returns a digest over file names and contents.
 */
export async function snapshotSource(source: string, destination: string, exclude: readonly string[] = []): Promise<string> {
  // Secret files (an env-file secret source inside the app folder) never go into a release.
  const excluded = new Set(exclude.map((p) => resolve(p)));
  await rm(destination, { recursive: true, force: true });
  // fs.cp refuses a destination inside the source (.slipway/ is), so walk the tree ourselves.
  const copy = async (from: string, to: string) => {
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const src = join(from, entry.name);
      if (skipped.has(entry.name) || excluded.has(resolve(src))) continue;
      const dest = join(to, entry.name);
      if (entry.isDirectory()) await copy(src, dest);
      else if (entry.isSymbolicLink()) await symlink(await readlink(src), dest);
      else if (entry.isFile()) await copyFile(src, dest);
    }
  };
  await copy(source, destination);
  return digestTree(destination);
}

export async function digestTree(root: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(entry.name)) await walk(path);
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
