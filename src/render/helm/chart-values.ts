import type { AppModel } from "../../model/app-model.js";
import {
  containerSecurityContext,
  databaseSecretTemplates,
  ingressAnnotations,
  networkEgressRules,
  networkIngressRules,
  podSecurityContext,
  probes,
  serviceAccountAnnotations,
  servicePort,
} from "../kubernetes/render-kubernetes.js";

/**
 * The chart's values for one environment. Every key is always present (flags rather than missing
 * keys), so an environment's values file is a small diff against values.yaml.
 */
export function chartValues(model: AppModel): Record<string, unknown> {
  const p = probes(model);
  const source = model.secrets.source;
  const templates = databaseSecretTemplates(model);
  return {
    name: model.name,
    environment: model.environment,
    namespace: { create: false },
    image: {
      repository: model.image.repository,
      tag: model.image.tag ?? "",
      digest: model.image.digest ?? "",
      pullPolicy: "Always",
    },
    command: model.command ?? [],
    args: model.args ?? [],
    port: model.port,
    env: Object.fromEntries(model.env),
    secrets: { secretName: model.secrets.secretName, names: model.secrets.names },
    externalSecrets:
      source.kind === "aws-secrets-manager"
        ? {
            enabled: true,
            store: source.store,
            refreshInterval: source.refreshInterval,
            prefix: source.prefix,
            databaseTemplate: templates?.app ?? {},
            databaseAdminTemplate: templates?.admin ?? {},
          }
        : {
            enabled: false,
            store: "aws-secrets-manager",
            refreshInterval: "1h",
            prefix: "",
            databaseTemplate: {},
            databaseAdminTemplate: {},
          },
    database: model.database
      ? {
          enabled: true,
          engine: model.database.engine,
          port: model.database.port,
          name: model.database.name,
          user: model.database.user,
          adminUser: model.database.adminUser,
          secretName: model.database.secretName,
          adminSecretName: model.database.adminSecretName,
          urlScheme: model.database.urlScheme,
        }
      : { enabled: false, engine: "", port: 0, name: "", user: "", adminUser: "", secretName: "", adminSecretName: "", urlScheme: "" },
    serviceAccount: { annotations: serviceAccountAnnotations(model) },
    podSecurityContext: podSecurityContext(model),
    containerSecurityContext: containerSecurityContext(model),
    resources: model.resources,
    replicaCount: model.replicas.min,
    autoscaling: {
      enabled: model.replicas.autoscale,
      minReplicas: model.replicas.min,
      maxReplicas: model.replicas.max,
      targetCPUUtilizationPercentage: model.replicas.cpuPercent ?? 0,
      targetMemoryUtilizationPercentage: model.replicas.memoryPercent ?? 0,
    },
    podDisruptionBudget: { enabled: model.replicas.disruptionBudget, maxUnavailable: 1 },
    probes: { startup: p.startupProbe, readiness: p.readinessProbe, liveness: p.livenessProbe },
    shutdown: {
      drainSeconds: model.shutdown.drainSeconds,
      terminationGracePeriodSeconds: model.shutdown.drainSeconds + model.shutdown.graceSeconds,
    },
    service: { port: servicePort },
    metrics: model.metrics
      ? { enabled: true, path: model.metrics.path, port: model.metrics.port, separatePort: model.metrics.separatePort, interval: "30s" }
      : { enabled: false, path: "/metrics", port: model.port, separatePort: false, interval: "30s" },
    ingress: model.ingress
      ? {
          enabled: true,
          className: model.ingress.class,
          host: model.ingress.host,
          paths: model.ingress.paths,
          tls: model.ingress.tls,
          tlsSecretName: model.ingress.class === "nginx" && model.ingress.tls ? (model.ingress.certificate ?? `${model.name}-tls`) : "",
          annotations: ingressAnnotations(model),
        }
      : { enabled: false, className: "", host: "", paths: ["/"], tls: false, tlsSecretName: "", annotations: {} },
    networkPolicy: { enabled: true, ingress: networkIngressRules(model), egress: networkEgressRules(model) },
    release: { setup: model.release.setup ?? [], migrate: model.release.migrate ?? [] },
  };
}
