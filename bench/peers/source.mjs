// Reading a peer's repository for the agreement adapters: a git directory (bare or not, read at HEAD
// without checking anything out) or a plain folder. Read-only; nothing is copied anywhere.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** `{ list(): string[] (paths relative to the root, '/'-separated), read(path): string | undefined }`. */
export function openSource(dir) {
  const git = (argv) => spawnSync("git", ["-C", dir, ...argv], { encoding: "utf8", maxBuffer: 1 << 30 });
  const isGit = git(["rev-parse", "--verify", "-q", "HEAD"]).status === 0;
  if (isGit) {
    const ls = git(["ls-tree", "-r", "--name-only", "HEAD"]);
    const files = ls.stdout.split("\n").filter(Boolean);
    const known = new Set(files);
    return {
      list: () => files,
      read: (path) => {
        if (!known.has(path)) return undefined;
        const r = git(["show", `HEAD:${path}`]);
        return r.status === 0 ? r.stdout : undefined;
      },
    };
  }
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      if (name === ".git" || name === "node_modules") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(dir, p).split("\\").join("/"));
    }
  };
  walk(dir);
  const known = new Set(files);
  return {
    list: () => files,
    read: (path) => (known.has(path) ? readFileSync(join(dir, path), "utf8") : undefined),
  };
}

/** Top-level arguments of a call whose `(` is at `open`: [args, index after `)`]. Go/shell-ish strings aware. */
export function callArgs(text, open) {
  const args = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "`" || ch === "'") {
      const end = skipString(text, i);
      i = end - 1;
      continue;
    }
    if (ch === "(" || ch === "{" || ch === "[") depth++;
    else if (ch === ")" || ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) {
        args.push(text.slice(start, i).trim());
        return [args.filter((a, n) => a !== "" || n < args.length - 1), i + 1];
      }
    } else if (ch === "," && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return [args, text.length];
}

/** Index after the string literal starting at `i` ("…" with escapes, `…` or '…'). */
export function skipString(text, i) {
  const q = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== q) {
    if (text[j] === "\\" && q !== "`") j++;
    j++;
  }
  return j + 1;
}

/** The value of a Go string literal ("…" or `…`), or undefined when `s` is not one. */
export function goString(s) {
  const t = s.trim();
  if (/^`[^`]*`$/.test(t)) return t.slice(1, -1);
  if (/^"(?:[^"\\]|\\.)*"$/.test(t)) return JSON.parse(t);
  return undefined;
}

/** 1-based line of an index. */
export function lineOf(text, index) {
  let n = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
