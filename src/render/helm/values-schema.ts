/** JSON Schema (draft 7, which Helm validates with) of the chart's values. */

const str = { type: "string" };
const bool = { type: "boolean" };
const int = { type: "integer" };
const strList = { type: "array", items: str };
const strMap = { type: "object", additionalProperties: str };
const object = { type: "object" };

function obj(properties: Record<string, unknown>, description?: string): Record<string, unknown> {
  return {
    type: "object",
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

export const valuesSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Values of a chart rendered by slipway",
  ...obj({
    name: { ...str, pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", description: "App name: object names and labels." },
    environment: { ...str, description: "Environment name, shown as the slipway.dev/environment label." },
    namespace: obj({ create: { ...bool, description: "Render the Namespace (with Pod Security labels)." } }),
    image: obj({
      repository: str,
      tag: { ...str, description: "Image tag; set at deploy time, e.g. --set image.tag=1.4.2." },
      digest: { ...str, pattern: "^(sha256:[a-f0-9]{64})?$", description: "Image digest; wins over the tag." },
      pullPolicy: { enum: ["Always", "IfNotPresent", "Never"] },
    }),
    command: strList,
    args: strList,
    port: { ...int, minimum: 1, maximum: 65535 },
    env: { ...strMap, description: "Plain environment variables (never secrets)." },
    secrets: obj({ secretName: str, names: strList }, "Secret env vars: the Secret name and its keys."),
    externalSecrets: obj({
      enabled: bool,
      store: str,
      refreshInterval: str,
      prefix: str,
      databaseTemplate: { ...strMap, description: "External Secrets template of the database Secret (composes its url key)." },
      databaseAdminTemplate: { ...strMap, description: "External Secrets template of the database admin Secret." },
    }),
    database: obj({
      enabled: bool,
      engine: str,
      port: int,
      name: str,
      user: str,
      adminUser: str,
      secretName: str,
      adminSecretName: str,
      urlScheme: str,
    }),
    serviceAccount: obj({ annotations: strMap }),
    podSecurityContext: object,
    containerSecurityContext: object,
    resources: object,
    replicaCount: { ...int, minimum: 1 },
    autoscaling: obj({
      enabled: bool,
      minReplicas: { ...int, minimum: 1 },
      maxReplicas: { ...int, minimum: 1 },
      targetCPUUtilizationPercentage: { ...int, minimum: 0, maximum: 100 },
      targetMemoryUtilizationPercentage: { ...int, minimum: 0, maximum: 100 },
    }),
    podDisruptionBudget: obj({ enabled: bool, maxUnavailable: { ...int, minimum: 0 } }),
    probes: obj({ startup: object, readiness: object, liveness: object }),
    shutdown: obj({ drainSeconds: { ...int, minimum: 0 }, terminationGracePeriodSeconds: { ...int, minimum: 1 } }),
    service: obj({ port: { ...int, minimum: 1, maximum: 65535 } }),
    metrics: obj({ enabled: bool, path: str, port: int, separatePort: bool, interval: str }),
    ingress: obj({
      enabled: bool,
      className: str,
      host: str,
      paths: strList,
      tls: bool,
      tlsSecretName: str,
      annotations: strMap,
    }),
    networkPolicy: obj({ enabled: bool, ingress: { type: "array", items: object }, egress: { type: "array", items: object } }),
    release: obj({ setup: strList, migrate: strList }, "Release commands; empty lists render no Job."),
  }),
};
