/*
 * Package installs inside RUN: which packages a command names and whether each names a version.
 * A word that is a variable, a path, a URL or a local package file is not judged: its version
 * is decided elsewhere.
 */
import type { DockerInstruction } from "../../types.js";
import { commands } from "./helpers.js";

export interface PackageManager {
  /** Matches the start of an install command and leaves the arguments after it. */
  install: RegExp;
  /** Options that take the next word as their value. */
  optionsWithValue: ReadonlySet<string>;
  /** Whether a package word names a version. */
  pinned(word: string): boolean;
  /** Whether the command as a whole pins (e.g. `gem install x -v 1.2`). */
  pinsAll?(words: readonly string[]): boolean;
  /** Whether a source URL (`git+https://…`) names a fixed revision; without it, URLs are not judged. */
  pinnedUrl?(word: string): boolean;
}

/** A VCS source (`git+https://…`, `git://…`), not an archive download. */
const vcsUrl = (word: string) => /^(git|hg|svn|bzr)(\+[a-z]+)?:\/\//.test(word);

const notJudged = (word: string) =>
  word.startsWith("$") ||
  word.includes("://") ||
  (word.includes("/") && !/^@[^/]+\/[^/]+$/.test(word)) ||
  word.startsWith(".") ||
  /\.(deb|apk|whl|tgz|tar|tar\.gz|tar\.bz2|tar\.xz|gem|zip)$/.test(word);

/** Shell words: quotes and `$( … )` keep their spaces inside one word (`--python "$(which python)"`). */
function shellWords(text: string): string[] {
  const out: string[] = [];
  let word = "";
  let quote = "";
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== "") {
      if (c === quote) quote = "";
      word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word += c;
    } else if (c === "$" && text[i + 1] === "(") {
      depth++;
      word += "$(";
      i++;
    } else if (c === ")" && depth > 0) {
      depth--;
      word += c;
    } else if (/\s/.test(c) && depth === 0) {
      if (word !== "") out.push(word);
      word = "";
    } else word += c;
  }
  if (word !== "") out.push(word);
  return out;
}

function words(text: string): string[] {
  const out: string[] = [];
  for (const w of shellWords(text)) {
    if (w === "\\") continue;
    // Redirections, pipes and comments end the argument list, and so does `--` (what follows goes
    // to the package's build, as in `gem install x -- --with-opt-dir …`).
    if (/^(\||>|<|2>|&>|1>|#)/.test(w) || w === "--") break;
    out.push(w.replace(/^["']|["']$/g, ""));
  }
  return out;
}

/** Packages an install command names without a version, per command of the RUN. */
export function unpinnedPackages(ins: DockerInstruction, pm: PackageManager): string[] {
  const out: string[] = [];
  for (const command of commands(ins)) {
    const m = pm.install.exec(command);
    if (!m) continue;
    const args = words(command.slice(m.index + m[0].length));
    if (pm.pinsAll?.(args)) continue;
    for (let i = 0; i < args.length; i++) {
      const w = args[i] as string;
      if (w.startsWith("-")) {
        if (pm.optionsWithValue.has(w)) i++;
        continue;
      }
      if (w === "") continue;
      if (pm.pinnedUrl && vcsUrl(w)) {
        if (!pm.pinnedUrl(w)) out.push(w);
        continue;
      }
      if (notJudged(w) || pm.pinned(w)) continue;
      out.push(w);
    }
  }
  return out;
}

export const apt: PackageManager = {
  install: /(?:^|\s)(?:sudo\s+)?(?:apt-get|apt|aptitude)\s+(?:-\S+\s+)*install\b/,
  optionsWithValue: new Set(["-o", "-t", "--target-release", "-c", "--config-file"]),
  pinned: (w) => w.includes("="),
};

export const apk: PackageManager = {
  install: /(?:^|\s)(?:sudo\s+)?apk\s+(?:-\S+\s+)*add\b/,
  optionsWithValue: new Set(["-t", "--virtual", "-X", "--repository", "--repositories-file", "-p", "--root", "--arch"]),
  pinned: (w) => /[=~<>]/.test(w),
};

export const pip: PackageManager = {
  install: /(?:^|\s)(?:sudo\s+)?(?:pipx|pip[0-9.]*|python[0-9.]*\s+-m\s+pip)\s+(?:-\S+\s+)*install\b/,
  optionsWithValue: new Set([
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-t",
    "--target",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--prefix",
    "--root",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--upgrade-strategy",
    "--only-binary",
    "--no-binary",
    "--progress-bar",
    "--root-user-action",
    "--trusted-host",
    "--cache-dir",
    "--cert",
    "--client-cert",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--log",
    "--report",
    "-C",
    "--config-settings",
    "--global-option",
    "--python",
    "--pip-args",
  ]),
  pinned: (w) => /(===?|~=|>=|<=|!=|<|>|@)/.test(w),
  // A constraints file fixes the version of every package it lists.
  pinsAll: (args) => args.some((a) => a === "-c" || a === "--constraint" || a.startsWith("--constraint=")),
  // `git+https://host/repo.git@v1.2#egg=name`: the revision follows an @ after the host's path.
  pinnedUrl: (w) =>
    w
      .replace(/^[a-z+]+:\/\/([^@/]+@)?/, "")
      .replace(/#.*$/, "")
      .includes("@"),
};

export const npm: PackageManager = {
  install: /(?:^|\s)(?:sudo\s+)?npm\s+(?:-\S+\s+)*(?:install|i|add)\b/,
  optionsWithValue: new Set([
    "--prefix",
    "--registry",
    "--tag",
    "-w",
    "--workspace",
    "--loglevel",
    "--cache",
    "--userconfig",
    "--globalconfig",
    "--omit",
    "--include",
    "--install-strategy",
    "--before",
    "--scope",
  ]),
  // `name@1.2.3` or `@scope/name@1.2.3`; a dist-tag such as @latest moves.
  pinned: (w) => {
    const at = w.lastIndexOf("@");
    return at > 0 && !/^(latest|next)$/.test(w.slice(at + 1)) && w.slice(at + 1) !== "";
  },
  // `git+https://host/repo.git#v1.2.0` (or #semver:…, #<commit>): the revision follows the #.
  pinnedUrl: (w) => /#./.test(w),
};

export const gem: PackageManager = {
  install: /(?:^|\s)(?:sudo\s+)?gem\s+(?:install|i)\b/,
  optionsWithValue: new Set(["-i", "--install-dir", "-n", "--bindir", "--source", "-s", "--platform"]),
  pinned: (w) => /:\S/.test(w),
  pinsAll: (args) => args.some((a) => a === "-v" || a === "--version" || a.startsWith("--version=")),
};
