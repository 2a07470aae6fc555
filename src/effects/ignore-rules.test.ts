import { describe, expect, it } from "vitest";
import { type IgnoreSyntax, parseIgnoreRules } from "./ignore-rules.js";

/** [patterns, path, isFolder, ignored] */
type Case = [string, string, boolean, boolean];

const cases: Record<IgnoreSyntax, Case[]> = {
  gitignore: [
    // A bare name matches at any depth: what git ignores (the dev watcher's list).
    ["log", "log", true, true],
    ["log", "src/log", true, true],
    ["log", "src/log/index.js", false, true],
    ["*.log", "logs/app.log", false, true],
    ["*.log", "app.log.txt", false, false],
    ["logs/", "logs/app.log", false, true],
    ["logs/", "logs", false, false], // a file named logs: the trailing slash means folders only
    ["/build", "build/x.js", false, true],
    ["/build", "src/build/x.js", false, false],
    ["doc/frotz", "doc/frotz", false, true],
    ["doc/frotz", "a/doc/frotz", false, false],
    ["**/foo", "a/b/foo", false, true],
    ["a/**/b", "a/b", false, true],
    ["a/**/b", "a/x/y/b", false, true],
    ["abc/**", "abc/x/y", false, true],
    ["abc/**", "abc", true, false],
    ["foo?.js", "foo1.js", false, true],
    ["foo?.js", "foo/.js", false, false],
    ["[abc].txt", "b.txt", false, true],
    ["[!abc].txt", "b.txt", false, false],
    ["[a-c].txt", "c.txt", false, true],
    ["# comment", "# comment", false, false],
    ["\\#hash", "#hash", false, true],
    ["trailing   ", "trailing", false, true],
    ["*.log\n!keep.log", "keep.log", false, false],
    ["*.log\n!keep.log", "other.log", false, true],
    // Nothing under an ignored folder comes back.
    ["tmp/\n!tmp/.gitkeep", "tmp/.gitkeep", false, true],
    ["tmp/*\n!tmp/.gitkeep", "tmp/.gitkeep", false, false],
    ["tmp/*\n!tmp/.gitkeep", "tmp/upload.bin", false, true],
    ["node_modules/", "packages/a/node_modules/x/index.js", false, true],
    ["", "anything", false, false],
  ],
  dockerignore: [
    // Every pattern is relative to the root: a bare name is the top-level entry only.
    ["log", "log", true, true],
    ["log", "log/app.txt", false, true],
    ["log", "src/log/index.js", false, false],
    ["tmp", "src/tmp/a", false, false],
    ["**/log", "src/log/index.js", false, true],
    ["/tmp/", "tmp/x", false, true],
    ["./tmp", "tmp/x", false, true],
    ["*.md", "README.md", false, true],
    ["*.md", "docs/a.md", false, false],
    ["**/*.md", "docs/a.md", false, true],
    ["*/temp*", "somedir/temporary.txt", false, true],
    ["*/*/temp*", "somedir/subdir/temporary.txt", false, true],
    ["temp?", "temp1", false, true],
    ["*.md\n!README.md", "README.md", false, false],
    ["*.md\n!README*.md\nREADME-secret.md", "README-secret.md", false, true],
    // The last match on the path or a parent decides: a file under an ignored folder can come back.
    ["docs\n!docs/keep.md", "docs/keep.md", false, false],
    ["docs\n!docs/keep.md", "docs/other.md", false, true],
    ["# just a comment", "# just a comment", false, false],
    ["  spaced  ", "spaced", false, true],
    ["a//b/", "a/b/c", false, true],
    ["**", "anything/at/all", false, true],
    ["**\n!src", "src/main.js", false, false],
  ],
};

describe("parseIgnoreRules", () => {
  for (const syntax of ["gitignore", "dockerignore"] as const) {
    it.each(cases[syntax])(`${syntax}: %j on %s (folder: %s) → ignored %s`, (patterns, path, isFolder, ignored) => {
      expect(parseIgnoreRules(patterns, syntax).ignores(path, isFolder)).toBe(ignored);
    });
  }

  it("tells a walk when an ignored folder may hold something included", () => {
    expect(parseIgnoreRules("docs\n!docs/keep.md", "dockerignore").mayIncludeUnder("docs")).toBe(true);
    expect(parseIgnoreRules("docs", "dockerignore").mayIncludeUnder("docs")).toBe(false);
    expect(parseIgnoreRules("tmp/\n!tmp/x", "gitignore").mayIncludeUnder("tmp")).toBe(false);
  });
});
