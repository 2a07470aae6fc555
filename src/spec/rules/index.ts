import type { AppSpec, DatabaseSpec, InfraSpec, IngressSpec, LogsSpec, SecretSourceSpec, SloSpec } from "../schema.js";
import { infraRules } from "./infra.js";
import { observabilityRules } from "./observability.js";

/** What a cross-field rule sees: one environment's merged view of the spec. */
export interface RuleInput {
  name: string;
  app: AppSpec;
  database: DatabaseSpec | undefined;
  ingress: IngressSpec | undefined;
  targetType: "kubernetes" | "local" | "host" | undefined;
  secretSource: SecretSourceSpec | undefined;
  infra: InfraSpec | undefined;
  slo: SloSpec | undefined;
  logs: LogsSpec | undefined;
}

/** A cross-field problem; `path` is relative to the merged view (app.…, database.…, ingress.…, secretSource). */
export interface RuleProblem {
  path: (string | number)[];
  message: string;
  hint: string;
}

export type SpecRule = (input: RuleInput) => RuleProblem[];

/** Env var names slipway sets itself when a database is declared. */
export const databaseEnvNames = ["DATABASE_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_ENGINE"] as const;

const secretLooking = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIALS)/i;

const scaleMinAtMostMax: SpecRule = ({ app }) =>
  app.scale.min <= app.scale.max
    ? []
    : [
        {
          path: ["app", "scale", "min"],
          message: `must be ≤ max (${app.scale.max}), got ${app.scale.min}`,
          hint: "Lower min or raise max.",
        },
      ];

const livenessNotOnDatabase: SpecRule = ({ app }) => {
  const health = app.health;
  if (typeof health === "string" || health.liveness === undefined || health.liveness !== health.readiness) return [];
  return [
    {
      path: ["app", "health", "liveness"],
      message: health.readinessChecksDatabase
        ? "must not be the readiness path when readiness checks the database"
        : "must differ from the readiness path",
      hint: health.readinessChecksDatabase
        ? "A liveness probe that touches the database restarts every pod when the database is slow; use a path that only proves the process is up, or omit liveness for a TCP check."
        : "Identical probes restart pods that are merely busy; use a path that only proves the process is up, or omit liveness for a TCP check.",
    },
  ];
};

const secretsNotAlsoEnv: SpecRule = ({ app }) =>
  app.secrets
    .map((name, i) => ({ name, i }))
    .filter(({ name }) => name in app.env)
    .map(({ name, i }) => ({
      path: ["app", "secrets", i],
      message: `'${name}' is both a secret and a plain env var`,
      hint: `Remove '${name}' from app.env; its value comes from the secret source.`,
    }));

const secretsUnique: SpecRule = ({ app }) =>
  app.secrets
    .map((name, i) => ({ name, i }))
    .filter(({ name, i }) => app.secrets.indexOf(name) !== i)
    .map(({ name, i }) => ({ path: ["app", "secrets", i], message: `'${name}' is listed twice`, hint: "Remove the duplicate." }));

const noSecretsInPlainEnv: SpecRule = ({ app }) =>
  Object.entries(app.env)
    .filter(([name, value]) => secretLooking.test(name) && String(value) !== "")
    .map(([name]) => ({
      path: ["app", "env", name],
      message: `'${name}' looks like a secret but is a plain env var`,
      hint: `Move '${name}' to app.secrets and give its value through the environment's secretSource; plain env ends up in ConfigMaps and history.`,
    }));

const databaseEnvReserved: SpecRule = ({ app, database }) => {
  if (!database) return [];
  const reserved = new Set<string>(databaseEnvNames);
  return [
    ...Object.keys(app.env)
      .filter((name) => reserved.has(name))
      .map((name) => ({
        path: ["app", "env", name],
        message: `'${name}' is set by slipway from the database section`,
        hint: "Remove it; slipway wires DATABASE_URL and DB_* for you.",
      })),
    ...app.secrets
      .map((name, i) => ({ name, i }))
      .filter(({ name }) => reserved.has(name))
      .map(({ name, i }) => ({
        path: ["app", "secrets", i],
        message: `'${name}' is set by slipway from the database section`,
        hint: "Remove it; the database password comes from the <name>-database secret.",
      })),
  ];
};

const databaseUserNotAdmin: SpecRule = ({ name, database }) => {
  if (!database) return [];
  const user = database.user ?? `${name.replaceAll("-", "_")}_app`;
  return user === database.adminUser
    ? [
        {
          path: ["database", "user"],
          message: `must differ from database.adminUser ('${database.adminUser}')`,
          hint: "The app connects as its own least-privilege user; choose another name.",
        },
      ]
    : [];
};

const egressHostOrCidr: SpecRule = ({ app }) =>
  app.egress.flatMap((rule, i) =>
    (rule.host === undefined) === (rule.cidr === undefined)
      ? [
          {
            path: ["app", "egress", i],
            message: "must have exactly one of host or cidr",
            hint: "Write {host: api.example.com, port: 443} or {cidr: 10.1.0.0/16, port: 5432}.",
          },
        ]
      : [],
  );

const ingressCertificateMatchesClass: SpecRule = ({ ingress }) => {
  if (!ingress?.certificate) return [];
  if (ingress.class === "alb" && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(ingress.certificate)) {
    return [
      {
        path: ["ingress", "certificate"],
        message: "must be an ACM certificate ARN for class alb",
        hint: "Use arn:aws:acm:REGION:ACCOUNT:certificate/ID, or omit it to let the controller discover one by host.",
      },
    ];
  }
  if (ingress.class === "nginx" && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ingress.certificate)) {
    return [
      {
        path: ["ingress", "certificate"],
        message: "must be the name of a TLS Secret for class nginx",
        hint: "Use a Secret name like shop-tls, or omit it to let cert-manager create <name>-tls.",
      },
    ];
  }
  return [];
};

const ingressCertificateNeedsTls: SpecRule = ({ ingress }) =>
  ingress && !ingress.tls && ingress.certificate
    ? [{ path: ["ingress", "certificate"], message: "is set but tls is false", hint: "Set tls: true or remove the certificate." }]
    : [];

const awsAccountKnown: SpecRule = ({ app }) => {
  if (app.aws?.identity !== "irsa" || app.aws.accountId) return [];
  return /^\d{12}\.dkr\.ecr\./.test(app.image)
    ? []
    : [
        {
          path: ["app", "aws", "accountId"],
          message: "is needed for IRSA when the image is not in ECR",
          hint: "Add accountId: '123456789012' (quoted), or use identity: pod-identity.",
        },
      ];
};

const metricsPortNotAppPortClash: SpecRule = ({ app }) =>
  app.metrics?.port !== undefined && app.metrics.port === app.port
    ? [
        {
          path: ["app", "metrics", "port"],
          message: "equals app.port",
          hint: "Omit metrics.port when metrics are served on the app's port.",
        },
      ]
    : [];

const kubernetesSecretNeedsKubernetes: SpecRule = ({ secretSource, targetType }) =>
  secretSource && "kubernetes-secret" in secretSource && targetType !== "kubernetes"
    ? [
        {
          path: ["secretSource"],
          message: "kubernetes-secret needs a kubernetes target",
          hint: "The local and host targets read secret values on the deploying machine: use env or env-file.",
        },
      ]
    : [];

/** External Secrets reads AWS Secrets Manager inside a cluster; the local and host targets read values here. */
const awsSecretsManagerNeedsKubernetes: SpecRule = ({ secretSource, targetType }) =>
  secretSource && "aws-secrets-manager" in secretSource && (targetType === "local" || targetType === "host")
    ? [
        {
          path: ["secretSource"],
          message: `aws-secrets-manager needs a kubernetes target (the ${targetType} target reads secret values on the deploying machine)`,
          hint: "Use env-file (a chmod 600 file, e.g. .slipway/production.env) or env (exported before slipway runs) for this environment.",
        },
      ]
    : [];

/** The cross-field rules, in the order their problems are reported. One test per message. */
export const specRules: readonly SpecRule[] = [
  scaleMinAtMostMax,
  livenessNotOnDatabase,
  secretsNotAlsoEnv,
  secretsUnique,
  noSecretsInPlainEnv,
  databaseEnvReserved,
  databaseUserNotAdmin,
  egressHostOrCidr,
  ingressCertificateMatchesClass,
  ingressCertificateNeedsTls,
  awsAccountKnown,
  metricsPortNotAppPortClash,
  kubernetesSecretNeedsKubernetes,
  awsSecretsManagerNeedsKubernetes,
  ...infraRules,
  ...observabilityRules,
];
