import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "../../helpers/examples.js";

// The real, built binary (npm run build makes dist/bundle), run as a user would: a separate process.
const bin = join(repoRoot, "dist/bundle/bin.js");

function slipway(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the slipway binary", () => {
  it("--version prints package.json's version", () => {
    const r = slipway(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version);
  });

  for (const command of [[], ["render"], ["render", "kubernetes"], ["render", "helm"], ["validate"], ["schema"], ["init"]]) {
    it(`${["slipway", ...command].join(" ")} --help exits 0 and shows examples or exit codes`, () => {
      const r = slipway([...command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(command.length === 0 ? /Exit codes:/ : /Examples:/);
    });
  }

  it("renders an example to stdout, byte-identical on a second run", () => {
    const args = ["render", "kubernetes", "-f", join(examplesDir, "rails-mysql/slipway.yaml"), "-e", "production"];
    const first = slipway(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("kind: Deployment");
    expect(slipway(args).stdout).toBe(first.stdout);
  });

  it("--tag and --digest pin the image", () => {
    const file = join(examplesDir, "node-postgres/slipway.yaml");
    const tagged = slipway(["render", "kubernetes", "-f", file, "-e", "staging", "--tag", "2.0.0"]);
    expect(tagged.stdout).toContain(`image: "ghcr.io/slipway-examples/node-postgres:2.0.0"`);
    const digest = `sha256:${"a".repeat(64)}`;
    const pinned = slipway(["render", "kubernetes", "-f", file, "-e", "staging", "--digest", digest]);
    expect(pinned.stdout).toContain(`image: "ghcr.io/slipway-examples/node-postgres@${digest}"`);
    const bad = slipway(["render", "kubernetes", "-f", file, "-e", "staging", "--digest", "sha256:nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("[USAGE]");
  });

  it("--out writes one file per object; helm --out writes a chart", () => {
    const out = mkdtempSync(join(tmpdir(), "slipway-out-"));
    const r = slipway([
      "render",
      "kubernetes",
      "-f",
      join(examplesDir, "flask-mysql/slipway.yaml"),
      "-e",
      "staging",
      "--out",
      join(out, "k8s"),
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.ok).toBe(true);
    expect(result.result.files.length).toBeGreaterThan(5);
    expect(result.result.files[0]).toMatch(/01-namespace-/);
    const h = slipway(["render", "helm", "-f", join(examplesDir, "flask-mysql/slipway.yaml"), "--out", join(out, "chart")]);
    expect(h.code, h.stderr).toBe(0);
    expect(readFileSync(join(out, "chart/Chart.yaml"), "utf8")).toContain("name: flask-mysql");
    rmSync(out, { recursive: true, force: true });
  });

  it("errors: no colour when not a terminal or with NO_COLOR; colour when forced", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-color-"));
    writeFileSync(join(dir, "slipway.yaml"), "name: shop\n");
    const plain = slipway(["validate"], { cwd: dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).not.toContain("\u001b[");
    const forced = slipway(["validate"], { cwd: dir, env: { FORCE_COLOR: "1" } });
    expect(forced.stderr).toContain("\u001b[");
    const noColor = slipway(["validate", "--no-color"], { cwd: dir, env: { FORCE_COLOR: "1" } });
    expect(noColor.stderr).not.toContain("\u001b[");
  });

  it("schema prints the JSON Schema that is committed in schema/", () => {
    const r = slipway(["schema"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(repoRoot, "schema/slipway.schema.json"), "utf8")));
  });

  it("init --yes in each example's app folder writes a spec that validates and renders", () => {
    for (const name of ["flask-mysql", "rails-mysql", "node-postgres"]) {
      const dir = mkdtempSync(join(tmpdir(), `slipway-init-${name}-`));
      cpSync(join(examplesDir, name), dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
      rmSync(join(dir, "slipway.yaml"));
      const r = slipway(["init", "--yes", "--image", `registry.example.com/${name}:1.0.0`], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const text = readFileSync(join(dir, "slipway.yaml"), "utf8");
      expect(text.startsWith("# yaml-language-server: $schema=")).toBe(true);
      expect(slipway(["validate"], { cwd: dir }).code).toBe(0);
      expect(slipway(["render", "kubernetes", "-e", "production"], { cwd: dir }).code).toBe(0);
      // A second init refuses to overwrite, and --force overwrites.
      const again = slipway(["init", "--yes"], { cwd: dir });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("[INIT_EXISTS]");
      expect(slipway(["init", "--yes", "--force"], { cwd: dir }).code).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("init without a terminal and without --yes asks for --yes instead of hanging", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-init-notty-"));
    const r = slipway(["init"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("[INIT_NEEDS_INPUT]");
  });
});

describe("the slipway binary in a pipeline", () => {
  // `slipway … | head` closes the pipe while slipway still writes: it must stop quietly (no EPIPE stack trace).
  it.each([["--help"], ["render", "kubernetes", "-f", join(examplesDir, "rails-mysql", "slipway.yaml"), "-e", "production", "--tag", "1"]])(
    "slipway %s | head -c 1",
    (...args) => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expression (slipway's exit status), not a template
      const script = '"$0" "$@" | head -c 1 >/dev/null; exit "${PIPESTATUS[0]}"';
      const run = spawnSync("bash", ["-c", script, process.execPath, bin, ...args], {
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    },
  );
});
