import type { AppModel } from "../../model/app-model.js";
import { databaseUrlTemplate } from "../database-url.js";
import { probeHost } from "../probe-host.js";
import { sha256Hex } from "../sha256.js";
import { goJsonStringList, goJsonStringMap } from "./go-json.js";
import { appLabels, type Component, commonLabels, selectorLabels } from "./labels.js";

/** A Kubernetes object as plain data. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Annotation and label that mark a Job as a release phase the deploy engine runs itself. */
export const phaseLabel = "slipway.dev/phase";

/** Port on the Service: the app is reached on 80 inside the cluster whatever it listens on. */
export const servicePort = 80;

/**
 * `<app>-<phase>-<10 hex of sha256(image ref, newline, command as JSON)>`: a new image or command is
 * a new Job (a Job's pod template is immutable, so `kubectl apply` of a new release must not reuse
 * the old name), the same release keeps its name (a re-run finds the Job it left). The Helm chart
 * computes the same name with `sha256sum`; the deploy engine uses this name too.
 */
export function releaseJobName(model: AppModel, phase: "setup" | "migrate", command: readonly string[]): string {
  const hash = sha256Hex(`${model.image.ref}\n${goJsonStringList(command)}`);
  return `${model.name}-${phase}-${hash.slice(0, 10)}`;
}

/**
 * Renders one environment's Kubernetes objects. Pure and deterministic: the same model always
 * gives the same objects in the same order (namespace, identity, config, jobs, workload, traffic).
 */
export function renderKubernetes(model: AppModel): KubeObject[] {
  const objects: KubeObject[] = [namespace(model), serviceAccount(model), configMap(model)];
  objects.push(...externalSecrets(model));
  if (model.release.setup) objects.push(releaseJob(model, "setup", model.release.setup));
  if (model.release.migrate) objects.push(releaseJob(model, "migrate", model.release.migrate));
  objects.push(deployment(model), service(model));
  if (model.ingress) objects.push(ingress(model));
  if (model.replicas.autoscale) objects.push(autoscaler(model));
  if (model.replicas.disruptionBudget) objects.push(disruptionBudget(model));
  objects.push(...networkPolicies(model));
  if (model.metrics) objects.push(serviceMonitor(model));
  return objects;
}

function meta(model: AppModel, name: string, component?: Component, annotations?: Record<string, string>): KubeObject["metadata"] {
  return {
    name,
    namespace: model.namespace,
    labels: commonLabels(model, component),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

function namespace(model: AppModel): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: model.namespace,
      labels: {
        ...commonLabels(model),
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    },
  };
}

export function serviceAccountAnnotations(model: AppModel): Record<string, string> {
  return model.aws?.identity === "irsa" && model.aws.roleArn ? { "eks.amazonaws.com/role-arn": model.aws.roleArn } : {};
}

function serviceAccount(model: AppModel): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(model, model.name, undefined, serviceAccountAnnotations(model)),
    automountServiceAccountToken: false,
  };
}

function configMap(model: AppModel): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(model, `${model.name}-env`),
    data: Object.fromEntries(model.env),
  };
}

/** Changes whenever plain env changes, so pods restart to pick it up. */
export function configChecksum(model: AppModel): string {
  return sha256Hex(goJsonStringMap(model.env));
}

/** The ExternalSecret `target.template` of the database Secrets: their keys, with `url` composed. */
export function databaseSecretTemplates(model: AppModel): { app: Record<string, string>; admin: Record<string, string> } | undefined {
  const db = model.database;
  if (!db) return undefined;
  return {
    app: { host: db.host ?? "{{ .host }}", password: "{{ .password }}", url: databaseUrlTemplate(db, db.user) },
    admin: { password: "{{ .password }}", url: databaseUrlTemplate(db, db.adminUser) },
  };
}

function externalSecrets(model: AppModel): KubeObject[] {
  const source = model.secrets.source;
  if (source.kind !== "aws-secrets-manager") return [];
  const make = (
    name: string,
    data: { secretKey: string; remoteRef: Record<string, string> }[],
    template?: Record<string, string>,
  ): KubeObject => ({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: meta(model, name),
    spec: {
      data,
      refreshInterval: source.refreshInterval,
      secretStoreRef: { kind: "ClusterSecretStore", name: source.store },
      target: { creationPolicy: "Owner", name, ...(template ? { template: { data: template, engineVersion: "v2" } } : {}) },
    },
  });
  const out: KubeObject[] = [];
  if (model.secrets.names.length > 0) {
    out.push(
      make(
        model.secrets.secretName,
        model.secrets.names.map((n) => ({ secretKey: n, remoteRef: { key: `${source.prefix}${n}` } })),
      ),
    );
  }
  const templates = databaseSecretTemplates(model);
  if (model.database && templates) {
    // A host from the Terraform outputs is written into the templates; only the passwords come from AWS.
    const host =
      model.database.host === undefined ? [{ secretKey: "host", remoteRef: { key: `${source.prefix}database`, property: "host" } }] : [];
    out.push(
      make(
        model.database.secretName,
        [...host, { secretKey: "password", remoteRef: { key: `${source.prefix}database`, property: "password" } }],
        templates.app,
      ),
    );
    if (model.release.setup) {
      out.push(
        make(
          model.database.adminSecretName,
          [...host, { secretKey: "password", remoteRef: { key: `${source.prefix}database-admin`, property: "password" } }],
          templates.admin,
        ),
      );
    }
  }
  return out;
}

/** Where containers listen: every interface, as the app contract says (docs/app-contract.md). */
export const containerHost = "0.0.0.0";

/**
 * The container's env entries: the app contract's variables, secret references and database
 * wiring, never a secret value. Web pods get PORT and HOST; release Jobs serve nothing and do not.
 * The setup phase connects as the admin user (it creates the database and the app user); every
 * other phase, and the app itself, only ever sees the app user's credentials. DATABASE_URL comes
 * composed from the database Secret's `url` key: Kubernetes' `$(VAR)` interpolation would paste
 * the password in unescaped.
 */
export function containerEnv(model: AppModel, phase: Component = "web"): Record<string, unknown>[] {
  const env: Record<string, unknown>[] = [
    ...(phase === "web"
      ? [
          { name: "HOST", value: containerHost },
          { name: "PORT", value: String(model.port) },
        ]
      : []),
    { name: "SLIPWAY_APP", value: model.name },
    { name: "SLIPWAY_ENVIRONMENT", value: model.environment },
    ...model.secrets.names.map((name) => ({
      name,
      valueFrom: { secretKeyRef: { key: name, name: model.secrets.secretName } },
    })),
  ];
  const db = model.database;
  if (db) {
    const admin = phase === "setup";
    const secret = admin ? db.adminSecretName : db.secretName;
    env.push(
      { name: "DB_ENGINE", value: db.engine },
      db.host === undefined
        ? { name: "DB_HOST", valueFrom: { secretKeyRef: { key: "host", name: db.secretName } } }
        : { name: "DB_HOST", value: db.host },
      { name: "DB_PORT", value: String(db.port) },
      { name: "DB_NAME", value: db.name },
      { name: "DB_USER", value: admin ? db.adminUser : db.user },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { key: "password", name: secret } } },
      ...(admin
        ? [
            { name: "DB_APP_USER", value: db.user },
            { name: "DB_APP_PASSWORD", valueFrom: { secretKeyRef: { key: "password", name: db.secretName } } },
          ]
        : []),
      { name: "DATABASE_URL", valueFrom: { secretKeyRef: { key: "url", name: secret } } },
    );
  }
  return env;
}

export function podSecurityContext(model: AppModel): Record<string, unknown> {
  return {
    fsGroup: model.runAs.group,
    runAsGroup: model.runAs.group,
    runAsNonRoot: true,
    runAsUser: model.runAs.user,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(model: AppModel): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsGroup: model.runAs.group,
    runAsNonRoot: true,
    runAsUser: model.runAs.user,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function probes(model: AppModel): { startupProbe: unknown; readinessProbe: unknown; livenessProbe: unknown } {
  const http = (path: string) => ({ httpGet: { httpHeaders: [{ name: "Host", value: probeHost }], path, port: "http" } });
  return {
    startupProbe: {
      ...(model.health.startup.path ? http(model.health.startup.path) : { tcpSocket: { port: "http" } }),
      failureThreshold: Math.max(1, Math.ceil(model.health.startup.timeoutSeconds / 5)),
      periodSeconds: 5,
      timeoutSeconds: 2,
    },
    readinessProbe: { ...http(model.health.readiness), failureThreshold: 3, periodSeconds: 5, timeoutSeconds: 2 },
    livenessProbe: {
      ...(model.health.liveness ? http(model.health.liveness) : { tcpSocket: { port: "http" } }),
      failureThreshold: 3,
      periodSeconds: 10,
      timeoutSeconds: 2,
    },
  };
}

const tmpVolume = { emptyDir: { sizeLimit: "256Mi" }, name: "tmp" };
const tmpMount = { mountPath: "/tmp", name: "tmp" };

function baseContainer(
  model: AppModel,
  phase: Component,
  command: string[] | undefined,
  args: string[] | undefined,
): Record<string, unknown> {
  const env = containerEnv(model, phase);
  return {
    name: "app",
    image: model.image.ref,
    imagePullPolicy: "Always",
    ...(command ? { command } : {}),
    ...(args ? { args } : {}),
    ...(env.length > 0 ? { env } : {}),
    envFrom: [{ configMapRef: { name: `${model.name}-env` } }],
    resources: model.resources,
    securityContext: containerSecurityContext(model),
    volumeMounts: [tmpMount],
  };
}

function podSpecBase(model: AppModel): Record<string, unknown> {
  return {
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(model),
    serviceAccountName: model.name,
  };
}

function releaseJob(model: AppModel, phase: "setup" | "migrate", command: string[]): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      ...meta(model, releaseJobName(model, phase, command), phase, {
        "argocd.argoproj.io/hook": "PreSync",
        "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
        "helm.sh/hook": phase === "setup" ? "post-install" : "post-install,pre-upgrade",
        "helm.sh/hook-delete-policy": "before-hook-creation",
        "helm.sh/hook-weight": phase === "setup" ? "-10" : "-5",
      }),
      labels: { ...commonLabels(model, phase), [phaseLabel]: phase },
    },
    spec: {
      activeDeadlineSeconds: 1800,
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...selectorLabels(model, phase), [phaseLabel]: phase } },
        spec: {
          ...podSpecBase(model),
          containers: [baseContainer(model, phase, command, undefined)],
          restartPolicy: "Never",
          volumes: [tmpVolume],
        },
      },
      ttlSecondsAfterFinished: 3600,
    },
  };
}

export function topologySpread(model: AppModel): Record<string, unknown>[] {
  return ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
    labelSelector: { matchLabels: selectorLabels(model, "web") },
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
  }));
}

function deployment(model: AppModel): KubeObject {
  const ports: Record<string, unknown>[] = [{ containerPort: model.port, name: "http", protocol: "TCP" }];
  if (model.metrics?.separatePort) ports.push({ containerPort: model.metrics.port, name: "metrics", protocol: "TCP" });
  const container = {
    ...baseContainer(model, "web", model.command, model.args),
    lifecycle: { preStop: { sleep: { seconds: model.shutdown.drainSeconds } } },
    ports,
    ...probes(model),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(model, model.name, "web"),
    spec: {
      ...(model.replicas.autoscale ? {} : { replicas: model.replicas.min }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(model, "web") },
      strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 }, type: "RollingUpdate" },
      template: {
        metadata: {
          annotations: { "slipway.dev/config-checksum": configChecksum(model) },
          labels: { ...commonLabels(model, "web") },
        },
        spec: {
          ...podSpecBase(model),
          containers: [container],
          terminationGracePeriodSeconds: model.shutdown.drainSeconds + model.shutdown.graceSeconds,
          topologySpreadConstraints: topologySpread(model),
          volumes: [tmpVolume],
        },
      },
    },
  };
}

function service(model: AppModel): KubeObject {
  const ports: Record<string, unknown>[] = [{ name: "http", port: servicePort, protocol: "TCP", targetPort: "http" }];
  if (model.metrics?.separatePort) ports.push({ name: "metrics", port: model.metrics.port, protocol: "TCP", targetPort: "metrics" });
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(model, model.name, "web"),
    spec: { ports, selector: selectorLabels(model, "web"), type: "ClusterIP" },
  };
}

export function ingressAnnotations(model: AppModel): Record<string, string> {
  const ing = model.ingress;
  if (!ing) return {};
  if (ing.class === "alb") {
    return {
      "alb.ingress.kubernetes.io/healthcheck-path": model.health.readiness,
      ...(ing.tls && ing.certificate ? { "alb.ingress.kubernetes.io/certificate-arn": ing.certificate } : {}),
      "alb.ingress.kubernetes.io/listen-ports": ing.tls ? '[{"HTTP":80},{"HTTPS":443}]' : '[{"HTTP":80}]',
      "alb.ingress.kubernetes.io/scheme": ing.scheme,
      ...(ing.tls ? { "alb.ingress.kubernetes.io/ssl-redirect": "443" } : {}),
      "alb.ingress.kubernetes.io/target-type": "ip",
    };
  }
  return {
    ...(ing.tls && !ing.certificate ? { "cert-manager.io/cluster-issuer": ing.clusterIssuer } : {}),
    "nginx.ingress.kubernetes.io/force-ssl-redirect": ing.tls ? "true" : "false",
  };
}

function ingress(model: AppModel): KubeObject {
  const ing = model.ingress as NonNullable<AppModel["ingress"]>;
  const tls = ing.tls
    ? [ing.class === "alb" ? { hosts: [ing.host] } : { hosts: [ing.host], secretName: ing.certificate ?? `${model.name}-tls` }]
    : undefined;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: meta(model, model.name, "web", ingressAnnotations(model)),
    spec: {
      ingressClassName: ing.class,
      rules: [
        {
          host: ing.host,
          http: {
            paths: ing.paths.map((path) => ({
              backend: { service: { name: model.name, port: { name: "http" } } },
              path,
              pathType: "Prefix",
            })),
          },
        },
      ],
      ...(tls ? { tls } : {}),
    },
  };
}

function autoscaler(model: AppModel): KubeObject {
  const metrics: Record<string, unknown>[] = [];
  const resource = (name: string, averageUtilization: number) => ({
    resource: { name, target: { averageUtilization, type: "Utilization" } },
    type: "Resource",
  });
  if (model.replicas.cpuPercent !== undefined) metrics.push(resource("cpu", model.replicas.cpuPercent));
  if (model.replicas.memoryPercent !== undefined) metrics.push(resource("memory", model.replicas.memoryPercent));
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta(model, model.name, "web"),
    spec: {
      maxReplicas: model.replicas.max,
      metrics,
      minReplicas: model.replicas.min,
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: model.name },
    },
  };
}

function disruptionBudget(model: AppModel): KubeObject {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta(model, model.name, "web"),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(model, "web") },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

/**
 * Who may reach the app: the ingress controller (or load balancer range), pods inside the cluster
 * as `app.allowFrom` says (by default any, so a Service without an Ingress is still reachable), and,
 * for metrics, Prometheus.
 */
export function networkIngressRules(model: AppModel): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  const httpPort = [{ port: "http", protocol: "TCP" }];
  const byName = (namespace: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } });
  const inCluster =
    model.allowFrom === "cluster"
      ? [{ namespaceSelector: {} }]
      : model.allowFrom === "namespace"
        ? [{ podSelector: {} }]
        : model.allowFrom === "none"
          ? []
          : [{ podSelector: {} }, ...model.allowFrom.filter((ns) => ns !== model.namespace).map(byName)];
  if (inCluster.length > 0) rules.push({ from: inCluster, ports: httpPort });
  if (model.ingress?.class === "alb") rules.push({ from: [{ ipBlock: { cidr: model.ingress.sourceCidr } }], ports: httpPort });
  else if (model.ingress?.class === "nginx") {
    rules.push({
      from: [byName("ingress-nginx")],
      ports: httpPort,
    });
  }
  if (model.metrics) {
    rules.push({
      from: [byName("monitoring")],
      ports: [{ port: model.metrics.separatePort ? "metrics" : "http", protocol: "TCP" }],
    });
  }
  return rules;
}

/** Where the app may connect: DNS, its database, and the declared allow-list. */
export function networkEgressRules(model: AppModel): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [
    {
      ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ],
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
      ],
    },
  ];
  if (model.database) {
    rules.push({ ports: [{ port: model.database.port, protocol: "TCP" }], to: [{ ipBlock: { cidr: model.database.cidr } }] });
  }
  for (const rule of model.egress) {
    rules.push({
      ports: [{ port: rule.port, protocol: rule.protocol }],
      to: [{ ipBlock: rule.except.length > 0 ? { cidr: rule.cidr, except: rule.except } : { cidr: rule.cidr } }],
    });
  }
  return rules;
}

function networkPolicies(model: AppModel): KubeObject[] {
  const ingressRules = networkIngressRules(model);
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(model, `${model.name}-default-deny`),
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(model, model.name),
      spec: {
        egress: networkEgressRules(model),
        ...(ingressRules.length > 0 ? { ingress: ingressRules } : {}),
        podSelector: { matchLabels: appLabels(model) },
        policyTypes: ["Ingress", "Egress"],
      },
    },
  ];
}

function serviceMonitor(model: AppModel): KubeObject {
  const metrics = model.metrics as NonNullable<AppModel["metrics"]>;
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: meta(model, model.name, "web"),
    spec: {
      endpoints: [{ interval: "30s", path: metrics.path, port: metrics.separatePort ? "metrics" : "http" }],
      selector: { matchLabels: selectorLabels(model, "web") },
    },
  };
}
