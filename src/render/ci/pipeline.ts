import type { AppModel, CiModel } from "../../model/app-model.js";
import { version } from "../../model/slipway-version.js";
import { ciAccountId, ciRoleArn, ciRoles, isEcrImage } from "./oidc-roles.js";

/*
 * What both providers' pipelines are made of, decided once: the environments in promotion order,
 * the registry kind, the roles, the commands. Provider files only lay it out.
 */

/** slipway as the pipeline runs it: the exact version that rendered the pipeline. */
export const slipwayCommand = `npx --yes slipway@${version}`;

export type RegistryKind = "ecr" | "ghcr" | "gitlab" | "other";

export interface DeployStage {
  environment: string;
  model: AppModel;
  /** The EKS cluster: ci.aws.eksCluster, else the environment's infra cluster, else the environment's name. */
  cluster: string;
  /** The environment has an `infra` block: the pipeline plans and applies its Terraform root first. */
  infra: { root: string } | undefined;
  /** The first stage deploys after the build; every later one waits for an approval. */
  approval: boolean;
  /** Public URL for the smoke test and the environment link; undefined without an ingress. */
  url: string | undefined;
  /** The paths the smoke test requests: `/` and the health paths. */
  smokePaths: string[];
}

export interface Pipeline {
  name: string;
  ci: CiModel;
  /** The first model (the build is the same for every environment: one image, one digest). */
  base: AppModel;
  registry: RegistryKind;
  repository: string;
  platforms: string[];
  multiArch: boolean;
  stages: DeployStage[];
  /** AWS region and account: ci.aws, else the infra block, else an ECR image; undefined: CI variables. */
  region: string | undefined;
  accountId: string | undefined;
}

/** The pipeline's plan from the models of every environment `render ci` takes. */
export function planPipeline(models: readonly AppModel[]): Pipeline {
  const base = models[0];
  if (base === undefined) throw new Error("render ci: no environment to render");
  const ci = base.ci;
  const byName = new Map(models.map((m) => [m.environment, m]));
  const stages = ci.environments.map((environment, i): DeployStage => {
    const model = byName.get(environment);
    if (model === undefined) throw new Error(`render ci: environment ${environment} has no model`);
    const url = model.ingress ? `${model.ingress.tls ? "https" : "http"}://${model.ingress.host}` : undefined;
    const health = [model.health.readiness, ...(model.health.liveness ? [model.health.liveness] : [])];
    return {
      environment,
      model,
      cluster: ci.aws.eksClusters[environment] ?? model.infra?.cluster.name ?? environment,
      // Where render terraform writes without --out and slipway infra looks by default.
      infra: model.infra ? { root: `infra/${environment}` } : undefined,
      approval: i > 0,
      url,
      smokePaths: [...new Set(["/", ...health])],
    };
  });
  const repository = base.image.repository;
  const registry: RegistryKind = isEcrImage(repository)
    ? "ecr"
    : repository.startsWith("ghcr.io/")
      ? "ghcr"
      : repository.startsWith("registry.gitlab.com/")
        ? "gitlab"
        : "other";
  const platforms = base.build?.platforms ?? ["linux/amd64"];
  return {
    name: base.name,
    ci,
    base,
    registry,
    repository,
    platforms,
    multiArch: platforms.some((p) => p !== "linux/amd64"),
    stages,
    region: ci.aws.region ?? stages.find((s) => s.model.infra)?.model.infra?.region,
    accountId: ciAccountId(ci),
  };
}

/**
 * The role a job assumes: the ARN the spec gives, or the role's name in its account (a CI variable
 * when unknown) — the role `render terraform` makes, in the account of the root that holds it.
 */
export function roleArn(pipeline: Pick<Pipeline, "ci" | "registry">, key: string, accountVariable: string): string {
  // The ARN does not depend on the provider; the trust policy does.
  const role = ciRoles(pipeline.ci, "github", pipeline.registry === "ecr").find((r) => r.key === key);
  if (role === undefined) throw new Error(`render ci: no role ${key}`);
  return ciRoleArn(role, accountVariable);
}

/** Whether the pipeline needs AWS at all: an ECR push or an EKS deploy (always, for Kubernetes environments). */
export function usesAws(pipeline: Pipeline): boolean {
  return pipeline.registry === "ecr" || pipeline.stages.length > 0;
}

/** A word for a CI script's shell: bare when safe, else single-quoted, so nothing in it expands. */
export function shellWord(word: string): string {
  if (/^[\w.:/@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** Shell text of a command given as words. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellWord).join(" ");
}

/** Shell lines of the smoke test: each path must answer 2xx/3xx, retried while the new pods settle. */
export function smokeTest(stage: DeployStage, urlVariable: string): string[] {
  return stage.smokePaths.map(
    (path) =>
      `curl --fail --silent --show-error --output /dev/null --retry 10 --retry-delay 6 --retry-all-errors "$${urlVariable}"${shellWord(path)}`,
  );
}

/** Environment secrets a deploy passes to slipway: only for secretSource env (the others are read in the cluster). */
export function deploySecrets(stage: DeployStage): string[] {
  return stage.model.secrets.source.kind === "env" ? [...stage.model.secrets.names] : [];
}

/** `-e` for slipway build: the first environment deployed (the image is built once, for all of them). */
export function buildEnv(pipeline: Pipeline): string {
  const first = pipeline.stages[0]?.environment ?? pipeline.base.environment;
  return ` -e ${shellWord(first)}`;
}

/**
 * The pull request's build: one `slipway build` per platform. Without a push Docker can keep only a
 * single-platform image (slipway build refuses several without --push), and every platform of
 * app.build.platforms should still be proved to build.
 */
export function prBuilds(pipeline: Pipeline): { platform: string; command: string }[] {
  return pipeline.platforms.map((platform) => ({
    platform,
    command: `${slipwayCommand} build${buildEnv(pipeline)}${pipeline.platforms.length > 1 ? ` --platform ${shellWord(platform)}` : ""}`,
  }));
}
