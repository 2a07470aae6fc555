// Reading a peer's repository for the bench/peers adapters: a checked-out folder, or a bare git
// directory (such as the fetch tool's mirrors), read at HEAD through git without a work tree.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const isGitDir = (dir) => existsSync(join(dir, "HEAD")) && existsSync(join(dir, "objects")) && !existsSync(join(dir, ".git"));
const git = (dir, args) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });

const listings = new Map();

/** Every file path (relative, with /) in the repository. */
export function listFiles(dir) {
  let files = listings.get(dir);
  if (files) return files;
  if (isGitDir(dir)) {
    files = git(dir, ["ls-tree", "-r", "HEAD", "--name-only", "-z"]).split("\0").filter(Boolean);
  } else {
    files = [];
    const walk = (d) => {
      for (const name of readdirSync(d)) {
        if (name === ".git" || name === "node_modules") continue;
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(relative(dir, p).split("\\").join("/"));
      }
    };
    walk(dir);
  }
  files.sort();
  listings.set(dir, files);
  return files;
}

const prefetched = new Map();

/**
 * Reads many files of a git dir in one `git cat-file --batch` (one process instead of one per
 * file); readText then answers from memory. A checked-out folder needs no prefetch.
 */
export function prefetch(dir, paths) {
  if (!isGitDir(dir) || paths.length === 0) return;
  const out = execFileSync("git", ["-C", dir, "cat-file", "--batch"], {
    input: paths.map((p) => `HEAD:${p}\n`).join(""),
    maxBuffer: 1 << 30,
  });
  let at = 0;
  for (const path of paths) {
    const eol = out.indexOf(10, at);
    const header = out.subarray(at, eol).toString("utf8");
    const m = /^\S+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      at = eol + 1; // "<object> missing"
      continue;
    }
    const size = Number(m[2]);
    if (m[1] === "blob") prefetched.set(`${dir}\0${path}`, out.subarray(eol + 1, eol + 1 + size).toString("utf8"));
    at = eol + 1 + size + 1;
  }
}

/** One file's text. */
export function readText(dir, path) {
  const cached = prefetched.get(`${dir}\0${path}`);
  if (cached !== undefined) return cached;
  return isGitDir(dir) ? git(dir, ["show", `HEAD:${path}`]) : readFileSync(join(dir, path), "utf8");
}

/**
 * The same repository as `{ list(), read(path) }`: `read` gives undefined for a path the
 * repository does not hold (adapters probe optional fixtures).
 */
export function openSource(dir) {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  const files = listFiles(dir);
  const known = new Set(files);
  return { list: () => files, read: (path) => (known.has(path) ? readText(dir, path) : undefined) };
}
