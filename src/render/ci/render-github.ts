// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions and shell variables, not JS templates
import { toYaml } from "../yaml-stream.js";
import { actionPins, commentPins, uses } from "./pins.js";
import { buildEnv, deploySecrets, type Pipeline, prBuilds, roleArn, shellLine, slipwayCommand, smokeTest } from "./pipeline.js";

/*
 * The GitHub Actions workflow: checks and an image build (never pushed) on pull requests; on the
 * default branch one build and push, its digest a job output, then each environment deployed with
 * exactly that digest, the later ones behind their environment's required reviewers.
 */

type Job = Record<string, unknown>;

const nodeVersion = "24";

/** Why a job holds each write permission, written next to it (a reviewer sees the reason in place). */
const writeReasons = {
  "id-token": "an OIDC token for the AWS role; no stored keys",
  "security-events": "upload slipway check's SARIF to code scanning",
  "pull-requests": "post the infrastructure plan as a pull request comment",
  packages: "push the image to ghcr.io",
} as const;

function checkout(): Job {
  return { name: "Check out", uses: uses(actionPins.checkout), with: { "persist-credentials": false } };
}

function setupNode(): Job {
  return { name: "Set up Node.js for slipway", uses: uses(actionPins.setupNode), with: { "node-version": nodeVersion } };
}

function awsCredentials(pipeline: Pipeline, key: string): Job {
  return {
    name: "AWS credentials by OIDC",
    uses: uses(actionPins.awsCredentials),
    with: {
      "role-to-assume": roleArn(pipeline, key, "${{ vars.AWS_ACCOUNT_ID }}"),
      "aws-region": pipeline.region ?? "${{ vars.AWS_REGION }}",
    },
  };
}

function builder(pipeline: Pipeline): Job[] {
  return [
    ...(pipeline.multiArch ? [{ name: "Set up QEMU for other platforms", uses: uses(actionPins.setupQemu) }] : []),
    { name: "Set up BuildKit", uses: uses(actionPins.setupBuildx) },
  ];
}

export function renderGithub(pipeline: Pipeline): string {
  const { ci } = pipeline;
  const onDefault = `github.event_name == 'push' && github.ref == 'refs/heads/${ci.defaultBranch}'`;
  const jobs: Record<string, Job> = {};
  const appCommands = [ci.install, ci.lint, ci.test].filter((c) => c !== undefined);

  jobs.checks = {
    name: "Lint, test and slipway check",
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 20,
    permissions: { contents: "read", "security-events": "write" },
    steps: [
      checkout(),
      setupNode(),
      ...appCommands.map((words) => ({ name: shellLine(words), run: shellLine(words) })),
      // --tag: check renders every environment, which needs an image tag; the pipeline's own is the commit.
      { name: "slipway check", run: `${slipwayCommand} check --tag "$GITHUB_SHA"` },
      {
        name: "slipway check as SARIF",
        if: "always()",
        run: `${slipwayCommand} check --tag "$GITHUB_SHA" --format sarif --out slipway.sarif --min-severity low || test -s slipway.sarif`,
      },
      {
        name: "Upload findings to code scanning",
        // A fork's token cannot write security events; its findings are still in the log above.
        if: "always() && (github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository)",
        uses: uses(actionPins.uploadSarif),
        with: { sarif_file: "slipway.sarif", category: "slipway" },
      },
    ],
  };

  jobs.build = {
    name: "Build the image (no push)",
    if: "github.event_name == 'pull_request'",
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 45,
    permissions: { contents: "read" },
    steps: [
      checkout(),
      setupNode(),
      ...builder(pipeline),
      ...prBuilds(pipeline).map((b) => ({ name: `slipway build (${b.platform})`, run: b.command })),
    ],
  };

  const registryLogin: Job[] =
    pipeline.registry === "ghcr"
      ? [
          {
            name: "Log in to ghcr.io",
            env: { GITHUB_TOKEN: "${{ secrets.GITHUB_TOKEN }}", ACTOR: "${{ github.actor }}" },
            run: 'docker login ghcr.io --username "$ACTOR" --password-stdin <<< "$GITHUB_TOKEN"',
          },
        ]
      : pipeline.registry === "ecr"
        ? []
        : [
            {
              name: "Log in to the registry",
              env: { REGISTRY_USERNAME: "${{ vars.REGISTRY_USERNAME }}", REGISTRY_PASSWORD: "${{ secrets.REGISTRY_PASSWORD }}" },
              run: `docker login ${shellLine([pipeline.repository.split("/")[0] ?? ""])} --username "$REGISTRY_USERNAME" --password-stdin <<< "$REGISTRY_PASSWORD"`,
            },
          ];

  jobs.publish = {
    name: "Build and push the image once",
    if: onDefault,
    needs: ["checks"],
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 45,
    ...(pipeline.registry === "other" ? { environment: "build" } : {}),
    permissions: {
      contents: "read",
      ...(pipeline.registry === "ecr" ? { "id-token": "write" } : {}),
      ...(pipeline.registry === "ghcr" ? { packages: "write" } : {}),
    },
    outputs: { digest: "${{ steps.push.outputs.digest }}" },
    steps: [
      checkout(),
      setupNode(),
      ...builder(pipeline),
      ...(pipeline.registry === "ecr" ? [awsCredentials(pipeline, "build")] : registryLogin),
      {
        name: "slipway build --push",
        id: "push",
        run: [
          `${slipwayCommand} build${buildEnv(pipeline)} --push --json > build.json`,
          "digest=\"$(jq -r '.result.digest' build.json)\"",
          "if ! printf '%s' \"$digest\" | grep -Eq '^sha256:[0-9a-f]{64}$'; then echo \"::error::no digest in build output\"; exit 1; fi",
          'echo "digest=$digest" >> "$GITHUB_OUTPUT"',
        ].join("\n"),
      },
    ],
  };

  const terraform = (): Job => ({ name: "Set up Terraform", uses: uses(actionPins.setupTerraform), with: { terraform_wrapper: false } });
  for (const stage of pipeline.stages) {
    if (!stage.infra) continue;
    const env = shellLine([stage.environment]);
    const root = stage.infra.root;
    const sameRepo = "github.event.pull_request.head.repo.full_name == github.repository";
    jobs[`infra-plan-${stage.environment}`] = {
      name: `Plan infrastructure: ${stage.environment}`,
      // A fork's pull request gets no OIDC token: its infrastructure is planned once merged.
      if: `(${onDefault}) || (github.event_name == 'pull_request' && ${sameRepo})`,
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 30,
      permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
      steps: [
        checkout(),
        setupNode(),
        terraform(),
        awsCredentials(pipeline, `${stage.environment}-plan`),
        {
          name: "The committed Terraform is what the spec renders",
          run: `${slipwayCommand} render terraform -e ${env}\ngit diff --exit-code -- ${shellLine([root])}`,
        },
        { name: "terraform fmt -check", run: `terraform fmt -check -recursive ${shellLine([root])}` },
        { name: "slipway infra plan", run: `${slipwayCommand} infra plan -e ${env} --out ${shellLine([`${root}/tfplan`])}` },
        { name: "terraform validate", run: `terraform -chdir=${shellLine([root])} validate -no-color` },
        {
          name: "Plan summary",
          // The plan reaches the comment through a file: nothing of it is ever expanded as an expression.
          run: [
            `terraform -chdir=${shellLine([root])} show -no-color tfplan > plan.txt`,
            `{ echo ${shellLine([`### slipway infra plan: ${stage.environment}`])}; echo; echo '\`\`\`'; head -c 60000 plan.txt; echo; echo '\`\`\`'; } > plan.md`,
            'cat plan.md >> "$GITHUB_STEP_SUMMARY"',
            'if [ "$EVENT" = pull_request ]; then gh pr comment "$PR_NUMBER" --body-file plan.md; fi',
          ].join("\n"),
          env: { GH_TOKEN: "${{ github.token }}", EVENT: "${{ github.event_name }}", PR_NUMBER: "${{ github.event.pull_request.number }}" },
        },
        {
          name: "Keep the plan for the apply job",
          if: onDefault,
          uses: uses(actionPins.uploadArtifact),
          with: { name: `tfplan-${stage.environment}`, path: `${root}/tfplan`, "retention-days": 1, "if-no-files-found": "error" },
        },
      ],
    };
    jobs[`infra-apply-${stage.environment}`] = {
      name: `Apply infrastructure: ${stage.environment}`,
      if: onDefault,
      needs: [`infra-plan-${stage.environment}`],
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 60,
      // Required reviewers on this environment approve the plan the plan job printed.
      environment: `${stage.environment}-infra`,
      // Serialised per environment; a running apply is never cancelled.
      concurrency: { group: `infra-${pipeline.name}-${stage.environment}`, "cancel-in-progress": false },
      permissions: { contents: "read", "id-token": "write" },
      steps: [
        checkout(),
        setupNode(),
        terraform(),
        awsCredentials(pipeline, `${stage.environment}-infra`),
        { name: "The reviewed plan", uses: uses(actionPins.downloadArtifact), with: { name: `tfplan-${stage.environment}`, path: root } },
        { name: "slipway infra apply", run: `${slipwayCommand} infra apply -e ${env} --plan ${shellLine([`${root}/tfplan`])}` },
      ],
    };
  }

  let previous = "publish";
  for (const stage of pipeline.stages) {
    const id = `deploy-${stage.environment}`;
    const target = stage.model.target;
    const context = target.type === "kubernetes" ? target.context : undefined;
    const { cluster } = stage;
    const secrets = deploySecrets(stage);
    jobs[id] = {
      name: `Deploy ${stage.environment}`,
      if: onDefault,
      needs: [...new Set(["publish", previous, ...(stage.infra ? [`infra-apply-${stage.environment}`] : [])])],
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 30,
      // Required reviewers on this environment are the approval (slipway ci checklist).
      environment: stage.url ? { name: stage.environment, url: stage.url } : stage.environment,
      // One deploy of an environment at a time; a newer one waits, a running one is never cancelled.
      concurrency: { group: `deploy-${pipeline.name}-${stage.environment}`, "cancel-in-progress": false },
      permissions: { contents: "read", "id-token": "write" },
      steps: [
        checkout(),
        setupNode(),
        // slipway deploy reads the environment's Terraform outputs from its root.
        ...(stage.infra ? [terraform()] : []),
        awsCredentials(pipeline, stage.environment),
        {
          name: "kubeconfig for the EKS cluster",
          env: { AWS_REGION_NAME: pipeline.region ?? "${{ vars.AWS_REGION }}" },
          run: `aws eks update-kubeconfig --name ${shellLine([cluster])} --region "$AWS_REGION_NAME"${context ? ` --alias ${shellLine([context])}` : ""}`,
        },
        {
          name: `slipway deploy -e ${stage.environment}`,
          env: {
            DIGEST: "${{ needs.publish.outputs.digest }}",
            ...Object.fromEntries(secrets.map((name) => [name, `\${{ secrets.${name} }}`])),
          },
          run: `${slipwayCommand} deploy -e ${shellLine([stage.environment])} --digest "$DIGEST" --no-build`,
        },
        ...(stage.url ? [{ name: "Smoke test", env: { APP_URL: stage.url }, run: smokeTest(stage, "APP_URL").join("\n") }] : []),
      ],
    };
    previous = id;
  }

  const workflow = {
    name: `${pipeline.name}: check, build, deploy`,
    on: {
      pull_request: { branches: [ci.defaultBranch] },
      push: { branches: [ci.defaultBranch] },
    },
    permissions: {},
    // Pull requests: a new push replaces the running checks. The default branch: runs queue, never cancelled.
    concurrency: {
      group: "${{ github.workflow }}-${{ github.event_name == 'pull_request' && github.ref || 'deploy' }}",
      "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    },
    jobs,
  };
  const yaml = commentPins(toYaml(workflow, { literalBlocks: true })).replace(
    /^( +)(id-token|security-events|packages|pull-requests): write$/gm,
    (line, _indent: string, scope: keyof typeof writeReasons) => `${line} # ${writeReasons[scope]}`,
  );
  return `# Rendered by slipway render ci --provider github from slipway.yaml: edit the spec and render again.\n${yaml}`;
}
