import { createHash } from "node:crypto";
import { copyFile, link, lstat, mkdir, readdir, readFile, readlink, realpath, stat, symlink, writeFile } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { readTextIfExists, writeFileAtomic } from "./state-files.js";

/*
 * Reusing a previous release's prepared dependencies (a virtualenv, node_modules, a bundle) when
 * nothing they are built from changed, so a code-only redeploy does not reinstall everything.
 *
 * Each release keeps its own copy, hard-linked to the previous one's files: pruning one release never
 * breaks another, a rollback runs what it ran, and the disk holds one copy of each file. What names
 * the old release's folder inside those files is rewritten (a virtualenv's scripts start with
 * `#!/…/releases/7/app/.venv/bin/python`, an editable install's .pth names the app folder); those
 * files are written anew, never edited through a link.
 */

/** What a prepare leaves in the release copy, by ecosystem. */
export const preparedOutputs = [".venv", "node_modules", "vendor/bundle", ".bundle"] as const;

/** Files the prepared outputs are built from: a change to any of them means a fresh prepare. */
const inputFiles = [
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  "yarn.lock",
  "bun.lock",
  "bun.lockb",
  ".npmrc",
  ".nvmrc",
  ".node-version",
  "pyproject.toml",
  "poetry.lock",
  "uv.lock",
  "Pipfile",
  "Pipfile.lock",
  "setup.py",
  "setup.cfg",
  ".python-version",
  "Gemfile",
  "Gemfile.lock",
  ".ruby-version",
];
const requirementsFile = /^(requirements|constraints).*\.(txt|in)$/;
/** Interpreters a prepared environment is bound to: an upgraded python3 breaks a virtualenv's links. */
const interpreters = ["python3", "node", "ruby"];

/** The record a release keeps of its prepare (`prepared.json` beside its app copy). */
export interface PreparedRecord {
  key: string;
  /** The outputs the prepare left, relative to the app copy. */
  outputs: string[];
}

/**
 * The reuse key of a release copy: the prepare command, the PATH folders, the Node that runs slipway
 * (native modules), the platform, the python3/node/ruby found on `searchPath`, and the content of
 * every dependency manifest and lockfile.
 */
export async function preparedKey(appCopy: string, prepare: readonly string[], path: readonly string[], searchPath = ""): Promise<string> {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ prepare, path, node: process.version, platform: process.platform, arch: process.arch }));
  // The interpreters on PATH, by the file they resolve to and its size and time: an upgrade is a new key.
  for (const program of interpreters) hash.update(`\u0000${program}\u0000${await programIdentity(program, searchPath)}`);
  const top = await readdir(appCopy).catch(() => [] as string[]);
  const names = [
    ...inputFiles.filter((f) => top.includes(f)),
    ...top.filter((f) => requirementsFile.test(f)),
    ...(top.includes("requirements") ? (await readdir(join(appCopy, "requirements")).catch(() => [])).map((f) => `requirements/${f}`) : []),
  ].sort();
  for (const name of names) {
    const content = await readFile(join(appCopy, name)).catch(() => undefined);
    if (content === undefined) continue;
    hash.update(`\u0000${name}\u0000`).update(content);
  }
  return `sha256:${hash.digest("hex")}`;
}

async function programIdentity(program: string, searchPath: string): Promise<string> {
  for (const dir of searchPath.split(delimiter).filter(Boolean)) {
    try {
      const real = await realpath(join(dir, program));
      const info = await stat(real);
      if (info.isFile()) return `${real}:${info.size}:${info.mtimeMs}`;
    } catch {
      // Not in this folder.
    }
  }
  return "missing";
}

/** The outputs of `preparedOutputs` that exist in an app copy after its prepare. */
export async function presentOutputs(appCopy: string): Promise<string[]> {
  const present: string[] = [];
  for (const output of preparedOutputs) if (await exists(join(appCopy, output))) present.push(output);
  return present;
}

export async function writePreparedRecord(releaseDir: string, record: PreparedRecord): Promise<void> {
  await writeFileAtomic(join(releaseDir, "prepared.json"), `${JSON.stringify(record)}\n`);
}

/**
 * The newest other release (by revision) whose prepare had the same key and whose outputs are all
 * still there; undefined when there is none.
 */
export async function findReusable(
  releasesDir: string,
  revision: number,
  key: string,
): Promise<{ revision: number; appCopy: string; outputs: string[] } | undefined> {
  const revisions = (await readdir(releasesDir).catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name) && Number(name) !== revision)
    .map(Number)
    .sort((a, b) => b - a);
  for (const candidate of revisions) {
    const dir = join(releasesDir, String(candidate));
    let record: PreparedRecord | undefined;
    try {
      const parsed = JSON.parse((await readTextIfExists(join(dir, "prepared.json"))) ?? "null") as unknown;
      if (isPreparedRecord(parsed)) record = parsed;
    } catch {
      // Torn or edited: not a candidate.
    }
    if (record?.key !== key || record.outputs.length === 0) continue;
    const appCopy = join(dir, "app");
    let complete = true;
    for (const output of record.outputs) if (!(await exists(join(appCopy, output)))) complete = false;
    if (complete) return { revision: candidate, appCopy, outputs: record.outputs };
  }
  return undefined;
}

function isPreparedRecord(value: unknown): value is PreparedRecord {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.key === "string" &&
    Array.isArray(v.outputs) &&
    v.outputs.every((o) => typeof o === "string" && (preparedOutputs as readonly string[]).includes(o))
  );
}

/** Files that may name their own folder by absolute path: scripts, a venv's config, path hooks. */
function mayNameItsFolder(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  return (
    /(^|\/)bin\/[^/]+$/.test(relPath) ||
    name === "pyvenv.cfg" ||
    name.endsWith(".pth") ||
    name.startsWith("__editable__") ||
    name === "direct_url.json"
  );
}

/**
 * Copies `outputs` from one app copy into another: hard links (a plain copy across file systems),
 * symlinks as they are, and files that name the old app folder rewritten for the new one.
 * Returns how many files were rewritten.
 */
export async function cloneOutputs(fromApp: string, toApp: string, outputs: readonly string[]): Promise<{ rewritten: number }> {
  const oldRoot = resolve(fromApp);
  const newRoot = resolve(toApp);
  const oldBytes = Buffer.from(oldRoot);
  let rewritten = 0;
  const clone = async (rel: string): Promise<void> => {
    const from = join(fromApp, rel);
    const to = join(toApp, rel);
    const info = await lstat(from);
    if (info.isDirectory()) {
      await mkdir(to, { recursive: true, mode: info.mode & 0o7777 });
      for (const entry of await readdir(from)) await clone(`${rel}/${entry}`);
      return;
    }
    if (info.isSymbolicLink()) {
      const target = await readlink(from);
      await symlink(target.startsWith(`${oldRoot}/`) ? newRoot + target.slice(oldRoot.length) : target, to);
      return;
    }
    if (!info.isFile()) return;
    if (mayNameItsFolder(rel) && info.size <= 1024 * 1024) {
      const content = await readFile(from);
      if (!content.includes(0) && content.includes(oldBytes)) {
        await writeFile(to, content.toString("utf8").replaceAll(oldRoot, newRoot), { mode: info.mode & 0o7777 });
        rewritten += 1;
        return;
      }
    }
    try {
      await link(from, to);
    } catch {
      await copyFile(from, to);
    }
  };
  for (const output of outputs) {
    await mkdir(dirname(join(toApp, output)), { recursive: true });
    await clone(output);
  }
  return { rewritten };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
