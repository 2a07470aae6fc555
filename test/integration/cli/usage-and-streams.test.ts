import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "../../helpers/examples.js";

// Issue 13 item 17, through the built binary: check's report is data on stdout; numbers on the
// command line go through one parser, so a bad one is a usage error (exit 2) in every command.
const bin = join(repoRoot, "dist/bundle/bin.js");
const failing = join(repoRoot, "test/fixtures/check/k8s/slw-k8s-002/fail.yaml");

function slipway(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", SLIPWAY_TODAY: "2026-06-01", ...env },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("slipway check's text report", () => {
  it("goes to stdout, uncoloured when stdout is not a terminal; stderr stays empty", () => {
    const r = slipway(["check", failing]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("SLW-K8S-002");
    expect(r.stdout).not.toContain("\u001b[");
    expect(r.stderr).toBe("");
  });

  it("--out writes it without colour codes even when colours are forced; the summary goes to stderr", () => {
    const out = join(mkdtempSync(join(tmpdir(), "slipway-check-out-")), "report.txt");
    const r = slipway(["check", failing, "--out", out], { FORCE_COLOR: "1" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`text report written to ${out}`);
    const text = readFileSync(out, "utf8");
    expect(text).toContain("SLW-K8S-002");
    expect(text).not.toContain("\u001b[");
  });
});

describe("bad numbers exit 2 with a usage error, in every command that takes one", () => {
  const spec = join(examplesDir, "node-postgres", "slipway.yaml");
  const cases = [
    ["rollback", "-e", "local", "--to", "abc"],
    ["logs", "-e", "local", "--lines", "abc"],
    ["logs", "-e", "local", "--revision", "-2"],
    ["deploy", "-e", "local", "--keep", "0"],
    ["deploy", "-e", "local", "--health-timeout", "1e3"],
    ["dev", "-e", "local", "--port", "0x1F"],
    ["init", "--yes", "--port", "99999"],
  ];
  for (const args of cases) {
    it(`slipway ${args.join(" ")}`, () => {
      const r = slipway([...args, "-f", spec]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error\\[USAGE\\]: ${args.at(-2)}: '${args.at(-1)}' is not a whole number`));
      expect(r.stderr).toContain(`hint: e.g. ${args.at(-2)} `);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
