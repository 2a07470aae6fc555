import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readUserFile } from "./read-user-file.js";

/*
 * The files `slipway init` reads to understand a project: every source, script and manifest file
 * below the folder, skipping dependency, build and test folders. The only place init touches the
 * disk for detection, so a guarded reader can take it over in one edit.
 */

/** Folders never looked into: dependencies, caches, build output, version control, tests. */
const skippedFolders = new Set([
  ".git",
  ".hg",
  ".slipway",
  "node_modules",
  ".venv",
  "venv",
  "vendor",
  "__pycache__",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  ".tox",
  ".next",
  ".nuxt",
  "dist",
  "build",
  "coverage",
  "staticfiles",
  "bower_components",
  "test",
  "tests",
  "spec",
  "__tests__",
  "e2e",
]);

/** Read as text when their name or extension matches. */
const textExtensions = /\.(py|js|mjs|cjs|ts|mts|cts|jsx|tsx|rb|sh|toml|prisma|cfg|ini)$/;
const textNames = new Set([
  "Procfile",
  "Dockerfile",
  "Containerfile",
  "Gemfile",
  "Pipfile",
  "package.json",
  ".flaskenv",
  ".env.example",
  ".env.sample",
  "config/database.yml",
]);
/** Only their presence matters (lockfiles, encrypted credentials): stored as "". */
const presenceNames = new Set([
  "uv.lock",
  "poetry.lock",
  "Pipfile.lock",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lockb",
  "bun.lock",
  "Gemfile.lock",
  "config/credentials.yml.enc",
  "config/master.key",
]);

const maxFiles = 3000;
const maxDepth = 8;
const maxBytes = 256 * 1024;

/**
 * Relative path → text of the project files detection looks at (lockfiles as ""). Unreadable,
 * binary or oversized files are left out: absent files are simply not evidence.
 */
export async function readProjectFiles(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let visited = 0;
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (++visited > maxFiles) return;
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth < maxDepth && !skippedFolders.has(entry.name)) await walk(join(dir, entry.name), rel, depth + 1);
        continue;
      }
      if (!entry.isFile()) continue;
      if (presenceNames.has(rel)) {
        files.set(rel, "");
        continue;
      }
      const wanted =
        textNames.has(rel) ||
        textNames.has(entry.name) ||
        textExtensions.test(entry.name) ||
        /^requirements[\w.-]*\.txt$/.test(entry.name) ||
        // Scripts without an extension: bin/www, bin/rails, boot scripts.
        (prefix === "bin" && !entry.name.includes("."));
      if (!wanted) continue;
      const text = await readText(join(dir, entry.name));
      if (text !== undefined) files.set(rel, text);
    }
  };
  await walk(root, "", 0);
  return files;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    // The guarded reader: regular files only (a FIFO never blocks), never more than the cap.
    const read = await readUserFile(path, { maxBytes, shown: path });
    if (read.kind !== "file" || read.bytes.includes(0)) return undefined;
    return read.bytes.toString("utf8");
  } catch {
    return undefined;
  }
}

/** Which of `names` are executable programs on `path` (a PATH value). */
export async function programsOnPath(names: readonly string[], path: string | undefined): Promise<Set<string>> {
  const { access, constants } = await import("node:fs/promises");
  const found = new Set<string>();
  for (const name of names) {
    for (const dir of (path ?? "").split(":").filter((d) => d !== "")) {
      try {
        await access(join(dir, name), constants.X_OK);
        found.add(name);
        break;
      } catch {
        // not in this folder
      }
    }
  }
  return found;
}
