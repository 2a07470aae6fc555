import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseInputs } from "../../src/check/parse-inputs.js";
import { runCheck } from "../../src/check/run-check.js";
import type { AppModel, CiModel } from "../../src/model/app-model.js";
import { ciRenderer } from "../../src/render/ci/ci-renderer.js";
import { ciRoles, ciSubject, trustPolicyDocument } from "../../src/render/ci/oidc-roles.js";
import type { Expr, HclBlock, HclItem, HclValue } from "../../src/render/terraform/hcl.js";
import { renderTerraform, terraformRoot } from "../../src/render/terraform/render-terraform.js";
import { parseSpecText } from "../../src/spec/load.js";
import { buildModel } from "../../src/spec/normalize.js";
import { validateSpec } from "../../src/spec/validate.js";
import { loadExamples } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";

type Doc = Record<string, any>;

const examples = loadExamples();
const providers = ["github", "gitlab"] as const;

/** The example's models as if its spec said ci.provider: provider (with a project for GitLab). */
function withProvider(models: AppModel[], provider: "github" | "gitlab"): AppModel[] {
  return models.map((m) => ({
    ...m,
    ci: {
      ...m.ci,
      provider,
      github: { ...m.ci.github, repository: m.ci.github.repository ?? "acme/shop" },
      gitlab: { ...m.ci.gitlab, project: m.ci.gitlab.project ?? "acme/shop" },
    },
  }));
}

const blocksOf = (model: AppModel) =>
  terraformRoot(model)
    .flatMap((f) => f.blocks)
    .filter((b): b is HclBlock => !("kind" in b));
const attr = (b: HclBlock, name: string): HclValue | undefined =>
  b.body.find((i: HclItem): i is Extract<HclItem, { kind: "attribute" }> => i.kind === "attribute" && i.name === name)?.value;

/** The CI roles render terraform writes for these models: ARN (name in the root's account) → subjects and test. */
function terraformRoles(models: AppModel[]): Map<string, { test: string; subs: string[]; key: string }> {
  const out = new Map<string, { test: string; subs: string[]; key: string }>();
  for (const model of models.filter((m) => m.infra)) {
    const blocks = blocksOf(model);
    const arns = blocks.find((b) => b.type === "output" && b.labels[0] === "ci_role_arns");
    const outputKeys = Object.entries((attr(arns as HclBlock, "value") ?? {}) as Record<string, Expr>);
    for (const role of blocks.filter((b) => b.type === "resource" && b.labels[0] === "aws_iam_role")) {
      const arn = `arn:aws:iam::${model.infra?.accountId}:role/${attr(role, "name")}`;
      const policy = attr(role, "assume_role_policy") as unknown as { args: [Doc] };
      const condition = policy.args[0].Statement[0].Condition as Record<string, Record<string, string | string[]>>;
      const [test, keys] = Object.entries(condition).find(([, k]) => Object.keys(k).some((x) => x.endsWith(":sub"))) ?? ["", {}];
      const sub = Object.entries(keys).find(([k]) => k.endsWith(":sub"))?.[1] ?? [];
      const key = outputKeys.find(([, ref]) => ref.text === `aws_iam_role.${role.labels[1]}.arn`)?.[0] ?? "";
      out.set(arn, { test, subs: Array.isArray(sub) ? sub : [sub], key });
    }
  }
  return out;
}

/** Each AWS job of the rendered pipeline: the role it assumes and the subject its token carries. */
function pipelineJobs(doc: Doc, provider: "github" | "gitlab", ci: CiModel): { job: string; arn: string; subjects: string[] }[] {
  const out: { job: string; arn: string; subjects: string[] }[] = [];
  for (const [id, job] of Object.entries(doc.jobs ?? doc) as [string, Doc][]) {
    if (provider === "github") {
      const step = (job.steps ?? []).find((s: Doc) => String(s.uses ?? "").includes("configure-aws-credentials"));
      if (!step) continue;
      const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
      // GitHub's subject: the job's environment when it has one, else the event's ref or pull_request.
      const subjects = environment
        ? [`environment:${environment}`]
        : [
            ...(String(job.if).includes("github.event_name == 'push'") ? [`ref:refs/heads/${ci.defaultBranch}`] : []),
            ...(String(job.if).includes("github.event_name == 'pull_request'") ? ["pull_request"] : []),
          ];
      out.push({ job: id, arn: step.with["role-to-assume"], subjects: subjects.map((s) => ciSubject(ci, provider, s)) });
    } else {
      const line = [...(job.script ?? []), ...(job.before_script ?? [])].find((l: string) => l.startsWith("export AWS_ROLE_ARN="));
      if (!line) continue;
      const rules = JSON.stringify(job.rules ?? []);
      const subjects = [
        ciSubject(ci, provider, ci.defaultBranch),
        ...(rules.includes("merge_request_event") ? [ciSubject(ci, provider, "feature/some-branch")] : []),
      ];
      out.push({ job: id, arn: /^export AWS_ROLE_ARN="(.+)"$/.exec(line)?.[1] ?? "", subjects });
    }
  }
  return out;
}

/** IAM's StringLike: * any run of characters, ? one. */
const like = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(value);

describe("CI roles: the pipeline assumes exactly the roles render terraform writes, and each job's token matches its role", () => {
  for (const example of examples) {
    for (const provider of providers) {
      it(`${example.name} --provider ${provider}`, async () => {
        const models = withProvider(example.kubeModels, provider);
        const [file] = await ciRenderer.render(models, { choices: { provider } });
        const doc = parse(file?.content ?? "") as Doc;
        const ci = models[0]?.ci as CiModel;
        const jobs = pipelineJobs(doc, provider, ci);
        const roles = terraformRoles(models);
        expect(jobs.length).toBeGreaterThan(0);
        // Same ARNs both ways: no job assumes a role Terraform does not make, no role is left unused.
        expect(new Set(jobs.map((j) => j.arn))).toEqual(new Set(roles.keys()));
        for (const job of jobs) {
          const role = roles.get(job.arn);
          expect(role, job.job).toBeDefined();
          for (const subject of job.subjects) {
            const matches = role?.test === "StringEquals" ? role.subs.includes(subject) : role?.subs.some((p) => like(p, subject));
            expect(matches, `${job.job}: ${subject} against ${role?.test} ${role?.subs.join(", ")}`).toBe(true);
          }
        }
        // The production deploy: only its own job's token, matched exactly.
        const production = [...roles.values()].find((r) => r.key === "production");
        expect(production?.test).toBe("StringEquals");
        expect(production?.subs).toEqual([ciSubject(ci, provider, provider === "github" ? "environment:production" : ci.defaultBranch)]);
        const deploy = jobs.find((j) => j.job === "deploy-production");
        expect(roles.get(deploy?.arn ?? "")?.key).toBe("production");
      });
    }
  }
});

const ci = (over: Partial<CiModel["github"]> = {}, gitlab: Partial<CiModel["gitlab"]> = {}): CiModel => ({
  provider: "github",
  defaultBranch: "main",
  install: undefined,
  lint: undefined,
  test: undefined,
  environments: ["staging", "production"],
  aws: {
    region: "eu-west-2",
    accountId: "123456789012",
    roleNames: Object.fromEntries(
      ["build", "staging", "production", "staging-plan", "staging-infra", "production-plan", "production-infra"].map((k) => [
        k,
        `shop-ci-${k}`,
      ]),
    ),
    roleArns: {},
    eksClusters: {},
    oidcProvider: "create",
  },
  infraEnvironments: [
    { name: "staging", accountId: "123456789012" },
    { name: "production", accountId: "123456789012" },
  ],
  github: { subject: "legacy", repository: "acme/shop", ownerId: 101, repositoryId: 202, ...over },
  gitlab: { image: undefined, project: "acme/platform/shop", url: "https://gitlab.com", ...gitlab },
});

describe("trust policies (oidc-roles.ts)", () => {
  it("GitHub subjects: legacy repo:OWNER/REPO:…, immutable repo:OWNER@ID/REPO@ID:…", () => {
    expect(ciSubject(ci(), "github", "environment:production")).toBe("repo:acme/shop:environment:production");
    expect(ciSubject(ci({ subject: "immutable" }), "github", "environment:production")).toBe(
      "repo:acme@101/shop@202:environment:production",
    );
    expect(ciSubject(ci(), "gitlab", "main")).toBe("project_path:acme/platform/shop:ref_type:branch:ref:main");
  });

  it("GitHub: the production deploy role admits only environment:production; staging, plan and infra roles are separate", () => {
    for (const subject of ["legacy", "immutable"] as const) {
      const roles = ciRoles(ci({ subject }), "github", true);
      const repo = subject === "legacy" ? "repo:acme/shop" : "repo:acme@101/shop@202";
      const conditions = Object.fromEntries(roles.map((r) => [r.key, r.conditions]));
      expect(conditions.production).toEqual([
        { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
        { test: "StringEquals", variable: "token.actions.githubusercontent.com:sub", values: [`${repo}:environment:production`] },
      ]);
      expect(conditions.staging?.[1]?.values).toEqual([`${repo}:environment:staging`]);
      expect(conditions.build?.[1]?.values).toEqual([`${repo}:ref:refs/heads/main`]);
      expect(conditions["production-plan"]?.[1]?.values).toEqual([`${repo}:pull_request`, `${repo}:ref:refs/heads/main`]);
      expect(conditions["production-infra"]?.[1]?.values).toEqual([`${repo}:environment:production-infra`]);
      // Every role: StringEquals on aud and sub, nothing else.
      for (const r of roles)
        expect(r.conditions.map((c) => `${c.test} ${c.variable.split(":")[1]}`)).toEqual(["StringEquals aud", "StringEquals sub"]);
    }
  });

  it("GitLab: the issuer's host keys the conditions; only the read-only plan role matches sub with a pattern", () => {
    const roles = ciRoles(ci({}, { url: "https://gitlab.example.com" }), "gitlab", true);
    for (const r of roles) {
      expect(r.conditions[0]).toEqual({ test: "StringEquals", variable: "gitlab.example.com:aud", values: ["sts.amazonaws.com"] });
      const sub = r.conditions[1];
      if (r.kind === "plan")
        expect(sub).toEqual({
          test: "StringLike",
          variable: "gitlab.example.com:sub",
          values: ["project_path:acme/platform/shop:ref_type:branch:ref:*"],
        });
      else
        expect(sub).toEqual({
          test: "StringEquals",
          variable: "gitlab.example.com:sub",
          values: ["project_path:acme/platform/shop:ref_type:branch:ref:main"],
        });
    }
  });

  it("the policy document: one Allow of sts:AssumeRoleWithWebIdentity for the provider, conditions by operator", () => {
    const [build] = ciRoles(ci(), "github", true);
    expect(trustPolicyDocument(build as never, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CiOidc",
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/heads/main",
            },
          },
        },
      ],
    });
  });

  it("no ECR image: no build role; an environment without infra: a deploy role no root holds", () => {
    const c = { ...ci(), infraEnvironments: [{ name: "production", accountId: "123456789012" }] };
    const roles = ciRoles(c, "github", false);
    expect(roles.map((r) => `${r.key}@${r.home ?? "-"}`)).toEqual([
      "staging@-",
      "production@production",
      "production-plan@production",
      "production-infra@production",
    ]);
  });
});

describe("render terraform: the CI roles in the roots", () => {
  const rails = examples.find((e) => e.name === "rails-mysql");
  const [staging, production] = rails?.kubeModels ?? [];
  const text = (model: AppModel | undefined, json = false) =>
    renderTerraform(model as AppModel, json)
      .map((f) => f.content)
      .join("\n");

  it("the account's first root creates the OIDC provider; the next refers to it by ARN; a given ARN creates none", () => {
    expect(text(staging)).toContain('resource "aws_iam_openid_connect_provider" "ci" {');
    expect(text(staging)).toContain("Federated = aws_iam_openid_connect_provider.ci.arn");
    expect(text(production)).not.toContain("aws_iam_openid_connect_provider");
    expect(text(production)).toContain('Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"');
    const given = {
      ...staging,
      ci: { ...staging?.ci, aws: { ...staging?.ci.aws, oidcProvider: "arn:aws:iam::123456789012:oidc-provider/x.example" } },
    };
    expect(text(given as AppModel)).not.toContain('resource "aws_iam_openid_connect_provider"');
    expect(text(given as AppModel)).toContain('Federated = "arn:aws:iam::123456789012:oidc-provider/x.example"');
  });

  it("roles per root: build in the first, deploy/plan/infra in their environment's; a role the spec names by ARN is not made", () => {
    const roles = (model: AppModel | undefined) =>
      blocksOf(model as AppModel)
        .filter((b) => b.type === "resource" && b.labels[0] === "aws_iam_role")
        .map((b) => attr(b, "name"));
    expect(roles(staging)).toEqual([
      "rails-mysql-ci-build",
      "rails-mysql-ci-staging",
      "rails-mysql-ci-staging-plan",
      "rails-mysql-ci-staging-infra",
    ]);
    expect(roles(production)).toEqual(["rails-mysql-ci-production", "rails-mysql-ci-production-plan", "rails-mysql-ci-production-infra"]);
    const named = {
      ...production,
      ci: { ...production?.ci, aws: { ...production?.ci.aws, roleArns: { production: "arn:aws:iam::123456789012:role/x" } } },
    };
    expect(roles(named as AppModel)).toEqual(["rails-mysql-ci-production-plan", "rails-mysql-ci-production-infra"]);
    expect(text(named as AppModel)).not.toContain("ci_deploy");
    const none = { ...production, ci: { ...production?.ci, provider: undefined } };
    expect(roles(none as AppModel)).toEqual([]);
  });

  it("permissions: build pushes to the root's ECR repository only; deploy gets DescribeCluster, state read and the namespace; plan is read-only", () => {
    const s = text(staging);
    expect(s).toMatch(/Sid\s+= "EcrPush"[\s\S]*?Resource = \[module\.ecr\.repository_arn\]/);
    expect(s).toMatch(/Sid\s+= "Kubeconfig"[\s\S]*?Resource = \[module\.eks\.cluster_arn\]/);
    expect(s).toContain('policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"');
    expect(s).toMatch(/access_scope = {\n\s+type\s+= "namespace"\n\s+namespaces = \["rails-mysql"\]/);
    expect(s).not.toMatch(/aws_iam_access_key|AWS_SECRET_ACCESS_KEY|ForAllValues/);
  });

  // The roots' modules cannot be downloaded here, so ci-iam.tf is validated alone, its two module
  // references stubbed, against the AWS provider cached in /opt/tf-plugins.
  const plugins = "/opt/tf-plugins/registry.terraform.io/hashicorp/aws";
  const terraform = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;
  it.skipIf(!terraform || !existsSync(plugins))(
    "terraform validate accepts ci-iam.tf: a root creating the OIDC provider, one referring to it, GitLab's (AWS provider from /opt/tf-plugins, modules stubbed)",
    { timeout: 300_000 },
    () => {
      const version = readdirSync(plugins)[0];
      const model = (example: string, env: string) =>
        examples.find((e) => e.name === example)?.kubeModels.find((m) => m.environment === env) as AppModel;
      const cases = [model("rails-mysql", "staging"), model("rails-mysql", "production"), model("flask-mysql", "staging")];
      const dir = mkdtempSync(join(tmpdir(), "slipway-ci-iam-"));
      try {
        writeFileSync(
          join(dir, "stubs.tf"),
          `terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "${version}" }\n  }\n}\nprovider "aws" { region = "eu-west-2" }\nlocals { tags = {} }\nmodule "ecr" { source = "./ecr" }\nmodule "eks" { source = "./eks" }\n`,
        );
        for (const [m, out] of [
          ["ecr", "repository_arn"],
          ["eks", "cluster_arn"],
        ] as const) {
          mkdirSync(join(dir, m));
          writeFileSync(join(dir, m, "main.tf"), `output "${out}" { value = "arn" }\n`);
        }
        const init = spawnSync("terraform", ["init", "-backend=false", "-plugin-dir", "/opt/tf-plugins", "-input=false", "-no-color"], {
          cwd: dir,
          encoding: "utf8",
        });
        expect(init.status, init.stderr).toBe(0);
        for (const m of cases) {
          const file = renderTerraform(m).find((f) => f.path.endsWith("ci-iam.tf"));
          expect(file, m.environment).toBeDefined();
          writeFileSync(join(dir, "ci-iam.tf"), file?.content ?? "");
          const validate = spawnSync("terraform", ["validate", "-no-color"], { cwd: dir, encoding: "utf8" });
          expect(validate.status, `${m.name} ${m.environment}: ${validate.stdout}${validate.stderr}`).toBe(0);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("slipway check: the roles' state access is the spec's state bucket, not an undeclared bucket (SLW-TF-026)", () => {
    const file = renderTerraform(production as AppModel).find((f) => f.path.endsWith("ci-iam.tf"))?.content ?? "";
    const s026 = (stateBuckets?: string[]) => {
      const batch = parseInputs([
        { origin: { file: "ci-iam.tf", label: "ci-iam.tf" }, bytes: file, size: file.length, explicit: true, kind: "terraform" },
      ]);
      const intent = { s3Buckets: ["rails-mysql-uploads"], ...(stateBuckets ? { stateBuckets } : {}) };
      return runCheck(batch, { today: "2026-01-01", rules: ["SLW-TF-026"], intent }).findings.length;
    };
    expect(s026(["rails-mysql-tfstate-123456789012"])).toBe(0);
    expect(s026()).toBeGreaterThan(0);
  });

  it("slipway check: SLW-TF-031 stays silent on the rendered roles and fires once a production subject becomes a pattern", () => {
    const findings = (content: string) => {
      const batch = parseInputs([
        { origin: { file: "ci-iam.tf", label: "ci-iam.tf" }, bytes: content, size: content.length, explicit: true, kind: "terraform" },
      ]);
      return runCheck(batch, { today: "2026-01-01", rules: ["SLW-TF-031"] })
        .findings.filter((f) => !f.waived)
        .map((f) => f.message);
    };
    const file = renderTerraform(production as AppModel).find((f) => f.path.endsWith("ci-iam.tf"))?.content ?? "";
    expect(findings(file)).toEqual([]);
    const widened = file.replace(
      /StringEquals = {\n(\s+)"token\.actions\.githubusercontent\.com:aud" = "sts\.amazonaws\.com"\n\s+"token\.actions\.githubusercontent\.com:sub" = "(repo:[^"]+):environment:production"\n/,
      'StringEquals = {\n$1"token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"\n$1}\n$1StringLike = {\n$1"token.actions.githubusercontent.com:sub" = "$2:*"\n',
    );
    expect(widened).not.toBe(file);
    expect(findings(widened)).toEqual([expect.stringMatching(/^sub matched by the pattern repo:.+:\*/)]);
  });
});

describe("spec: ci.provider needs the repository the subjects name", () => {
  const base =
    "name: shop\napp: { image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0.0, health: /up }\ninfra: { region: eu-west-2 }\nenvironments: { production: { target: kubernetes } }\n";
  const model = (ciBlock: string) => {
    const validated = validateSpec(parseSpecText(`${base}${ciBlock}`, "slipway.yaml"));
    return buildModel(validated, validated.environments.production as never);
  };
  it.each([
    ["ci: { provider: github }\n", "ci.provider github: ci.github.repository (OWNER/REPO) is missing"],
    ["ci: { provider: gitlab }\n", "ci.provider gitlab: ci.gitlab.project (GROUP/PROJECT) is missing"],
    [
      "ci: { provider: github, github: { repository: acme/shop, subject: immutable } }\n",
      "ci.github.subject immutable: ci.github.ownerId and ci.github.repositoryId are needed for repo:OWNER@ID/REPO@ID subjects",
    ],
  ])("%s", (ciBlock, message) => {
    expect(() => model(ciBlock)).toThrow(expect.objectContaining({ code: "SPEC_RULE", message }));
  });
  it("with them the model carries the provider and the infra environments", () => {
    const m = model("ci: { provider: gitlab, gitlab: { project: acme/shop } }\n");
    expect(m.ci.provider).toBe("gitlab");
    expect(m.ci.gitlab).toMatchObject({ project: "acme/shop", url: "https://gitlab.com" });
    expect(m.ci.infraEnvironments).toEqual([{ name: "production", accountId: "123456789012" }]);
  });
});

describe("render ci warns when the image build has no Dockerfile", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-ci-dockerfile-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const spec = (build: string) =>
    `name: shop\napp: { image: ghcr.io/acme/shop:1.0.0, health: /up${build} }\nenvironments: { production: { target: kubernetes } }\n`;

  it("app.build without its Dockerfile: a warning (stderr; warnings in --json), exit 0, the pipeline written", async () => {
    writeFileSync(join(dir, "slipway.yaml"), spec(", build: { context: app }"));
    const json = await runCli(["render", "ci", "--provider", "github", "--out", "out", "--json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).result.warnings).toEqual([
      {
        file: "app/Dockerfile",
        message: "no Dockerfile at app.build (app, Dockerfile): the pipeline's build and publish jobs would fail",
        hint: "Add the Dockerfile (slipway init can write one), or point app.build.dockerfile at it.",
      },
    ]);
    const human = await runCli(["render", "ci", "--provider", "gitlab", "--out", "out"], { cwd: dir });
    expect(human.code).toBe(0);
    expect(human.stderr).toContain("warning: app/Dockerfile: no Dockerfile at app.build (app, Dockerfile)");
    expect(readFileSync(join(dir, "out", ".gitlab-ci.yml"), "utf8")).toContain("publish:");
  });

  it("--provider other than the spec's ci.provider: a warning (the roles would trust the other system's tokens)", async () => {
    writeFileSync(
      join(dir, "slipway.yaml"),
      `${spec(", build: { context: app }")}ci: { provider: github, github: { repository: acme/shop } }\n`,
    );
    const same = await runCli(["render", "ci", "--provider", "github", "--out", "out", "--json"], { cwd: dir });
    expect(JSON.parse(same.stdout).result.warnings?.map((w: { message: string }) => w.message) ?? []).not.toContainEqual(
      expect.stringContaining("ci.provider"),
    );
    const other = await runCli(["render", "ci", "--provider", "gitlab", "--out", "out", "--json"], { cwd: dir });
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout).result.warnings).toContainEqual({
      file: "slipway.yaml",
      message:
        "ci.provider is github, so render terraform's CI roles trust github's tokens: this gitlab pipeline's jobs could not assume them",
      hint: "Set ci.provider: gitlab (with the repository) and render terraform again, or render --provider github.",
    });
  });

  it("with the Dockerfile: no warning; without app.build: a warning whatever files exist", async () => {
    mkdirSync(join(dir, "app"), { recursive: true });
    writeFileSync(join(dir, "app", "Dockerfile"), "FROM scratch\n");
    const ok = await runCli(["render", "ci", "--provider", "github", "--out", "out", "--json"], { cwd: dir });
    expect(JSON.parse(ok.stdout).result.warnings).toBeUndefined();
    expect(ok.stderr).not.toContain("warning:");
    writeFileSync(join(dir, "slipway.yaml"), spec(""));
    const none = await runCli(["render", "ci", "--provider", "github", "--out", "out", "--json"], { cwd: dir });
    expect(JSON.parse(none.stdout).result.warnings).toEqual([
      expect.objectContaining({
        message: expect.stringContaining("no app.build, so the pipeline's build and publish jobs stop at slipway build"),
      }),
    ]);
  });
});
