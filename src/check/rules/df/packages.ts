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
}

const notJudged = (word: string) =>
  word.startsWith("$") ||
  word.includes("://") ||
  (word.includes("/") && !/^@[^/]+\/[^/]+$/.test(word)) ||
  word.startsWith(".") ||
  /\.(deb|apk|whl|tgz|tar\.gz|gem|zip)$/.test(word);

function words(text: string): string[] {
  const out: string[] = [];
  for (const w of text.split(/\s+/)) {
    if (w === "" || w === "\\") continue;
    // Redirections, pipes and comments end the argument list.
    if (/^(\||>|<|2>|&>|1>|#)/.test(w)) break;
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
      if (w === "" || notJudged(w) || pm.pinned(w)) continue;
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
  install: /(?:^|\s)(?:sudo\s+)?(?:pip[0-9.]*|python[0-9.]*\s+-m\s+pip)\s+(?:-\S+\s+)*install\b/,
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
  ]),
  pinned: (w) => /(===?|~=|>=|<=|!=|<|>|@)/.test(w),
};

export const npm: PackageManager = {
  install: /(?:^|\s)(?:sudo\s+)?npm\s+(?:-\S+\s+)*(?:install|i|add)\b/,
  optionsWithValue: new Set(["--prefix", "--registry", "--tag", "-w", "--workspace"]),
  // `name@1.2.3` or `@scope/name@1.2.3`; a dist-tag such as @latest moves.
  pinned: (w) => {
    const at = w.lastIndexOf("@");
    return at > 0 && !/^(latest|next)$/.test(w.slice(at + 1)) && w.slice(at + 1) !== "";
  },
};

export const gem: PackageManager = {
  install: /(?:^|\s)(?:sudo\s+)?gem\s+install\b/,
  optionsWithValue: new Set(["-i", "--install-dir", "-n", "--bindir", "--source", "-s", "--platform"]),
  pinned: (w) => /:\S/.test(w),
  pinsAll: (args) => args.some((a) => a === "-v" || a === "--version" || a.startsWith("--version=")),
};
