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

/** One file's text. */
export function readText(dir, path) {
  return isGitDir(dir) ? git(dir, ["show", `HEAD:${path}`]) : readFileSync(join(dir, path), "utf8");
}
