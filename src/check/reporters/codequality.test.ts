import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/helpers/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-codequality-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("check --format codequality (GitLab's code quality report)", () => {
  it("one entry per unwaived finding: rule, severity mapped to GitLab's, file and line, a stable fingerprint", async () => {
    const file = join(dir, ".gitlab-ci.yml");
    writeFileSync(
      file,
      "stages: [deploy]\ndeploy-production:\n  stage: deploy\n  image: node\n  environment: production\n  script: [./deploy.sh]\n",
    );
    const run = () => runCli(["check", file, "--format", "codequality", "--min-severity", "low"]);
    const r = await run();
    expect(r.code).toBe(1);
    const entries = JSON.parse(r.stdout) as {
      check_name: string;
      severity: string;
      location: { path: string; lines: { begin: number } };
      fingerprint: string;
      description: string;
    }[];
    expect(entries.map((e) => [e.check_name, e.severity])).toEqual(
      expect.arrayContaining([
        ["SLW-CI-006", "critical"],
        ["SLW-CI-011", "minor"],
      ]),
    );
    for (const e of entries) {
      expect(e.location.path).toBe(file);
      expect(e.location.lines.begin).toBeGreaterThan(0);
      expect(e.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(e.description.startsWith(`${e.check_name} `)).toBe(true);
    }
    expect(new Set(entries.map((e) => e.fingerprint)).size).toBe(entries.length);
    expect(JSON.parse((await run()).stdout)).toEqual(entries);
  });

  it("no finding: an empty list", async () => {
    const file = join(dir, "ok", ".gitlab-ci.yml");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "ok"));
    writeFileSync(file, "stages: [test]\ntest:\n  stage: test\n  image: node:24.11.1-trixie-slim\n  script: [npm test]\n");
    const r = await runCli(["check", file, "--format", "codequality"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
