import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as z from "zod";
import { parseInputs } from "../../src/check/parse-inputs.js";
import { runCheck } from "../../src/check/run-check.js";
import { ciRenderer } from "../../src/render/ci/ci-renderer.js";
import { actionPins } from "../../src/render/ci/pins.js";
import { loadExamples } from "../helpers/examples.js";
import { toolPath } from "../helpers/tools.js";

// Golden files: `npx vitest run --project unit -u test/unit/render-ci.test.ts` rewrites them; review the diff.
const examples = loadExamples();
const providers = ["github", "gitlab"] as const;
const work = mkdtempSync(join(tmpdir(), "slipway-render-ci-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function render(example: (typeof examples)[number], provider: string) {
  const [file] = await ciRenderer.render(example.kubeModels, { choices: { provider } });
  if (!file) throw new Error("no file");
  return file;
}

/** Findings of slipway check's CI rules, at any severity, on one CI file's text. */
function ciFindings(path: string, content: string): string[] {
  const batch = parseInputs([{ origin: { file: path, label: path }, bytes: content, size: Buffer.byteLength(content), explicit: false }]);
  expect(batch.issues).toEqual([]);
  const report = runCheck(batch, { today: "2026-01-01", rules: ["SLW-CI"] });
  expect(report.inputs.map((i) => i.kind)).toEqual([path.endsWith(".gitlab-ci.yml") ? "gitlab-ci" : "github-actions"]);
  return report.findings.map((f) => `${f.ruleId} ${f.object ?? ""}: ${f.message}`);
}

type Doc = Record<string, any>;

describe("render ci", () => {
  for (const example of examples) {
    for (const provider of providers) {
      it(`golden: ${example.name} --provider ${provider}`, async () => {
        const file = await render(example, provider);
        expect(file.path).toBe(provider === "github" ? ".github/workflows/slipway.yml" : ".gitlab-ci.yml");
        await expect(file.content).toMatchFileSnapshot(`../golden/${example.name}/ci-${provider}.yml`);
      });

      it(`slipway check's CI rules find nothing at any severity: ${example.name} ${provider}`, async () => {
        const file = await render(example, provider);
        expect(ciFindings(file.path, file.content)).toEqual([]);
      });
    }

    it(`actionlint finds nothing: ${example.name}`, async () => {
      const actionlint = toolPath("actionlint");
      expect(actionlint, "run: bash test/cluster/build.sh linters").toBeDefined();
      const file = await render(example, "github");
      const path = join(work, example.name, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
      expect(execFileSync(actionlint as string, ["-no-color", path], { encoding: "utf8" })).toBe("");
    });

    it(`zizmor (offline, auditor persona: every severity and confidence) finds nothing: ${example.name}`, async () => {
      const zizmor = toolPath("zizmor");
      expect(zizmor, "run: bash test/cluster/build.sh zizmor").toBeDefined();
      const file = await render(example, "github");
      const path = join(work, `zizmor-${example.name}`, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
      const out = execFileSync(zizmor as string, ["--offline", "--persona", "auditor", "--format", "json", "--no-progress", path], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      expect(JSON.parse(out)).toEqual([]);
    });

    it(`gitlab-ci-local (offline) validates the pipeline against GitLab's schema, runs the expected jobs per source, and every needs is met: ${example.name}`, async () => {
      const gcl = toolPath("gitlab-ci-local");
      expect(gcl, "run: bash test/cluster/build.sh gitlab-ci-local").toBeDefined();
      const repo = join(work, `gcl-${example.name}`);
      mkdirSync(repo, { recursive: true });
      writeFileSync(join(repo, ".gitlab-ci.yml"), (await render(example, "gitlab")).content);
      const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
      git("init", "-q", "-b", "main");
      git("remote", "add", "origin", "https://gitlab.example.com/acme/app.git");
      git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".");
      git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "pipeline");
      // gitlab-ci-local is a Node.js program: run it with this Node.js.
      const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, NO_COLOR: "1" };
      const run = (source: string, ...args: string[]) =>
        execFileSync(
          gcl as string,
          [...args, "--variable", `CI_PIPELINE_SOURCE=${source}`, "--ignore-predefined-vars", "CI_PIPELINE_SOURCE"],
          {
            cwd: repo,
            env,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
      const models = example.kubeModels;
      const infra = models.filter((m) => m.infra).map((m) => m.environment);
      const active = (source: string) =>
        (JSON.parse(run(source, "--list-json")) as { name: string; when: string }[])
          .filter((j) => j.when !== "never")
          .map((j) => `${j.name}:${j.when}`);
      const testJob = models[0]?.ci.install || models[0]?.ci.test ? ["test:on_success"] : [];
      expect(active("merge_request_event").sort()).toEqual(
        ["checks:on_success", "build:on_success", ...testJob, ...infra.map((e) => `infra-plan-${e}:on_success`)].sort(),
      );
      expect(active("push").sort()).toEqual(
        [
          "checks:on_success",
          "publish:on_success",
          ...testJob,
          ...infra.flatMap((e) => [`infra-plan-${e}:on_success`, `infra-${e}:manual`]),
          "deploy-staging:on_success",
          "deploy-production:manual",
        ].sort(),
      );
      // The merge request pipeline's needs, checked by the tool. (On the push pipeline it reports any
      // job that needs a manual one, --manual or not: the approvals are manual by design; the
      // structure test below resolves those needs.)
      expect(run("merge_request_event", "--validate-dependency-chain")).toContain("All job dependencies are valid");
    });

    it(`github: production deploys exactly the digest the build job pushed: ${example.name}`, async () => {
      const wf = parse((await render(example, "github")).content) as Doc;
      const jobs = wf.jobs as Record<string, Doc>;
      const deploys = Object.entries(jobs).filter(([, j]) => (j.steps as Doc[]).some((s) => /slipway@\S+ deploy /.test(s.run ?? "")));
      expect(deploys.map(([id]) => id)).toEqual(["deploy-staging", "deploy-production"]);
      // The only job that pushes, and how its digest leaves it.
      const pushers = Object.entries(jobs).filter(([, j]) => (j.steps as Doc[]).some((s) => /build .*--push/.test(s.run ?? "")));
      expect(pushers.map(([id]) => id)).toEqual(["publish"]);
      const publish = jobs.publish as Doc;
      const output = /^\$\{\{ steps\.([\w-]+)\.outputs\.(\w+) \}\}$/.exec(publish.outputs.digest);
      const pushStep = (publish.steps as Doc[]).find((s) => s.id === output?.[1]);
      expect(pushStep?.run).toContain(`echo "${output?.[2]}=$digest" >> "$GITHUB_OUTPUT"`);
      expect(pushStep?.run).toMatch(
        /^npx --yes slipway@\S+ build -e \S+ --push --json > build.json\ndigest="\$\(jq -r '\.result\.digest' build\.json\)"/,
      );
      for (const [id, job] of deploys) {
        expect(job.needs, id).toContain("publish");
        const step = (job.steps as Doc[]).find((s) => /deploy /.test(s.run ?? "")) as Doc;
        expect(step.run, id).toMatch(/ --digest "\$DIGEST" --no-build$/);
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
        expect(step.env.DIGEST, id).toBe("${{ needs.publish.outputs.digest }}");
      }
      // Production: behind its environment (required reviewers), after staging, never cancelled.
      const production = jobs["deploy-production"] as Doc;
      expect(production.environment.name ?? production.environment).toBe("production");
      expect(production.needs).toEqual(
        example.kubeModels.find((m) => m.environment === "production")?.infra
          ? ["publish", "deploy-staging", "infra-apply-production"]
          : ["publish", "deploy-staging"],
      );
      expect(production.concurrency["cancel-in-progress"]).toBe(false);
    });

    it(`gitlab: production deploys exactly the digest the build job pushed: ${example.name}`, async () => {
      const doc = parse((await render(example, "gitlab")).content) as Doc;
      const jobs = Object.fromEntries(Object.entries(doc).filter(([, v]) => v && typeof v === "object" && "script" in v)) as Record<
        string,
        Doc
      >;
      const writesDigest = Object.entries(jobs).filter(([, j]) => j.artifacts?.reports?.dotenv !== undefined);
      expect(writesDigest.map(([id]) => id)).toEqual(["publish"]);
      const publish = jobs.publish as Doc;
      expect(publish.script).toContain(`echo "DIGEST=$digest" > ${publish.artifacts.reports.dotenv}`);
      expect(
        Object.entries(jobs)
          .filter(([, j]) => (j.script as string[]).some((l) => /build .*--push/.test(l)))
          .map(([id]) => id),
      ).toEqual(["publish"]);
      const production = jobs["deploy-production"] as Doc;
      expect(production.needs).toContainEqual({ job: "publish", artifacts: true });
      expect(production.script).toContain('npx --yes slipway@0.1.0 deploy -e production --digest "$DIGEST" --no-build');
      expect(production.rules).toEqual([{ if: expect.any(String), when: "manual" }]);
      expect(production.allow_failure).toBe(false);
      expect(production.interruptible).toBe(false);
      expect(production.resource_group).toMatch(/production$/);
      // No later job's dotenv could replace DIGEST: every other need is taken without artifacts.
      for (const need of production.needs as Doc[]) if (need.job !== "publish") expect(need.artifacts).toBe(false);
    });

    it(`gitlab: the pipeline's structure resolves (stages, needs, rules): ${example.name}`, async () => {
      const doc = parse((await render(example, "gitlab")).content) as Doc;
      const parsed = gitlabPipeline.parse(doc);
      const stages = parsed.stages;
      const jobs = Object.entries(parsed).filter(([k]) => !["workflow", "stages", "default"].includes(k)) as [
        string,
        z.infer<typeof gitlabJob>,
      ][];
      expect(jobs.length).toBeGreaterThan(3);
      for (const [id, job] of jobs) {
        gitlabJob.parse(job);
        expect(stages, `${id}.stage`).toContain(job.stage);
        for (const need of job.needs ?? []) {
          const other = jobs.find(([name]) => name === need.job);
          expect(other, `${id} needs ${need.job}`).toBeDefined();
          expect(stages.indexOf(other?.[1].stage ?? ""), `${id} needs a job of an earlier stage`).toBeLessThan(stages.indexOf(job.stage));
        }
        for (const rule of job.rules ?? []) expect(rule.if).toMatch(/^\$CI_[A-Z_]+ == "[\w./-]+"( && \$CI_[A-Z_]+ == "[\w./-]+")?$/);
      }
    });
  }

  it("pull requests build every platform of app.build.platforms, one single-platform build each (nothing pushed)", async () => {
    for (const example of examples) {
      const platforms = example.kubeModels[0]?.build?.platforms ?? ["linux/amd64"];
      const wf = parse((await render(example, "github")).content) as Doc;
      const builds = (wf.jobs.build.steps as Doc[]).map((st) => st.run).filter((r) => r !== undefined);
      const gl = parse((await render(example, "gitlab")).content) as Doc;
      const glBuilds = (gl.build.script as string[]).filter((l) => / build -e /.test(l));
      for (const list of [builds, glBuilds]) {
        expect(list.length, example.name).toBe(platforms.length);
        for (const run of list) expect(run).not.toContain("--push");
        if (platforms.length > 1) expect(list.map((r) => /--platform (\S+)$/.exec(r)?.[1])).toEqual(platforms);
      }
    }
  });

  it("no script expands a GitHub expression inline: every value reaches run through env", async () => {
    for (const example of examples) {
      const wf = parse((await render(example, "github")).content) as Doc;
      for (const [id, job] of Object.entries(wf.jobs as Record<string, Doc>))
        for (const step of job.steps as Doc[]) if (step.run) expect(step.run, `${example.name} ${id}`).not.toContain("${{");
    }
  });

  it("infra: each environment with an infra block is planned, and the apply job applies exactly the plan file its plan job kept, behind an approval", async () => {
    const withInfra = examples.filter((e) => e.kubeModels.some((m) => m.infra));
    expect(withInfra.length).toBeGreaterThan(0);
    for (const example of withInfra) {
      const wf = parse((await render(example, "github")).content) as Doc;
      const jobs = wf.jobs as Record<string, Doc>;
      const gl = parse((await render(example, "gitlab")).content) as Doc;
      for (const model of example.kubeModels.filter((m) => m.infra)) {
        const env = model.environment;
        const plan = jobs[`infra-plan-${env}`] as Doc;
        const apply = jobs[`infra-apply-${env}`] as Doc;
        const runs = (plan.steps as Doc[]).map((st) => st.run ?? "").join("\n");
        expect(runs).toContain(`terraform fmt -check -recursive infra/${env}`);
        expect(runs).toContain(`terraform -chdir=infra/${env} validate`);
        expect(runs).toContain(`infra plan -e ${env} --out infra/${env}/tfplan`);
        expect(runs).toContain('gh pr comment "$PR_NUMBER" --body-file plan.md');
        expect((plan.steps as Doc[]).find((st) => st.with?.["role-to-assume"])?.with["role-to-assume"]).toMatch(/-plan$/);
        const kept = (plan.steps as Doc[]).find((st) => /upload-artifact@/.test(st.uses ?? "")) as Doc;
        const fetched = (apply.steps as Doc[]).find((st) => /download-artifact@/.test(st.uses ?? "")) as Doc;
        expect(fetched.with.name).toBe(kept.with.name);
        expect(`${fetched.with.path}/tfplan`).toBe(kept.with.path);
        expect((apply.steps as Doc[]).at(-1)?.run).toMatch(new RegExp(` infra apply -e ${env} --plan ${kept.with.path}$`));
        expect(apply.needs).toEqual([`infra-plan-${env}`]);
        expect(apply.environment).toBe(`${env}-infra`);
        expect(apply.concurrency["cancel-in-progress"]).toBe(false);
        expect(jobs[`deploy-${env}`]?.needs).toContain(`infra-apply-${env}`);

        const glPlan = gl[`infra-plan-${env}`] as Doc;
        const glApply = gl[`infra-${env}`] as Doc;
        expect(glPlan.artifacts.paths).toEqual([`infra/${env}/tfplan`]);
        expect(glApply.needs[0]).toEqual({ job: `infra-plan-${env}`, artifacts: true });
        expect(glApply.script.at(-1)).toMatch(new RegExp(` infra apply -e ${env} --plan ${glPlan.artifacts.paths[0]}$`));
        expect(glApply.rules).toEqual([{ if: expect.any(String), when: "manual" }]);
        expect(glApply.resource_group).toMatch(new RegExp(`${env}$`));
        expect(gl[`deploy-${env}`].needs).toContainEqual({ job: `infra-${env}`, artifacts: false });
      }
    }
  });

  it("infra: without an infra block no infra job is rendered", async () => {
    const example = examples[0];
    if (!example) throw new Error("no example");
    const models = example.kubeModels.map((m) => ({ ...m, infra: undefined }));
    for (const provider of providers) {
      const [file] = await ciRenderer.render(models, { choices: { provider } });
      expect(file?.content).not.toMatch(/infra|terraform/);
    }
  });

  it("hand-written bad pipelines: the CI rules fire on each weakening of the rendered one", async () => {
    const example = examples.find((e) => e.name === "rails-mysql") ?? examples[0];
    if (!example) throw new Error("no example");
    const gh = (await render(example, "github")).content;
    const gl = (await render(example, "gitlab")).content;
    const cases: [string, string, string][] = [
      [
        "github",
        gh.replace(/( {2}deploy-production:\n(?:.*\n)*?) {4}environment:\n {6}name: production\n {6}url: .*\n/, "$1"),
        "SLW-CI-006",
      ],
      ["github", gh.replace(/@[0-9a-f]{40} # v4\.2\.2/, "@v4"), "SLW-CI-002"],
      ["github", gh.replace("permissions: {}\n", "permissions: write-all\n"), "SLW-CI-004"],
      [
        "github",
        gh.replace(/ {8}run: "npx --yes slipway@0\.1\.0 build -e staging[^"\n]*"/, '        run: echo "$AWS_SECRET_ACCESS_KEY"'),
        "SLW-CI-007",
      ],
      ["gitlab", gl.replace(/(\ndeploy-production:\n(?:.*\n)*?) {6}when: manual\n/, "$1"), "SLW-CI-006"],
      ["gitlab", gl.replace('image: "node:24.11.1-trixie-slim"', "image: node"), "SLW-CI-011"],
    ];
    for (const [provider, text, rule] of cases) {
      expect(text, `${rule}: the fixture differs from the render`).not.toBe(provider === "github" ? gh : gl);
      const path = provider === "github" ? ".github/workflows/bad.yml" : ".gitlab-ci.yml";
      expect(ciFindings(path, text).join("\n"), rule).toContain(rule);
    }
  });

  it("every action the workflows use is pinned by a full SHA from the pin table, with its version in a comment", async () => {
    for (const example of examples) {
      const text = (await render(example, "github")).content;
      const uses = [...text.matchAll(/uses: (\S+)@(\S+)(?: # (\S+))?$/gm)];
      expect(uses.length).toBeGreaterThan(0);
      for (const [, action, sha, version] of uses) {
        const pin = Object.values(actionPins).find((p) => p.action === action);
        expect(pin, action).toBeDefined();
        expect(sha).toMatch(/^[0-9a-f]{40}$/);
        expect([sha, version]).toEqual([pin?.sha, pin?.version]);
      }
      expect(text).not.toMatch(/pull_request_target|secrets: inherit|aws-access-key-id|AWS_ACCESS_KEY_ID/);
      expect(text.match(/persist-credentials: false/g)?.length).toBe(text.match(/actions\/checkout@/g)?.length);
    }
  });
});

/** The parts of GitLab CI's format the rendered pipeline uses, strictly (a typo or a stray key fails). */
const gitlabRule = z.strictObject({ if: z.string(), when: z.enum(["manual", "on_success", "never"]).optional() });
const gitlabJob = z.strictObject({
  stage: z.string(),
  image: z.union([z.string(), z.strictObject({ name: z.string(), entrypoint: z.array(z.string()) })]).optional(),
  services: z.array(z.strictObject({ name: z.string(), alias: z.string() })).optional(),
  variables: z.record(z.string(), z.string()).optional(),
  timeout: z.string().regex(/^\d+m$/),
  interruptible: z.boolean().optional(),
  rules: z.array(gitlabRule).optional(),
  allow_failure: z.boolean().optional(),
  id_tokens: z.record(z.string(), z.strictObject({ aud: z.string() })).optional(),
  needs: z.array(z.strictObject({ job: z.string(), artifacts: z.boolean() })).optional(),
  environment: z.strictObject({ name: z.string(), url: z.string().url().optional(), action: z.literal("start") }).optional(),
  resource_group: z.string().optional(),
  before_script: z.array(z.string()).optional(),
  script: z.array(z.string()).min(1),
  artifacts: z
    .strictObject({
      when: z.enum(["always", "on_success"]).optional(),
      paths: z.array(z.string()).min(1).optional(),
      expire_in: z
        .string()
        .regex(/^\d+ (hour|day|week)s?$/)
        .optional(),
      reports: z.strictObject({ codequality: z.string().optional(), dotenv: z.string().optional(), terraform: z.string().optional() }),
    })
    .optional(),
});
const gitlabPipeline = z.looseObject({
  workflow: z.strictObject({
    rules: z.array(gitlabRule),
    auto_cancel: z.strictObject({ on_new_commit: z.enum(["conservative", "interruptible", "none"]) }),
  }),
  stages: z.array(z.string()).min(1),
  default: z.strictObject({ image: z.string(), interruptible: z.boolean() }),
});
