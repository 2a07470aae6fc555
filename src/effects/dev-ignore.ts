import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type IgnoreRules, parseIgnoreRules } from "./ignore-rules.js";

/**
 * What `slipway dev` does not restart for, by path relative to the app folder:
 * - slipway's own state and installed dependencies (`.slipway/`, `.git/`, `node_modules/`, `.venv/`,
 *   `__pycache__/`) — written by tools, never edited;
 * - the app's own log output: `*.log` files and a top-level `logs/` folder (an app that logs to a
 *   file would otherwise restart itself on every line);
 * - what git ignores: `git check-ignore` when the folder is in a repository (every .gitignore, the
 *   global excludes), else the folder's own .gitignore read with git's rules.
 * A nested `src/log/` holds code and still restarts the app. Answers are cached per path; a change to
 * a .gitignore clears the cache.
 */
export function devIgnore(dir: string): (path: string) => boolean {
  const cache = new Map<string, boolean>();
  let fallback: IgnoreRules | undefined;
  let useGit: boolean | undefined;
  const readFallback = () => {
    try {
      return parseIgnoreRules(readFileSync(join(dir, ".gitignore"), "utf8"), "gitignore");
    } catch {
      return parseIgnoreRules("", "gitignore");
    }
  };
  const gitIgnores = (path: string): boolean | undefined => {
    if (useGit === false) return undefined;
    const result = spawnSync("git", ["check-ignore", "-q", "--", path], { cwd: dir, stdio: "ignore", timeout: 5_000 });
    // 0: ignored, 1: not ignored; anything else (no git, not a repository): read .gitignore ourselves.
    if (result.status === 0 || result.status === 1) {
      useGit = true;
      return result.status === 0;
    }
    useGit = false;
    return undefined;
  };
  return (raw: string) => {
    const path = raw.split("\\").join("/");
    if (devNoise(path)) return true;
    if (path === ".gitignore" || path.endsWith("/.gitignore")) {
      cache.clear();
      fallback = undefined;
      return false;
    }
    const known = cache.get(path);
    if (known !== undefined) return known;
    let ignored = gitIgnores(path);
    if (ignored === undefined) {
      fallback ??= readFallback();
      ignored = fallback.ignores(path, false);
    }
    cache.set(path, ignored);
    return ignored;
  };
}

/** State, dependencies and log output, whatever git says (pure). */
export function devNoise(path: string): boolean {
  return /(^|\/)(\.slipway|\.git|node_modules|\.venv|__pycache__)(\/|$)/.test(path) || /^logs(\/|$)/.test(path) || /\.log$/.test(path);
}
