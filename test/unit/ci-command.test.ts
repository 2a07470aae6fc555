import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { actionPins } from "../../src/render/ci/pins.js";
import { repoRoot } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";

const out = mkdtempSync(join(tmpdir(), "slipway-ci-command-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const spec = (name: string) => join(repoRoot, "examples", name, "slipway.yaml");

describe("slipway render ci / ci pins / ci checklist", () => {
  it("render ci takes --provider from the renderer's options, with no special case in the CLI", async () => {
    const r = await runCli(["render", "ci", "-f", spec("rails-mysql"), "--provider", "gitlab", "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout).result;
    expect(result).toEqual({
      provider: "gitlab",
      environments: ["staging", "production"],
      files: [join(out, ".gitlab-ci.yml")],
      // rails-mysql's spec says ci.provider: github.
      warnings: [
        expect.objectContaining({ file: "examples/rails-mysql/slipway.yaml", message: expect.stringContaining("ci.provider is github") }),
      ],
    });
    expect(readFileSync(join(out, ".gitlab-ci.yml"), "utf8")).toContain("deploy-production:");
  });

  it("render ci without --provider, or with an unknown one, is a usage error (exit 2)", async () => {
    const missing = await runCli(["render", "ci", "-f", spec("rails-mysql"), "--out", out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--provider");
    const unknown = await runCli(["render", "ci", "-f", spec("rails-mysql"), "--provider", "jenkins", "--out", out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("github, gitlab");
  });

  it("ci pins lists every pinned action with its SHA and version (human and --json)", async () => {
    const human = await runCli(["ci", "pins"]);
    expect(human.code).toBe(0);
    for (const pin of Object.values(actionPins)) expect(human.stdout).toContain(`${pin.sha}  ${pin.version}`);
    const json = JSON.parse((await runCli(["ci", "pins", "--json"])).stdout);
    expect(json.result.actions).toEqual(Object.values(actionPins));
  });

  it("ci checklist: the OIDC provider, one role per job with its exact subject, environments with reviewers, branch protection", async () => {
    const r = await runCli(["ci", "checklist", "-f", spec("rails-mysql"), "--provider", "github", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout).result.items as { id: string; title: string; details: string[] }[];
    expect(items.map((i) => i.id)).toEqual([
      "aws-oidc-provider",
      "aws-role-build",
      "aws-role-staging",
      "aws-role-staging-plan",
      "aws-role-staging-infra",
      "aws-role-production",
      "aws-role-production-plan",
      "aws-role-production-infra",
      "environment-staging-infra",
      "environment-production-infra",
      "environment-staging",
      "environment-production",
      "branch-protection",
      "code-scanning",
      "pins",
    ]);
    const production = items.find((i) => i.id === "aws-role-production");
    expect(production?.title).toBe("IAM role arn:aws:iam::123456789012:role/rails-mysql-ci-production");
    expect(production?.details[0]).toContain(
      "StringEquals token.actions.githubusercontent.com:sub = repo:slipway-examples@1234567/rails-mysql@7654321:environment:production",
    );
    // The spec says ci.provider: github, so render terraform writes the roles; the checklist says where.
    expect(production?.details.at(-1)).toBe(
      "slipway render terraform -e production writes this role, its trust policy and permissions (infra/production/ci-iam.tf).",
    );
    expect(items.find((i) => i.id === "environment-production")?.details.join(" ")).toContain("Required reviewers");
    const human = await runCli(["ci", "checklist", "-f", spec("rails-mysql"), "--provider", "gitlab"]);
    expect(human.stdout).toMatch(/^1\. \[aws\] IAM OIDC identity provider for GitLab$/m);
    expect(human.stdout).toContain("project_path:GROUP/PROJECT:ref_type:branch:ref:main");
    expect(human.stdout).toContain(
      "StringLike gitlab.com:sub = project_path:GROUP/PROJECT:ref_type:branch:ref:* (this read-only role only",
    );
  });

  it("ci checklist with the immutable subject format names owner and repository IDs", async () => {
    const dir = mkdtempSync(join(out, "immutable-"));
    const text = `${readFileSync(spec("rails-mysql"), "utf8").replace(/\nci:[\s\S]*$/, "\n")}ci:\n  github: { subject: immutable, repository: acme/shop, ownerId: 101, repositoryId: 202 }\n`;
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "slipway.yaml"), text);
    const r = await runCli(["ci", "checklist", "--provider", "github", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("repo:acme@101/shop@202:environment:production");
    expect(r.stdout).toContain("repo:acme@101/shop@202:ref:refs/heads/main");
  });
});
