import { SlipwayError, type SpecLocation } from "../errors/slipway-error.js";
import type { AppModel, SecretSourceModel } from "../model/app-model.js";
import { infraSettings } from "../model/infra.js";
import { logsModel, sloModel } from "../model/observability.js";
import { buildCiModel } from "./ci-model.js";
import { locationOf } from "./load.js";
import { imageRefPattern } from "./refinements.js";
import type { ResolvedEnvironment, ValidatedSpec } from "./validate.js";

export interface ModelOptions {
  /** Image tag chosen at deploy/render time; overrides the spec's tag. */
  tag?: string | undefined;
  /** Image digest (sha256:…) chosen at deploy/render time; overrides the spec's digest. */
  digest?: string | undefined;
}

/** Addresses that are never "the internet": host-based egress excludes them. */
const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"];

/** Picks the environment to work on: the one named, or the only one. */
export function chooseEnvironment(validated: ValidatedSpec, name: string | undefined): ResolvedEnvironment {
  const names = Object.keys(validated.environments);
  if (name === undefined) {
    const only = names.length === 1 ? validated.environments[names[0] as string] : undefined;
    if (only) return only;
    throw new SlipwayError("SPEC_AMBIGUOUS_ENVIRONMENT", `${validated.file} has ${names.length} environments; choose one with -e`, {
      location: locationOf(validated.source, ["environments"], "key"),
      hint: `Add -e ${names.join(" or -e ")}.`,
    });
  }
  const env = validated.environments[name];
  if (!env) {
    throw new SlipwayError("SPEC_UNKNOWN_ENVIRONMENT", `environment '${name}' is not in ${validated.file}`, {
      location: locationOf(validated.source, ["environments"], "key"),
      hint:
        name === "local"
          ? `Known environments: ${names.join(", ")}. To deploy on this machine, add under environments: (secrets then come from .slipway/secrets.env):\n\n${localSnippet}`
          : `Known environments: ${names.join(", ")}.`,
    });
  }
  return env;
}

/** Spec + environment → the normalized model. Pure. */
export function buildModel(validated: ValidatedSpec, env: ResolvedEnvironment, options: ModelOptions = {}): AppModel {
  const { spec } = validated;
  const { app, database, ingress } = env;
  const imagePath = validated.source.has(["environments", env.name, "app", "image"])
    ? ["environments", env.name, "app", "image"]
    : ["app", "image"];
  const image = resolveImage(app.image, options, locationOf(validated.source, imagePath), env.name);
  const health =
    typeof app.health === "string"
      ? { readiness: app.health, liveness: undefined, startup: { path: app.health, timeoutSeconds: 120 }, readinessChecksDatabase: false }
      : {
          readiness: app.health.readiness,
          liveness: app.health.liveness,
          startup:
            app.health.startup === undefined
              ? // A startup probe that needs the database restarts pods while it is down; prefer the liveness path.
                {
                  path: app.health.liveness ?? (app.health.readinessChecksDatabase ? undefined : app.health.readiness),
                  timeoutSeconds: 120,
                }
              : typeof app.health.startup === "string"
                ? { path: app.health.startup, timeoutSeconds: 120 }
                : app.health.startup,
          readinessChecksDatabase: app.health.readinessChecksDatabase,
        };
  const autoscale = app.scale.max > app.scale.min;
  const underscoreName = spec.name.replaceAll("-", "_");
  const namespace = env.target.type === "kubernetes" ? env.target.namespace : spec.name;
  const source = secretSource(env, spec.name);
  const accountId = app.aws?.accountId ?? /^(\d{12})\.dkr\.ecr\./.exec(app.image)?.[1];
  const roleName = app.aws?.roleName ?? `${spec.name}-${env.name}`;

  return {
    name: spec.name,
    environment: env.name,
    target:
      env.target.type === "kubernetes"
        ? { type: "kubernetes", name: env.targetName, context: env.target.context }
        : env.target.type === "host"
          ? { ...env.target, name: env.targetName }
          : {
              type: "local",
              name: env.targetName,
              port: env.target.port,
              prepare: env.target.prepare,
              path: env.target.path,
              trustedProxies: env.target.trustedProxies,
            },
    namespace,
    image,
    build: app.build
      ? {
          context: app.build.context,
          dockerfile: app.build.dockerfile,
          platforms: [...app.build.platforms],
          steps: app.build.steps.map((step) => [...step]),
        }
      : undefined,
    port: app.port,
    command: app.command ? [...app.command] : undefined,
    args: app.args && app.args.length > 0 ? [...app.args] : undefined,
    health,
    env: Object.entries(app.env)
      .map(([k, v]): [string, string] => [k, String(v)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    secrets: {
      names: [...app.secrets],
      secretName: source.kind === "kubernetes-secret" ? source.name : `${spec.name}-secrets`,
      source,
    },
    resources: {
      requests: { cpu: app.resources.cpu, memory: app.resources.memory },
      limits: { cpu: app.resources.cpuLimit ?? defaultCpuLimit(app.resources.cpu), memory: app.resources.memory },
    },
    replicas: {
      min: app.scale.min,
      max: app.scale.max,
      autoscale,
      cpuPercent: autoscale ? (app.scale.cpu ?? (app.scale.memory === undefined ? 70 : undefined)) : undefined,
      memoryPercent: autoscale ? app.scale.memory : undefined,
      disruptionBudget: app.scale.min >= 2,
    },
    metrics: app.metrics
      ? {
          path: app.metrics.path,
          port: app.metrics.port ?? app.port,
          separatePort: app.metrics.port !== undefined && app.metrics.port !== app.port,
        }
      : undefined,
    release: {
      setup: app.release?.setup ? [...app.release.setup] : undefined,
      migrate: app.release?.migrate ? [...app.release.migrate] : undefined,
    },
    egress: app.egress.map((rule) =>
      rule.cidr !== undefined
        ? { cidr: rule.cidr, except: [], port: rule.port, protocol: rule.protocol, host: undefined }
        : { cidr: "0.0.0.0/0", except: [...privateRanges], port: rule.port, protocol: rule.protocol, host: rule.host },
    ),
    allowFrom: typeof app.allowFrom === "string" ? app.allowFrom : [...new Set(app.allowFrom)].sort(),
    aws: app.aws
      ? {
          identity: app.aws.identity,
          roleName,
          roleArn: accountId ? `arn:aws:iam::${accountId}:role/${roleName}` : undefined,
          s3: Object.entries(app.aws.s3)
            .map(([bucket, access]) => ({ bucket, access: [...new Set(access)].sort() }))
            .sort((a, b) => (a.bucket < b.bucket ? -1 : 1)),
        }
      : undefined,
    runAs: { user: app.runAs.user, group: app.runAs.group },
    shutdown: { drainSeconds: app.shutdown.drainSeconds, graceSeconds: app.shutdown.graceSeconds },
    database: database
      ? {
          engine: database.engine,
          version: database.version ?? (database.engine === "mysql" ? "8.0" : "17"),
          size: database.size,
          backupRetentionDays: database.backups.retentionDays,
          backupKeep: database.backups.keep,
          backupS3: database.backups.s3
            ? {
                bucket: database.backups.s3.bucket,
                prefix: database.backups.s3.prefix ?? `${spec.name}/${env.name}`,
                region: database.backups.s3.region,
              }
            : undefined,
          name: database.name ?? underscoreName,
          user: database.user ?? `${underscoreName}_app`,
          adminUser: database.adminUser,
          port: database.engine === "mysql" ? 3306 : 5432,
          cidr: database.cidr,
          secretName: `${spec.name}-database`,
          adminSecretName: `${spec.name}-database-admin`,
          urlScheme: database.urlScheme ?? (database.engine === "mysql" ? "mysql" : "postgresql"),
        }
      : undefined,
    ingress: ingress
      ? {
          host: ingress.host,
          tls: ingress.tls,
          certificate: ingress.certificate,
          class: ingress.class,
          scheme: ingress.scheme,
          paths: [...ingress.paths],
          sourceCidr: ingress.sourceCidr,
          clusterIssuer: ingress.clusterIssuer,
        }
      : undefined,
    ...(env.infra ? { infra: infraSettings(validated, env.name) } : {}),
    ...(env.slo ? { slo: sloModel(env.slo, { namespace, name: spec.name, ingressClass: ingress?.class }) } : {}),
    ...(env.logs && env.logs.via !== "none" ? { logs: logsModel(env.logs, cloudwatchTarget(validated, env)) } : {}),
    ci: buildCiModel(validated),
  };
}

/** The region and EKS cluster CloudWatch log groups are named after, from the environment's infra block. */
function cloudwatchTarget(validated: ValidatedSpec, env: ResolvedEnvironment): { region: string; clusterName: string } | undefined {
  if (!env.infra || env.logs?.via !== "cloudwatch") return undefined;
  const infra = infraSettings(validated, env.name);
  return infra ? { region: infra.region, clusterName: infra.cluster.name } : undefined;
}

/** The lines to add for a `local` environment, as the hint prints them (indented under "hint:"). */
const localSnippet = [
  "      environments:",
  "        local:",
  "          target: local   # this machine: processes behind a proxy on :4000, an embedded database",
].join("\n");

/** Where a local environment without a secretSource reads its secrets, relative to slipway.yaml. */
export const defaultLocalSecretsFile = ".slipway/secrets.env";

/**
 * Where a host environment without a secretSource reads its secrets: a file of its own,
 * `.slipway/<env>.env`, never the local environment's file (whose values `slipway init` made up for
 * this machine only: a server deployed with them would run with random keys and say nothing).
 */
export const defaultHostSecretsFile = (environment: string) => `.slipway/${environment}.env`;

function secretSource(env: ResolvedEnvironment, appName: string): SecretSourceModel {
  const s = env.secretSource;
  if (!s) {
    // The local and host targets read secret values on this machine; a cluster reads its own Secret.
    if (env.target.type === "kubernetes") return { kind: "kubernetes-secret", name: `${appName}-secrets` };
    if (env.target.type === "host") return { kind: "env-file", path: defaultHostSecretsFile(env.name) };
    return { kind: "env-file", path: defaultLocalSecretsFile };
  }
  if ("env" in s) return { kind: "env" };
  if ("env-file" in s) return { kind: "env-file", path: s["env-file"] };
  if ("kubernetes-secret" in s) return { kind: "kubernetes-secret", name: s["kubernetes-secret"] };
  const aws = s["aws-secrets-manager"];
  return { kind: "aws-secrets-manager", prefix: aws.prefix, refreshInterval: aws.refreshInterval, store: aws.store };
}

function resolveImage(image: string, options: ModelOptions, location: SpecLocation, envName: string) {
  const match = imageRefPattern.exec(image);
  const repository = match?.groups?.repository ?? image;
  const tag = options.tag ?? match?.groups?.tag;
  const digest = options.digest ?? match?.groups?.digest;
  if (options.tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(options.tag)) {
    throw new SlipwayError("USAGE", `--tag '${options.tag}' is not a valid image tag`, {
      hint: "Tags are up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'.",
    });
  }
  if (options.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(options.digest)) {
    throw new SlipwayError("USAGE", `--digest '${options.digest}' is not a sha256 digest`, {
      hint: "Pass the digest the registry printed, e.g. sha256: followed by 64 hex digits.",
    });
  }
  if (tag === undefined && digest === undefined) {
    throw new SlipwayError("RENDER_IMAGE_UNPINNED", `app.image '${image}' has no tag or digest (environment ${envName})`, {
      location,
      hint: "Pass --tag or --digest (the deploy pipeline does), or pin one in the spec, e.g. image: repo:1.4.2.",
    });
  }
  const ref = digest ? `${repository}@${digest}` : `${repository}:${tag}`;
  return { repository, tag, digest, ref };
}

/** Four times the request, at least one CPU: room for bursts without starving neighbours. */
export function defaultCpuLimit(request: string): string {
  const millis = request.endsWith("m") ? Number(request.slice(0, -1)) : Math.round(Number(request) * 1000);
  const limit = Math.max(1000, millis * 4);
  return limit % 1000 === 0 ? String(limit / 1000) : `${limit}m`;
}
