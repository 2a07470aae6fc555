import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";

/** Folders never copied into a release: state, VCS data and installed dependencies. */
const skipped = new Set([".slipway", ".git", "node_modules", "__pycache__", ".venv", "tmp", "log"]);

/**
 * Copies the app's source into a release folder, so every release runs its own immutable copy and
 * a rollback runs the old code. Returns a digest over file names and contents.
 */
export async function snapshotSource(source: string, destination: string): Promise<string> {
  await rm(destination, { recursive: true, force: true });
  await mkdir(destination, { recursive: true });
  await cp(source, destination, {
    recursive: true,
    filter: (src) => {
      const rel = relative(source, src);
      return rel === "" || !rel.split("/").some((part) => skipped.has(part));
    },
  });
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
