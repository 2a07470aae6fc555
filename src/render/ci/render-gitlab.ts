// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions and shell variables, not JS templates
import { toYaml } from "../yaml-stream.js";
import { imagePins } from "./pins.js";
import { buildEnv, type Pipeline, prBuilds, roleArn, shellLine, slipwayCommand, smokeTest } from "./pipeline.js";

/*
 * The GitLab CI pipeline: checks and an image build (never pushed) on merge requests; on the
 * default branch one build and push whose digest travels as a dotenv artifact, then each
 * environment deployed with exactly that digest, the later ones behind `when: manual` on a
 * protected environment. Deploy jobs are serialised by `resource_group` and never interruptible.
 */

type Job = Record<string, unknown>;

const idToken = { AWS_ID_TOKEN: { aud: "sts.amazonaws.com" } };

/** The AWS SDK and CLI read the role and the web identity token from these: no keys exist. */
function assumeRole(pipeline: Pipeline, key: string): string[] {
  return [
    // Role names and ARNs are limited by the schema to characters inert in double quotes.
    `export AWS_ROLE_ARN="${roleArn(pipeline, key, "${AWS_ACCOUNT_ID}")}"`,
    'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
    // Written by node, not echoed: the token never passes through a command line or the log.
    `node -e 'require("fs").writeFileSync(process.env.AWS_WEB_IDENTITY_TOKEN_FILE, process.env.AWS_ID_TOKEN)'`,
    `export AWS_ROLE_SESSION_NAME="gitlab-$CI_PROJECT_ID-$CI_PIPELINE_ID"`,
    ...(pipeline.region ? [`export AWS_REGION=${pipeline.region}`] : []),
  ];
}

const dockerService = {
  image: imagePins.docker.image,
  services: [{ name: imagePins.dind.image, alias: "docker" }],
  variables: {
    DOCKER_HOST: "tcp://docker:2376",
    DOCKER_TLS_CERTDIR: "/certs",
    DOCKER_TLS_VERIFY: "1",
    DOCKER_CERT_PATH: "/certs/client",
  },
};

function builderSetup(pipeline: Pipeline): string[] {
  return [
    "apk add --no-cache nodejs npm jq aws-cli",
    ...(pipeline.multiArch
      ? [`docker run --privileged --rm ${imagePins.binfmt.image} --install ${pipeline.platforms.map((p) => p.split("/")[1]).join(",")}`]
      : []),
    "docker buildx create --use --driver docker-container",
  ];
}

export function renderGitlab(pipeline: Pipeline): string {
  const { ci } = pipeline;
  const mergeRequest = '$CI_PIPELINE_SOURCE == "merge_request_event"';
  const onDefault = `$CI_COMMIT_BRANCH == "${ci.defaultBranch}" && $CI_PIPELINE_SOURCE == "push"`;
  const appCommands = [ci.install, ci.lint, ci.test].filter((c) => c !== undefined);
  const jobs: Record<string, Job> = {};

  if (appCommands.length > 0) {
    jobs.test = {
      stage: "check",
      ...(ci.gitlab.image ? { image: ci.gitlab.image } : {}),
      timeout: "20m",
      script: appCommands.map(shellLine),
    };
  }
  jobs.checks = {
    stage: "check",
    timeout: "20m",
    script: [
      `${slipwayCommand} check --tag "$CI_COMMIT_SHA" --format codequality --out gl-code-quality.json --min-severity low || true`,
      `${slipwayCommand} check --tag "$CI_COMMIT_SHA"`,
    ],
    artifacts: { when: "always", reports: { codequality: "gl-code-quality.json" } },
  };

  jobs.build = {
    stage: "build",
    ...dockerService,
    timeout: "45m",
    rules: [{ if: mergeRequest }],
    script: [...builderSetup(pipeline), ...prBuilds(pipeline).map((b) => b.command)],
  };

  const login =
    pipeline.registry === "gitlab"
      ? ['docker login "$CI_REGISTRY" --username gitlab-ci-token --password-stdin <<EOF\n$CI_JOB_TOKEN\nEOF']
      : pipeline.registry === "ecr"
        ? assumeRole(pipeline, "build")
        : [
            `docker login ${shellLine([pipeline.repository.split("/")[0] ?? ""])} --username "$REGISTRY_USERNAME" --password-stdin <<EOF\n$REGISTRY_PASSWORD\nEOF`,
          ];

  jobs.publish = {
    stage: "build",
    ...dockerService,
    timeout: "45m",
    interruptible: false,
    rules: [{ if: onDefault }],
    ...(pipeline.registry === "ecr" ? { id_tokens: idToken } : {}),
    script: [
      ...builderSetup(pipeline),
      ...login,
      `${slipwayCommand} build${buildEnv(pipeline)} --push --json > build.json`,
      "digest=\"$(jq -r '.result.digest' build.json)\"",
      "printf '%s' \"$digest\" | grep -Eq '^sha256:[0-9a-f]{64}$'",
      'echo "DIGEST=$digest" > build.env',
    ],
    artifacts: { reports: { dotenv: "build.env" } },
  };

  const stages = ["check", ...(pipeline.stages.some((s) => s.infra) ? ["infra-plan"] : []), "build"];
  // The Terraform image runs a shell, not terraform, as the job's entrypoint.
  const terraformImage = { name: imagePins.terraform.image, entrypoint: [""] };
  for (const stage of pipeline.stages) {
    if (!stage.infra) continue;
    const env = shellLine([stage.environment]);
    const root = shellLine([stage.infra.root]);
    const plan = shellLine([`${stage.infra.root}/tfplan`]);
    const report = `infra-${stage.environment}-plan.json`;
    jobs[`infra-plan-${stage.environment}`] = {
      stage: "infra-plan",
      image: terraformImage,
      timeout: "30m",
      rules: [{ if: mergeRequest }, { if: onDefault }],
      id_tokens: idToken,
      before_script: ["apk add --no-cache nodejs npm jq git"],
      script: [
        ...assumeRole(pipeline, `${stage.environment}-plan`),
        // The committed Terraform is what the spec renders.
        `${slipwayCommand} render terraform -e ${env}`,
        `git diff --exit-code -- ${root}`,
        `terraform fmt -check -recursive ${root}`,
        `${slipwayCommand} infra plan -e ${env} --out ${plan}`,
        `terraform -chdir=${root} validate -no-color`,
        // GitLab's terraform report: the merge request shows how many resources change.
        `terraform -chdir=${root} show -json tfplan | jq '[.resource_changes[]?.change.actions] | {create: map(select(index("create"))) | length, update: map(select(index("update"))) | length, delete: map(select(index("delete"))) | length}' > ${report}`,
      ],
      artifacts: { paths: [`${stage.infra.root}/tfplan`], reports: { terraform: report }, expire_in: "1 day" },
    };
  }

  let previous: string | undefined;
  for (const stage of pipeline.stages) {
    const id = `deploy-${stage.environment}`;
    if (stage.infra) {
      const apply = `infra-${stage.environment}`;
      stages.push(apply);
      jobs[apply] = {
        stage: apply,
        image: terraformImage,
        timeout: "60m",
        interruptible: false,
        // Applies of an environment one at a time; a running one is never cancelled.
        resource_group: `infra-${pipeline.name}-${stage.environment}`,
        environment: { name: `${stage.environment}-infra`, action: "start" },
        needs: [{ job: `infra-plan-${stage.environment}`, artifacts: true }, ...(previous ? [{ job: previous, artifacts: false }] : [])],
        // The reviewed plan: applied only when someone allowed on the protected environment runs it.
        rules: [{ if: onDefault, when: "manual" }],
        allow_failure: false,
        id_tokens: idToken,
        before_script: ["apk add --no-cache nodejs npm"],
        script: [
          ...assumeRole(pipeline, `${stage.environment}-infra`),
          `${slipwayCommand} infra apply -e ${shellLine([stage.environment])} --plan ${shellLine([`${stage.infra.root}/tfplan`])}`,
        ],
      };
      previous = apply;
    }
    stages.push(id);
    const target = stage.model.target;
    const context = target.type === "kubernetes" ? target.context : undefined;
    const { cluster } = stage;
    jobs[id] = {
      stage: id,
      timeout: "30m",
      interruptible: false,
      // One deploy of an environment at a time, in order; none is cancelled by a newer pipeline.
      resource_group: `deploy-${pipeline.name}-${stage.environment}`,
      environment: { name: stage.environment, ...(stage.url ? { url: stage.url } : {}), action: "start" },
      needs: [{ job: "publish", artifacts: true }, ...(previous ? [{ job: previous, artifacts: false }] : [])],
      // A protected environment limits who may run the manual job: that is the approval (slipway ci checklist).
      rules: [stage.approval ? { if: onDefault, when: "manual" } : { if: onDefault }],
      ...(stage.approval ? { allow_failure: false } : {}),
      id_tokens: idToken,
      // With an infra block, slipway deploy reads the Terraform outputs: the Terraform image, with Node.js added.
      ...(stage.infra
        ? { image: terraformImage, before_script: ["apk add --no-cache nodejs npm aws-cli curl"] }
        : { before_script: ["apt-get update -qq", "apt-get install -y -qq --no-install-recommends awscli curl ca-certificates jq"] }),
      script: [
        ...assumeRole(pipeline, stage.environment),
        `aws eks update-kubeconfig --name ${shellLine([cluster])}${pipeline.region ? "" : ' --region "$AWS_REGION"'}${context ? ` --alias ${shellLine([context])}` : ""}`,
        "printf '%s' \"$DIGEST\" | grep -Eq '^sha256:[0-9a-f]{64}$'",
        `${slipwayCommand} deploy -e ${shellLine([stage.environment])} --digest "$DIGEST" --no-build`,
        ...(stage.url ? [`APP_URL=${shellLine([stage.url])}`, ...smokeTest(stage, "APP_URL")] : []),
      ],
    };
    previous = id;
  }

  const pipelineDoc = {
    workflow: {
      rules: [{ if: mergeRequest }, { if: onDefault }],
      auto_cancel: { on_new_commit: "interruptible" },
    },
    stages,
    default: { image: imagePins.node.image, interruptible: true },
    ...jobs,
  };
  return `# Rendered by slipway render ci --provider gitlab from slipway.yaml: edit the spec and render again.\n${toYaml(pipelineDoc, { literalBlocks: true })}`;
}
