// A corpus of Kubernetes manifests for the check benchmark and the peer cross-check: every example
// rendered for every environment many times with varied settings (names, namespaces, replicas,
// resources, ingress, metrics), and a share of Deployments broken on purpose in known ways (run as
// root, no resources, :latest, privileged, no probes) so that the checkers have something to find.
// Uses the built library (dist/), so run `npm run build` first. Deterministic for a given seed.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";

const root = join(import.meta.dirname, "..");

export const mutations = ["root", "noresources", "latest", "privileged", "noprobes"];

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Writes YAML files into `dir` until at least `objects` objects exist.
 * Returns { files, objects, broken: Map<"ns/Kind/name", mutation> }.
 */
export async function writeCorpus(dir, { objects = 10_000, seed = 42, brokenShare = 0.3 } = {}) {
  const lib = await import(join(root, "dist", "index.js"));
  const random = rng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const examples = readdirSync(join(root, "examples"))
    .filter((name) => {
      try {
        readFileSync(join(root, "examples", name, "slipway.yaml"));
        return true;
      } catch {
        return false;
      }
    })
    .sort()
    .map((name) => ({ name, spec: parse(readFileSync(join(root, "examples", name, "slipway.yaml"), "utf8")) }));
  mkdirSync(dir, { recursive: true });
  const files = [];
  const broken = new Map();
  let count = 0;
  for (let i = 0; count < objects; i++) {
    const example = examples[i % examples.length];
    const spec = structuredClone(example.spec);
    const name = `${example.name}-${i}`.slice(0, 40);
    spec.name = name;
    spec.targets = { kubernetes: { namespace: name } };
    spec.app.scale = { min: pick([1, 2, 3]), max: pick([1, 3, 6, 10]) };
    if (spec.app.scale.max < spec.app.scale.min) spec.app.scale.max = spec.app.scale.min;
    spec.app.resources = { cpu: pick(["100m", "250m", "500m", "1"]), memory: pick(["128Mi", "256Mi", "512Mi", "1Gi"]) };
    if (spec.ingress) spec.ingress.host = `${name}.example.com`;
    if (random() < 0.3) {
      delete spec.app.metrics;
      // an SLO needs request metrics (app.metrics, or ingress-nginx's): the spec refuses one without them
      delete spec.slo;
      for (const env of Object.values(spec.environments)) delete env.slo;
    }
    for (const env of Object.values(spec.environments)) {
      if (env.app?.scale) delete env.app.scale;
      if (env.ingress?.host) env.ingress.host = `staging.${name}.example.com`;
    }
    const validated = lib.validateSpec(lib.parseSpecText(stringify(spec), `${name}.yaml`));
    for (const env of Object.values(validated.environments)) {
      if (env.target.type !== "kubernetes") continue;
      const rendered = lib.renderKubernetes(lib.buildModel(validated, env));
      for (const object of rendered) {
        if (object.kind !== "Deployment" || random() >= brokenShare) continue;
        const mutation = pick(mutations);
        breakDeployment(object, mutation);
        broken.set(`${object.metadata.namespace}/Deployment/${object.metadata.name}`, mutation);
      }
      const file = join(dir, `${name}-${env.name}.yaml`);
      writeFileSync(file, lib.toYamlStream(rendered));
      files.push(file);
      count += rendered.length;
    }
  }
  return { files, objects: count, broken };
}

function breakDeployment(object, mutation) {
  const pod = object.spec.template.spec;
  const container = pod.containers[0];
  switch (mutation) {
    case "root":
      delete pod.securityContext;
      delete container.securityContext.runAsNonRoot;
      delete container.securityContext.runAsUser;
      delete container.securityContext.runAsGroup;
      break;
    case "noresources":
      delete container.resources;
      break;
    case "latest":
      container.image = container.image.replace(/[:@][^/]*$/, ":latest");
      break;
    case "privileged":
      container.securityContext.privileged = true;
      container.securityContext.allowPrivilegeEscalation = true;
      break;
    case "noprobes":
      delete container.readinessProbe;
      delete container.livenessProbe;
      delete container.startupProbe;
      break;
  }
}

/**
 * A corpus of varied, realistic manifests for the speed benchmark, built without slipway: "releases"
 * shaped like `helm template` output of common chart kinds (a web service, a database StatefulSet
 * with volumeClaimTemplates, a queue worker, scheduled jobs, an operator with its CRD and custom
 * resources), each with its ServiceAccount, Role/RoleBinding, ConfigMap, NetworkPolicies and the
 * Helm labels and annotations, written as one multi-document file per release, one file per object,
 * or a few files per release. About a third of the releases carry no `metadata.namespace` (as
 * `helm template` without `--namespace` prints them), so many objects share one namespace. A share
 * of workloads has a known weakness (root, no resources, :latest, privileged, no probes, host
 * network, a wildcard Role) so every checker finds something. Deterministic for a given seed.
 * Returns { files, objects, kinds: Map<kind, count> }.
 */
export async function writeMixedCorpus(dir, { objects = 10_000, seed = 12 } = {}) {
  const random = rng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const chance = (p) => random() < p;
  const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");
  mkdirSync(dir, { recursive: true });
  const files = [];
  const kinds = new Map();
  let count = 0;
  for (let i = 0; count < objects; i++) {
    const chart = pick(charts);
    const release = `${pick(teams)}-${chart.name}-${i}`;
    const namespaced = chance(0.65);
    const namespace = namespaced ? `${pick(teams)}-${pick(["prod", "staging", "dev"])}` : undefined;
    const h = helmContext(release, chart, namespace, { random, pick, chance, hex });
    const docs = chart.build(h).map((o) => ({ template: o.template, object: o.object }));
    for (const { object } of docs) kinds.set(object.kind, (kinds.get(object.kind) ?? 0) + 1);
    count += docs.length;
    const layout = pick(["helm", "helm", "helm", "split", "grouped"]);
    if (layout === "helm") {
      const file = join(dir, `${release}.yaml`);
      writeFileSync(file, docs.map((d) => `---\n# Source: ${chart.name}/templates/${d.template}.yaml\n${stringify(d.object)}`).join(""));
      files.push(file);
    } else if (layout === "split") {
      const sub = join(dir, release);
      mkdirSync(sub, { recursive: true });
      docs.forEach((d, n) => {
        const file = join(sub, `${String(n).padStart(2, "0")}-${d.object.kind.toLowerCase()}.yaml`);
        writeFileSync(file, stringify(d.object));
        files.push(file);
      });
    } else {
      const rbac = docs.filter((d) => /Role|ServiceAccount/.test(d.object.kind));
      const rest = docs.filter((d) => !/Role|ServiceAccount/.test(d.object.kind));
      for (const [part, list] of [
        ["rbac", rbac],
        ["app", rest],
      ]) {
        if (list.length === 0) continue;
        const file = join(dir, `${release}-${part}.yaml`);
        writeFileSync(file, list.map((d) => stringify(d.object)).join("---\n"));
        files.push(file);
      }
    }
  }
  return { files, objects: count, kinds };
}

const teams = ["payments", "search", "identity", "catalog", "growth", "platform", "data", "media"];
const images = ["nginx", "redis", "postgres", "ghcr.io/acme/api", "ghcr.io/acme/worker", "quay.io/acme/ingest", "busybox"];

function helmContext(release, chart, namespace, r) {
  const version = `${1 + Math.floor(r.random() * 4)}.${Math.floor(r.random() * 20)}.${Math.floor(r.random() * 10)}`;
  const labels = (component) => ({
    "app.kubernetes.io/name": chart.name,
    "app.kubernetes.io/instance": release,
    "app.kubernetes.io/version": version,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "Helm",
    "helm.sh/chart": `${chart.name}-${version}`,
  });
  const selector = (component) => ({
    "app.kubernetes.io/name": chart.name,
    "app.kubernetes.io/instance": release,
    "app.kubernetes.io/component": component,
  });
  const meta = (name, component, extra = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels: labels(component),
    annotations: { "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": namespace ?? "default", ...extra },
  });
  const weakness = r.chance(0.3) ? r.pick(["root", "noresources", "latest", "privileged", "noprobes", "hostnetwork"]) : undefined;
  const container = (name, port, opts = {}) => {
    const image = `${r.pick(images)}:${weakness === "latest" ? "latest" : version}`;
    const c = {
      name,
      image,
      imagePullPolicy: "IfNotPresent",
      ...(port ? { ports: [{ name: "http", containerPort: port, protocol: "TCP" }] } : {}),
      env: [
        { name: "LOG_LEVEL", value: r.pick(["info", "debug", "warn"]) },
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ...(opts.secret ? [{ name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: opts.secret, key: "password" } } }] : []),
      ],
      envFrom: [{ configMapRef: { name: `${release}-config` } }],
      securityContext:
        weakness === "privileged"
          ? { privileged: true, allowPrivilegeEscalation: true }
          : weakness === "root"
            ? { allowPrivilegeEscalation: false }
            : {
                runAsNonRoot: true,
                runAsUser: 10001,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
      ...(weakness === "noresources"
        ? {}
        : {
            resources: {
              requests: { cpu: r.pick(["50m", "100m", "250m"]), memory: r.pick(["64Mi", "128Mi", "256Mi"]) },
              limits: { cpu: r.pick(["500m", "1", "2"]), memory: r.pick(["256Mi", "512Mi", "1Gi"]) },
            },
          }),
      ...(weakness === "noprobes" || !port
        ? {}
        : {
            readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
          }),
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(opts.mounts ?? [])],
    };
    return c;
  };
  const podSpec = (containers, extra = {}) => ({
    serviceAccountName: release,
    automountServiceAccountToken: false,
    ...(weakness === "hostnetwork" ? { hostNetwork: true } : {}),
    securityContext: weakness === "root" ? {} : { runAsNonRoot: true, fsGroup: 10001 },
    containers,
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, ...(extra.volumes ?? [])],
    ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy } : {}),
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: extra.selector ?? {} } } },
        ],
      },
    },
  });
  const common = (component, ports) => {
    const out = [
      { template: "serviceaccount", object: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(release, component) } },
      {
        template: "role",
        object: {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: meta(release, component),
          rules: r.chance(0.1)
            ? [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]
            : [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
              ],
        },
      },
      {
        template: "rolebinding",
        object: {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: meta(release, component),
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: release },
          subjects: [{ kind: "ServiceAccount", name: release, ...(namespace ? { namespace } : {}) }],
        },
      },
      {
        template: "configmap",
        object: {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: meta(`${release}-config`, component),
          data: {
            APP_ENV: r.pick(["production", "staging"]),
            "settings.yaml": `listen: 0.0.0.0:${ports[0] ?? 8080}\nfeatures:\n  cache: ${r.chance(0.5)}\n  tracing: true\n`,
          },
        },
      },
      {
        template: "networkpolicy",
        object: {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: meta(`${release}-default-deny`, component),
          spec: { podSelector: {}, policyTypes: ["Ingress"] },
        },
      },
    ];
    if (ports.length > 0 && r.chance(0.8))
      out.push({
        template: "networkpolicy-allow",
        object: {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: meta(`${release}-allow`, component),
          spec: {
            podSelector: { matchLabels: selector(component) },
            policyTypes: ["Ingress"],
            ingress: [
              {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
                ports: ports.map((port) => ({ port, protocol: "TCP" })),
              },
            ],
          },
        },
      });
    return out;
  };
  const service = (component, port, headless = false) => ({
    template: headless ? "service-headless" : "service",
    object: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(headless ? `${release}-headless` : release, component),
      spec: {
        ...(headless ? { clusterIP: "None" } : { type: "ClusterIP" }),
        selector: selector(component),
        ports: [{ name: "http", port: port === 8080 ? 80 : port, targetPort: "http", protocol: "TCP" }],
      },
    },
  });
  const pdb = (component) => ({
    template: "pdb",
    object: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(release, component),
      spec: { minAvailable: 1, selector: { matchLabels: selector(component) } },
    },
  });
  const checksum = () => ({ "checksum/config": r.hex(64) });
  return { release, namespace, meta, selector, labels, container, podSpec, common, service, pdb, checksum, r, weakness };
}

/** Chart shapes: each returns [{ template, object }] in the order `helm template` prints them. */
const charts = [
  {
    name: "web",
    build: (h) => {
      const replicas = h.r.pick([2, 3, 4]);
      return [
        ...h.common("server", [8080]),
        h.service("server", 8080),
        {
          template: "deployment",
          object: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: h.meta(h.release, "server"),
            spec: {
              replicas,
              revisionHistoryLimit: 5,
              strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
              selector: { matchLabels: h.selector("server") },
              template: {
                metadata: { labels: h.labels("server"), annotations: h.checksum() },
                spec: h.podSpec([h.container("server", 8080)], { selector: h.selector("server") }),
              },
            },
          },
        },
        {
          template: "hpa",
          object: {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: h.meta(h.release, "server"),
            spec: {
              scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: h.release },
              minReplicas: replicas,
              maxReplicas: replicas * 3,
              metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
            },
          },
        },
        h.pdb("server"),
        {
          template: "ingress",
          object: {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: h.meta(h.release, "server", {
              "cert-manager.io/cluster-issuer": "letsencrypt",
              "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
            }),
            spec: {
              ingressClassName: "nginx",
              ...(h.r.chance(0.85) ? { tls: [{ hosts: [`${h.release}.example.com`], secretName: `${h.release}-tls` }] } : {}),
              rules: [
                {
                  host: `${h.release}.example.com`,
                  http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: h.release, port: { number: 80 } } } }] },
                },
              ],
            },
          },
        },
      ];
    },
  },
  {
    name: "postgresql",
    build: (h) => [
      ...h.common("primary", [5432]),
      {
        template: "secret",
        object: {
          apiVersion: "v1",
          kind: "Secret",
          metadata: h.meta(`${h.release}-auth`, "primary"),
          type: "Opaque",
          data: { password: "c2VjcmV0" },
        },
      },
      h.service("primary", 5432, true),
      h.service("primary", 5432),
      {
        template: "statefulset",
        object: {
          apiVersion: "apps/v1",
          kind: "StatefulSet",
          metadata: h.meta(h.release, "primary"),
          spec: {
            replicas: h.r.pick([1, 3]),
            serviceName: `${h.release}-headless`,
            podManagementPolicy: "OrderedReady",
            updateStrategy: { type: "RollingUpdate" },
            selector: { matchLabels: h.selector("primary") },
            template: {
              metadata: { labels: h.labels("primary"), annotations: h.checksum() },
              spec: h.podSpec(
                [
                  h.container("postgresql", 5432, {
                    secret: `${h.release}-auth`,
                    mounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
                  }),
                ],
                {
                  selector: h.selector("primary"),
                },
              ),
            },
            volumeClaimTemplates: [
              {
                metadata: { name: "data" },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  storageClassName: "standard",
                  resources: { requests: { storage: h.r.pick(["8Gi", "20Gi", "100Gi"]) } },
                },
              },
            ],
          },
        },
      },
      h.pdb("primary"),
    ],
  },
  {
    name: "worker",
    build: (h) => [
      ...h.common("worker", []),
      {
        template: "deployment",
        object: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: h.meta(`${h.release}-worker`, "worker"),
          spec: {
            replicas: h.r.pick([1, 2, 5]),
            selector: { matchLabels: h.selector("worker") },
            template: {
              metadata: { labels: h.labels("worker"), annotations: h.checksum() },
              spec: h.podSpec([h.container("worker", undefined), h.container("metrics-exporter", 9102)], {
                selector: h.selector("worker"),
              }),
            },
          },
        },
      },
    ],
  },
  {
    name: "cron",
    build: (h) => [
      ...h.common("job", []),
      {
        template: "cronjob",
        object: {
          apiVersion: "batch/v1",
          kind: "CronJob",
          metadata: h.meta(`${h.release}-nightly`, "job"),
          spec: {
            schedule: h.r.pick(["0 3 * * *", "*/15 * * * *", "30 1 * * 0"]),
            concurrencyPolicy: "Forbid",
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 1,
            jobTemplate: {
              spec: {
                backoffLimit: 2,
                activeDeadlineSeconds: 3600,
                template: {
                  metadata: { labels: h.labels("job") },
                  spec: h.podSpec([h.container("task", undefined)], { restartPolicy: "OnFailure" }),
                },
              },
            },
          },
        },
      },
      {
        template: "job-migrate",
        object: {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: h.meta(`${h.release}-migrate`, "job", { "helm.sh/hook": "pre-upgrade,pre-install", "helm.sh/hook-weight": "-5" }),
          spec: {
            backoffLimit: 1,
            ttlSecondsAfterFinished: 600,
            template: {
              metadata: { labels: h.labels("job") },
              spec: h.podSpec([h.container("migrate", undefined)], { restartPolicy: "Never" }),
            },
          },
        },
      },
    ],
  },
  {
    name: "operator",
    build: (h) => {
      const group = `${h.release.replace(/-\d+$/, "").replace(/-/g, "")}${h.release.match(/\d+$/)?.[0] ?? ""}.acme.io`;
      const crs = Array.from({ length: 1 + Math.floor(h.r.random() * 4) }, (_, n) => ({
        template: "backup",
        object: {
          apiVersion: `${group}/v1`,
          kind: "Backup",
          metadata: h.meta(`${h.release}-backup-${n}`, "operator"),
          spec: { schedule: "0 2 * * *", retention: `${7 * (n + 1)}d`, target: { bucket: `s3://backups/${h.release}` } },
        },
      }));
      return [
        {
          template: "crd",
          object: {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: `backups.${group}`, labels: h.labels("operator") },
            spec: {
              group,
              scope: "Namespaced",
              names: { plural: "backups", singular: "backup", kind: "Backup", listKind: "BackupList" },
              versions: [
                {
                  name: "v1",
                  served: true,
                  storage: true,
                  schema: {
                    openAPIV3Schema: {
                      type: "object",
                      properties: {
                        spec: {
                          type: "object",
                          properties: {
                            schedule: { type: "string" },
                            retention: { type: "string", pattern: "^[0-9]+d$" },
                            target: { type: "object", properties: { bucket: { type: "string" } } },
                          },
                          required: ["schedule"],
                        },
                      },
                    },
                  },
                },
              ],
            },
          },
        },
        ...h.common("operator", [8443]),
        {
          template: "clusterrole",
          object: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: `${h.release}-manager`, labels: h.labels("operator") },
            rules: [
              { apiGroups: [group], resources: ["backups", "backups/status"], verbs: ["get", "list", "watch", "update", "patch"] },
              { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
            ],
          },
        },
        {
          template: "clusterrolebinding",
          object: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: `${h.release}-manager`, labels: h.labels("operator") },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${h.release}-manager` },
            subjects: [{ kind: "ServiceAccount", name: h.release, namespace: h.namespace ?? "default" }],
          },
        },
        h.service("operator", 8443),
        {
          template: "deployment",
          object: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: h.meta(`${h.release}-manager`, "operator"),
            spec: {
              replicas: 1,
              selector: { matchLabels: h.selector("operator") },
              template: {
                metadata: { labels: h.labels("operator"), annotations: h.checksum() },
                spec: h.podSpec([h.container("manager", 8443)], { selector: h.selector("operator") }),
              },
            },
          },
        },
        ...crs,
      ];
    },
  },
];
