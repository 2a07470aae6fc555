/*
 * Ignore files, read the way their owners read them: `.gitignore` as git does, `.dockerignore` (and
 * `.slipwayignore`, which uses its syntax: the release copy is the local build context) as Docker
 * does. Written here rather than taken from a package: slipway has six runtime dependencies and this
 * is ~150 lines of pure code, held to both tools' documented behaviour by a table test.
 *
 * The differences that matter:
 * - gitignore: a pattern without a slash (other than a trailing one) matches a name at any depth
 *   (`log` ignores `src/log`); a trailing slash matches folders only; nothing under an ignored
 *   folder can be re-included.
 * - dockerignore: every pattern is relative to the root (`log` is only the top-level `log`; write
 *   `**\/log` for any depth); the last pattern that matches the path or one of its parent folders
 *   decides, so `!dir/keep` re-includes a file under an ignored `dir`.
 */

export type IgnoreSyntax = "gitignore" | "dockerignore";

interface Rule {
  regex: RegExp;
  negated: boolean;
  /** gitignore's trailing slash: the pattern matches folders only. */
  folderOnly: boolean;
}

export interface IgnoreRules {
  /** Whether `path` (relative, `/`-separated, no leading `./`) is ignored; `isFolder` for folders. */
  ignores(path: string, isFolder: boolean): boolean;
  /**
   * Whether something under the ignored folder `path` may still be included (dockerignore's `!`
   * patterns), so a walk must look inside it rather than skip it.
   */
  mayIncludeUnder(path: string): boolean;
}

/** The rules of an ignore file's text. */
export function parseIgnoreRules(text: string, syntax: IgnoreSyntax): IgnoreRules {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const rule = syntax === "gitignore" ? gitRule(raw) : dockerRule(raw);
    if (rule) rules.push(rule);
  }
  if (syntax === "gitignore") {
    const decide = (path: string, isFolder: boolean): boolean => {
      let ignored = false;
      for (const rule of rules) if ((!rule.folderOnly || isFolder) && rule.regex.test(path)) ignored = !rule.negated;
      return ignored;
    };
    return {
      ignores(path, isFolder) {
        const parts = path.split("/");
        // A file under an ignored folder stays ignored, whatever comes later.
        for (let i = 1; i < parts.length; i++) if (decide(parts.slice(0, i).join("/"), true)) return true;
        return decide(path, isFolder);
      },
      mayIncludeUnder: () => false,
    };
  }
  const negations = rules.filter((r) => r.negated);
  return {
    ignores(path) {
      const parts = path.split("/");
      const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
      let ignored = false;
      for (const rule of rules) if (candidates.some((c) => rule.regex.test(c))) ignored = !rule.negated;
      return ignored;
    },
    // Conservative: any `!` pattern might name something below; the walk then decides file by file.
    mayIncludeUnder: () => negations.length > 0,
  };
}

function gitRule(raw: string): Rule | undefined {
  // Trailing spaces are dropped unless escaped; a leading "#" is a comment, "\#" a literal.
  let line = raw.replace(/(?<!\\)\s+$/, "");
  if (line === "" || line.startsWith("#")) return undefined;
  let negated = false;
  if (line.startsWith("!")) {
    negated = true;
    line = line.slice(1);
  } else if (line.startsWith("\\!") || line.startsWith("\\#")) line = line.slice(1);
  let folderOnly = false;
  if (line.endsWith("/") && !line.endsWith("\\/")) {
    folderOnly = true;
    line = line.replace(/\/+$/, "");
  }
  if (line === "") return undefined;
  // A slash at the start or in the middle anchors the pattern at the root; otherwise any depth.
  const anchored = line.includes("/");
  line = line.replace(/^\/+/, "");
  const body = globToRegex(line, "gitignore");
  return { regex: new RegExp(`^${anchored ? "" : "(?:.*/)?"}${body}$`), negated, folderOnly };
}

function dockerRule(raw: string): Rule | undefined {
  let line = raw.trim();
  if (line === "" || line.startsWith("#")) return undefined;
  let negated = false;
  if (line.startsWith("!")) {
    negated = true;
    line = line.slice(1).trim();
  }
  // Docker cleans each pattern like a path: no leading "/" or "./", no trailing "/", no "//".
  line = line
    .replace(/\/{2,}/g, "/")
    .replace(/^(?:\.?\/)+/, "")
    .replace(/\/+$/, "")
    .split("/")
    .filter((part) => part !== ".")
    .join("/");
  if (line === "" || line === ".") return undefined;
  return { regex: new RegExp(`^${globToRegex(line, "dockerignore")}$`), negated, folderOnly: false };
}

/** A glob as a regular expression body over `/`-separated paths. */
function globToRegex(glob: string, syntax: IgnoreSyntax): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const atStart = i === 0 || glob[i - 1] === "/";
        const atEnd = i + 2 === glob.length || glob[i + 2] === "/";
        if (atStart && atEnd) {
          // "**/" is any number of folders (none included); a final "**" is everything below.
          if (i + 2 === glob.length) out += ".*";
          else {
            out += "(?:.*/)?";
            i += 1;
          }
          i += 1;
          continue;
        }
        // "**" inside a name: git reads it as "*"; Docker as any characters, "/" included.
        out += syntax === "dockerignore" ? ".*" : "[^/]*";
        i += 1;
        continue;
      }
      out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "\\" && i + 1 < glob.length) {
      i += 1;
      out += escapeRegex(glob[i] as string);
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
