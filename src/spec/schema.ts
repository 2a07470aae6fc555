import * as z from "zod";
import { hasAnEntry, hasAtMostThreeDecimals, imageRefPattern, isAddressOrRange, isReleaseFolder } from "./refinements.js";

// One-shot validation in a short-lived CLI: compiling fast paths costs more than it saves.
z.config({ jitless: true });

/*
 * The slipway.yaml schema. One source for the validator, the published JSON Schema
 * (`slipway schema`) and the reference docs (docs/spec.md, generated): every key carries a
 * description and, where it has one, its default.
 */

const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, {
  error: "must be a lowercase DNS label: a–z, 0–9 and '-', starting with a letter, at most 40 characters",
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "must be an environment variable name: letters, digits and '_', not starting with a digit",
});

const httpPath = z.string().regex(/^\/[^\s]*$/, { error: "must be an HTTP path starting with '/'" });

const port = z.int().min(1).max(65535);

const quantityCpu = z.string().regex(/^([0-9]+m|[0-9]+(\.[0-9]+)?)$/, { error: "must be a CPU quantity such as 250m or 1.5" });

const quantityMemory = z.string().regex(/^[0-9]+(Ki|Mi|Gi|Ti|K|M|G|T)?$/, { error: "must be a memory quantity such as 512Mi or 2Gi" });

const commandLine = z.array(z.string()).min(1);

/**
 * A folder inside the app's release copy, written relative to it: no absolute path, no `..`, so
 * PATH never reaches outside the release (the next release gets its own).
 */
const releaseFolder = z.string().min(1).refine(isReleaseFolder, {
  error: "must be a folder inside the app, relative to slipway.yaml (no leading '/', no '..', no ':')",
});

/** An IPv4 or IPv6 address, or a range of them as address/prefix-length (CIDR). */
const addressOrRange = z.string().refine(isAddressOrRange, {
  error: "must be an IP address or a CIDR range, such as 10.0.0.5, 10.0.0.0/8 or fd00::/8",
});

/** Plain env values may be written as YAML numbers or booleans; they become strings. */
const envValue = z.union([z.string(), z.number(), z.boolean()]);

export { imageRefPattern };

const buildSchema = z
  .strictObject({
    context: z.string().default(".").describe("Build context folder, relative to slipway.yaml."),
    dockerfile: z.string().default("Dockerfile").describe("Dockerfile path, relative to the context."),
    platforms: z
      .array(z.string().regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, { error: "must be os/arch, e.g. linux/amd64" }))
      .min(1)
      .default(["linux/amd64"])
      .describe("Platforms to build for; several make a multi-arch image."),
    steps: z
      .array(commandLine)
      .default([])
      .describe(
        "Build-time steps, each a command run in the app's folder after its dependencies are installed (e.g. [python, manage.py, collectstatic, --noinput], [bin/rails, assets:precompile], [npm, run, build]). The image build must run them (the Dockerfile's RUN lines: `slipway build` runs the Dockerfile as written), never the container at boot: its root filesystem is read-only. The local target runs them in each release after targets.<name>.prepare, with app.env but no secrets and no database.",
      ),
  })
  .describe("How to build the image. Optional: without it slipway deploys an image built elsewhere.");

const probeSchema = z.strictObject({
  path: httpPath.describe("HTTP path the probe requests."),
  timeoutSeconds: z.int().min(1).max(3600).default(120).describe("How long the app may take to start."),
});

const healthObjectSchema = z
  .strictObject({
    readiness: httpPath.describe("Path that answers 2xx or 3xx (not followed) when the app can take traffic."),
    liveness: httpPath
      .optional()
      .describe(
        "Path that answers 2xx or 3xx while the process is healthy. Must not touch the database. Default: a TCP check of the port, so a slow dependency never restarts pods.",
      ),
    startup: z
      .union([httpPath, probeSchema])
      .optional()
      .describe("Startup probe: a path, or {path, timeoutSeconds}. Default: the readiness path with 120 s."),
    readinessChecksDatabase: z
      .boolean()
      .default(false)
      .describe("Whether the readiness path checks the database (then liveness must be a different path)."),
  })
  .describe("Health endpoints.");

const healthSchema = z
  .union([httpPath, healthObjectSchema])
  .describe("Health endpoints: one path (readiness and startup; liveness then checks the TCP port) or an object.");

const resourcesSchema = z
  .strictObject({
    cpu: quantityCpu.default("100m").describe("CPU request."),
    memory: quantityMemory.default("256Mi").describe("Memory request; the memory limit equals it."),
    cpuLimit: quantityCpu.optional().describe("CPU limit. Default: four times the request, at least 1 CPU."),
  })
  .describe("Container resources: requests, with limits derived.");

const scaleSchema = z
  .strictObject({
    min: z.int().min(1).max(1000).default(2).describe("Minimum replicas (processes, on the local target)."),
    max: z.int().min(1).max(1000).default(4).describe("Maximum replicas. Equal to min: no autoscaler."),
    cpu: z.int().min(1).max(100).optional().describe("Target average CPU utilisation, percent. Default: 70 when max > min."),
    memory: z.int().min(1).max(100).optional().describe("Target average memory utilisation, percent."),
  })
  .describe("Replicas and autoscaling: an HPA when max > min, a PodDisruptionBudget when min ≥ 2.");

const metricsSchema = z
  .strictObject({
    path: httpPath.default("/metrics").describe("Path of the Prometheus metrics endpoint."),
    port: port.optional().describe("Port of the metrics endpoint. Default: the app's port."),
  })
  .describe("A Prometheus metrics endpoint: rendered as a ServiceMonitor and a named container port.");

const releaseSchema = z
  .strictObject({
    setup: commandLine.optional().describe("Command run once, on the first deploy of an environment (e.g. [bin/rails, db:create])."),
    migrate: commandLine.optional().describe("Command run on every deploy, before traffic moves; its failure stops the deploy."),
  })
  .describe("Release commands, run from the new image as their own gated phase.");

const egressSchema = z
  .strictObject({
    host: z
      .string()
      .regex(/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/i, { error: "must be a host name like api.stripe.com" })
      .optional()
      .describe("Destination host name."),
    cidr: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR like 10.1.0.0/16" })
      .optional()
      .describe("Destination address range."),
    port: port.describe("Destination port."),
    protocol: z.enum(["TCP", "UDP"]).default("TCP").describe("Transport protocol."),
  })
  .describe("One allowed egress destination: a host or a CIDR, and a port.");

const s3Access = z.enum(["read", "write", "delete"]);

const awsSchema = z
  .strictObject({
    identity: z
      .enum(["irsa", "pod-identity"])
      .default("irsa")
      .describe("How the pod gets its IAM role: IRSA (service-account annotation) or EKS Pod Identity."),
    accountId: z
      .string()
      .regex(/^\d{12}$/, { error: "must be a 12-digit AWS account ID" })
      .optional()
      .describe("AWS account ID for the role ARN. Default: taken from an ECR image registry."),
    roleName: z.string().min(1).max(64).optional().describe("IAM role name. Default: <name>-<environment>."),
    s3: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" }), z.array(s3Access).min(1))
      .default({})
      .describe("S3 buckets and the access the app needs to each: read, write, delete."),
  })
  .describe("AWS access the app needs; rendered as an IAM role bound to the service account.");

export const appSchema = z
  .strictObject({
    image: z
      .string()
      .regex(new RegExp(imageRefPattern.source.replaceAll(/\?<\w+>/g, "")), {
        error: "must be an image reference: registry/repository[:tag][@sha256:digest]",
      })
      .describe("Container image: registry/repository, with an optional :tag or @sha256:digest."),
    build: buildSchema.optional(),
    port: port.default(8080).describe("Port the app listens on inside the container."),
    command: commandLine.optional().describe("Entrypoint override, as a list of words."),
    args: z.array(z.string()).optional().describe("Arguments, as a list of words."),
    health: healthSchema,
    env: z
      .record(envName, envValue)
      .default({})
      .describe(
        'Plain environment variables. Never put secrets here. Unquoted numbers and booleans are allowed only when YAML reads them back as written (8080, true); quote the others ("1.10", "02139", "0x1F").',
      ),
    secrets: z
      .array(envName)
      .default([])
      .describe("Names of secret environment variables. Values come from the environment's secretSource, never from this file."),
    resources: resourcesSchema.prefault({}),
    scale: scaleSchema.prefault({}),
    metrics: metricsSchema.optional(),
    release: releaseSchema.optional(),
    egress: z.array(egressSchema).default([]).describe("Allowed outbound destinations besides DNS and the database."),
    allowFrom: z
      .union([
        z.enum(["cluster", "namespace", "none"]),
        z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "must be a namespace name" })).min(1),
      ])
      .default("cluster")
      .describe(
        "Who inside the cluster may reach the app's port (Kubernetes NetworkPolicy), besides the ingress controller and Prometheus: cluster (any pod in any namespace), namespace (pods in the app's own namespace), a list of namespace names (the app's own namespace plus those), or none.",
      ),
    aws: awsSchema.optional(),
    runAs: z
      .strictObject({
        user: z.int().min(1).max(2147483647).default(10001).describe("Numeric user ID (never 0)."),
        group: z.int().min(1).max(2147483647).default(10001).describe("Numeric group ID (never 0)."),
      })
      .prefault({})
      .describe("Non-root identity the container runs as; numeric so Kubernetes can verify it."),
    shutdown: z
      .strictObject({
        drainSeconds: z.int().min(0).max(300).default(5).describe("Pause before SIGTERM so load balancers stop sending traffic."),
        graceSeconds: z.int().min(1).max(3600).default(30).describe("Time from the pause until the process is killed."),
      })
      .prefault({})
      .describe("Connection draining on shutdown."),
  })
  .describe("The application container.");

const dbSize = z
  .union([
    z.enum(["small", "medium", "large"]),
    z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: "must be small, medium, large or an instance class like db.r6g.large" }),
  ])
  .describe("Size class (small, medium, large) or an instance class such as db.r6g.large.");

export const databaseSchema = z
  .strictObject({
    engine: z.enum(["mysql", "postgres"]).describe("Database engine."),
    version: z
      .string()
      .regex(/^\d+(\.\d+)*$/, { error: "must be a version like 8.0 or 17" })
      .optional()
      .describe("Engine version. Default: 8.0 for mysql, 17 for postgres."),
    size: dbSize.default("small"),
    backups: z
      .strictObject({
        retentionDays: z
          .int()
          .min(0)
          .max(35)
          .default(7)
          .describe("Days of automated backups to keep (Aurora/RDS from `render terraform`: backup retention and point-in-time restore)."),
        keep: z
          .int()
          .min(1)
          .max(10000)
          .default(7)
          .describe(
            "`slipway db backup` (local target): the newest backups kept; older ones (with their manifests) are removed after a successful backup. `--keep` overrides it.",
          ),
        s3: z
          .strictObject({
            bucket: z
              .string()
              .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" })
              .describe("Bucket the dumps are copied to (it must exist; slipway does not create it)."),
            prefix: z
              .string()
              .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, {
                error: "must be a key prefix like shop/production: letters, digits, '.', '_', '-', separated by '/'",
              })
              .max(200)
              .optional()
              .describe("Key prefix of the copies. Default: <name>/<environment>."),
            region: z
              .string()
              .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region like eu-west-2" })
              .optional()
              .describe("The bucket's region. Default: the AWS SDK's (AWS_REGION, the profile's region)."),
          })
          .optional()
          .describe(
            "`slipway db backup` (local target): copy each backup and its manifest to S3 (SHA-256 checked by S3, server-side encrypted). Credentials come from the AWS SDK's default chain.",
          ),
      })
      .prefault({})
      .describe("Automated backups."),
    name: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "must be a database name: lowercase letters, digits, '_'" })
      .optional()
      .describe("Database name. Default: the app name with '-' as '_'."),
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,31}$/, { error: "must be a user name: lowercase letters, digits, '_'" })
      .optional()
      .describe("The app's own least-privilege user. Default: <name>_app. Never the admin user."),
    adminUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,31}$/, { error: "must be a user name: lowercase letters, digits, '_'" })
      .default("slipway_admin")
      .describe("Admin user, used only by setup; the app never connects as it."),
    cidr: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR like 10.0.0.0/16" })
      .default("10.0.0.0/16")
      .describe("Where the database lives (for network policy egress): the VPC range by default."),
    urlScheme: z
      .string()
      .regex(/^[a-z][a-z0-9+.-]{0,31}$/, { error: "must be a URL scheme like postgresql, mysql2 or mysql+pymysql" })
      .optional()
      .describe(
        "Scheme of DATABASE_URL, as the app's framework or driver expects it: e.g. postgresql (SQLAlchemy, psycopg, node-postgres, Prisma, Django), mysql2 (Rails), mysql+pymysql (SQLAlchemy with PyMySQL), mysql (most others). Default: postgresql for postgres, mysql for mysql.",
      ),
  })
  .describe("The app's database. Connection details reach the app as DB_* and DATABASE_URL env vars.");

export const ingressSchema = z
  .strictObject({
    host: z
      .string()
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, { error: "must be a host name like shop.example.com" })
      .describe("Public host name."),
    tls: z.boolean().default(true).describe("Serve HTTPS (and redirect HTTP to it)."),
    certificate: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Certificate: an ACM ARN for alb, a TLS Secret name for nginx. Default: ACM discovery (alb) or <name>-tls (nginx, cert-manager).",
      ),
    class: z.enum(["alb", "nginx"]).default("alb").describe("Ingress controller: AWS Load Balancer Controller or ingress-nginx."),
    scheme: z.enum(["internet-facing", "internal"]).default("internet-facing").describe("ALB scheme."),
    paths: z.array(httpPath).min(1).default(["/"]).describe("Path prefixes routed to the app."),
    sourceCidr: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR like 10.0.0.0/16" })
      .default("10.0.0.0/16")
      .describe("Where load-balancer traffic comes from, for the network policy (alb: the VPC range)."),
    clusterIssuer: z
      .string()
      .min(1)
      .default("letsencrypt")
      .describe("cert-manager ClusterIssuer for nginx TLS when no certificate is given."),
  })
  .describe("Public HTTP(S) entry point.");

const ipv4Cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR like 10.0.0.0/16" });

/** AWS infrastructure for `slipway render terraform` and `slipway infra`; see docs/infra.md. */
export const infraSchema = z
  .strictObject({
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: "must be an AWS region like eu-west-2" })
      .describe("AWS region everything is created in."),
    accountId: z
      .string()
      .regex(/^\d{12}$/, { error: "must be a 12-digit AWS account ID" })
      .optional()
      .describe("AWS account ID. Default: app.aws.accountId, else the account of an ECR app.image."),
    tier: z
      .enum(["production", "staging"])
      .default("production")
      .describe(
        "Resilience and cost: production (one NAT gateway per zone, a second database instance in another zone, deletion protection) or staging (one NAT gateway, one database instance, 2 zones allowed).",
      ),
    state: z
      .strictObject({
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" })
          .optional()
          .describe("S3 bucket of the Terraform state (`slipway infra bootstrap` creates it). Default: <name>-tfstate-<accountId>."),
        key: z
          .string()
          .regex(/^[A-Za-z0-9!_.*'()/-]{1,1024}$/, { error: "must be an S3 object key of letters, digits and / - _ . * ' ( ) !" })
          .optional()
          .describe("Object key of this environment's state. Default: <name>/<environment>/terraform.tfstate."),
      })
      .prefault({})
      .describe("Remote state: an S3 backend with S3-native locking (use_lockfile), no DynamoDB table."),
    network: z
      .strictObject({
        cidr: ipv4Cidr.default("10.0.0.0/16").describe("VPC address range, split into public, private and database subnets."),
        zones: z.int().min(2).max(3).default(3).describe("Availability zones: 3, or 2 with tier staging."),
      })
      .prefault({})
      .describe("The VPC."),
    cluster: z
      .strictObject({
        name: dnsLabel.optional().describe("EKS cluster name. Default: <name>-<environment>."),
        version: z
          .string()
          .regex(/^1\.\d{2}$/, { error: "must be a Kubernetes minor version like 1.33" })
          .default("1.33")
          .describe("Kubernetes version of the EKS control plane."),
        compute: z
          .enum(["managed-nodes", "auto-mode", "fargate"])
          .default("managed-nodes")
          .describe("Where pods run: an EKS managed node group, EKS Auto Mode, or Fargate."),
        publicAccessCidrs: z
          .array(ipv4Cidr)
          .default([])
          .describe("Address ranges that may reach the API endpoint from the internet. Empty: the endpoint is private only."),
        nodes: z
          .strictObject({
            instanceTypes: z
              .array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, { error: "must be an EC2 instance type like m7i.large" }))
              .min(1)
              .default(["m7i.large"])
              .describe("Instance types of the managed node group."),
            min: z.int().min(1).max(100).default(2).describe("Minimum nodes."),
            max: z.int().min(1).max(100).default(4).describe("Maximum nodes."),
          })
          .prefault({})
          .describe("The managed node group (compute: managed-nodes)."),
        admins: z
          .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, { error: "must be an IAM role or user ARN" }))
          .default([])
          .describe("IAM principals given cluster-admin through EKS access entries (the creator is not kept as admin)."),
      })
      .prefault({})
      .describe("The EKS cluster."),
    database: z
      .strictObject({
        service: z
          .enum(["aurora", "rds"])
          .default("aurora")
          .describe("Amazon Aurora (terraform-aws-rds-aurora) or a plain RDS instance (terraform-aws-rds)."),
        deletionProtection: z
          .boolean()
          .optional()
          .describe("Refuse to delete the database. Default: true, in staging too (false is reported by `slipway check`, SLW-TF-006)."),
      })
      .prefault({})
      .describe("How the spec's `database` is run on AWS (engine, version, size and backups come from `database`)."),
    registry: z
      .strictObject({
        keepImages: z.int().min(1).max(10000).default(30).describe("Tagged images the lifecycle policy keeps (the newest)."),
        untaggedDays: z.int().min(1).max(3650).default(7).describe("Days after which untagged images expire."),
      })
      .prefault({})
      .describe("The ECR repository of app.image (immutable tags, scan on push)."),
    dnsZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,32}$/, { error: "must be a Route 53 hosted zone ID like Z0123456789ABCDEFGHIJ" })
      .optional()
      .describe("Route 53 hosted zone of ingress.host: the ACM certificate is then validated by DNS records created there."),
    kms: z
      .boolean()
      .default(false)
      .describe(
        "Create one customer-managed KMS key for EKS secrets, the database, logs and the registry. Default: AWS-managed keys (EKS creates its own secrets key).",
      ),
    logRetentionDays: z.int().min(1).max(3653).default(90).describe("Days to keep control-plane and VPC flow logs."),
  })
  .describe(
    "AWS infrastructure (VPC, EKS, database, ECR, IAM, ACM) rendered by `slipway render terraform`. Overlay per environment under environments.<name>.infra.",
  );

const promName = (what: string) =>
  z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: `must be a Prometheus ${what} name: letters, digits, '_' and ':'` });

/** Service level objectives: `slipway render observability` turns them into alerts and a dashboard; see docs/observability.md. */
export const sloSchema = z
  .strictObject({
    availability: z
      .number()
      .min(50)
      .max(99.999)
      .refine(hasAtMostThreeDecimals, {
        error: "must have at most three decimals, like 99.9 or 99.95",
      })
      .describe("Availability target, percent of requests answered without a 5xx over the window (e.g. 99.9)."),
    latencyP99Ms: z
      .int()
      .min(1)
      .max(600000)
      .optional()
      .describe("Latency target: the 99th percentile of request duration stays under this many milliseconds. Needs a duration histogram."),
    window: z
      .string()
      .regex(/^([1-9]|[1-8][0-9]|90)d$/, { error: "must be a number of days from 1d to 90d, like 30d" })
      .default("30d")
      .describe("The SLO window; burn rates are scaled to it (the SRE workbook's 14.4 / 6 / 3 / 1 are for 30d)."),
    requests: z
      .strictObject({
        source: z
          .enum(["app", "ingress-nginx"])
          .optional()
          .describe(
            "Where request metrics come from: the app's own /metrics (app.metrics, scraped by the ServiceMonitor) or the ingress-nginx controller. Default: ingress-nginx when ingress.class is nginx, else app.",
          ),
        counter: promName("metric")
          .optional()
          .describe(
            "Request counter with a status label (source app). Default: http_requests_total. ingress-nginx: nginx_ingress_controller_requests.",
          ),
        statusLabel: promName("label")
          .optional()
          .describe("Label of the counter holding the HTTP status code (source app). Default: status (ingress-nginx: status)."),
        histogram: promName("metric")
          .optional()
          .describe(
            "Request duration histogram in seconds, without _bucket (source app), for latencyP99Ms and the dashboard. Default: http_request_duration_seconds. ingress-nginx: nginx_ingress_controller_request_duration_seconds.",
          ),
      })
      .prefault({})
      .describe("The request metrics the SLO counts; see docs/observability.md for what each source assumes."),
  })
  .describe(
    "Service level objectives, rendered by `slipway render observability` as multi-window multi-burn-rate alerts (PrometheusRule) and a Grafana dashboard. Overlay per environment under environments.<name>.slo.",
  );

/** Log shipping: `slipway render observability` renders values for the chosen agent's Helm chart. */
export const logsSchema = z
  .strictObject({
    via: z
      .enum(["fluent-bit", "cloudwatch", "none"])
      .default("none")
      .describe(
        "How container logs leave the node: Fluent Bit (values for the fluent/fluent-bit chart), CloudWatch Container Insights (values for the amazon-cloudwatch-observability chart or EKS add-on, needs an infra block), or none.",
      ),
    output: z
      .enum(["loki", "opensearch", "forward"])
      .default("loki")
      .describe("Fluent Bit output plugin: loki, opensearch, or forward (to a Fluentd / Fluent Bit aggregator)."),
    host: z
      .string()
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        error: "must be a host name like loki-gateway.monitoring",
      })
      .optional()
      .describe("Host Fluent Bit sends to (required with via: fluent-bit)."),
    port: port.optional().describe("Port of the host. Default: 3100 (loki), 9200 (opensearch), 24224 (forward)."),
    tls: z.boolean().default(false).describe("Use TLS towards the host."),
  })
  .describe("Log shipping for the app's containers. Overlay per environment under environments.<name>.logs.");

const secretSourceSchema = z
  .union([
    z.strictObject({ env: z.strictObject({}).describe("Secret values are read from slipway's own environment at deploy time.") }),
    z.strictObject({ "env-file": z.string().min(1).describe("Path of a dotenv file outside the repository (mode 0600).") }),
    z.strictObject({
      "aws-secrets-manager": z.strictObject({
        prefix: z.string().min(1).describe("Name prefix: each secret NAME is read from <prefix>NAME."),
        refreshInterval: z
          .string()
          .regex(/^\d+[smh]$/)
          .default("1h")
          .describe("How often External Secrets refreshes."),
        store: z.string().min(1).default("aws-secrets-manager").describe("Name of the ClusterSecretStore."),
      }),
    }),
    z.strictObject({ "kubernetes-secret": dnsLabel.describe("Name of an existing Secret holding one key per secret name.") }),
  ])
  .describe("Where secret values come from: env, env-file, aws-secrets-manager or kubernetes-secret.");

const kubernetesTargetSchema = z
  .strictObject({
    type: z.literal("kubernetes").optional().describe("Target type; may be omitted when the target is named 'kubernetes'."),
    context: z.string().min(1).optional().describe("kubeconfig context. Default: the current context."),
    namespace: dnsLabel.optional().describe("Namespace. Default: the app name."),
  })
  .describe("A Kubernetes cluster.");

const localTargetSchema = z
  .strictObject({
    type: z.literal("local").optional().describe("Target type; may be omitted when the target is named 'local'."),
    port: port.default(4000).describe("Port of the local reverse proxy."),
    prepare: commandLine
      .optional()
      .describe("Command run in each release's copy of the app before it starts (e.g. [npm, ci, --omit=dev])."),
    path: z
      .array(releaseFolder)
      .default([])
      .describe(
        "Folders of the release's copy of the app put first on PATH, in this order, for prepare, release commands and the app (e.g. [.venv/bin], so the app's own gunicorn and flask run rather than the system's).",
      ),
    trustedProxies: z
      .array(addressOrRange)
      .default([])
      .describe(
        "Addresses (or CIDR ranges) of proxies in front of the local proxy whose X-Forwarded-For / Forwarded chain is kept and appended to. From any other client the chain is replaced by the client's own address.",
      ),
  })
  .describe("This machine: processes behind a local proxy, with an embedded database.");

/** `user@server[:port]`: a user name, a host name or [IPv6] address, an optional port. */
const sshDestination = z
  .string()
  .regex(/^(?:[a-z_][a-z0-9_.-]{0,31}@)?(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/, {
    error: "must be user@server or user@server:port (e.g. deploy@203.0.113.7:22)",
  });

const hostTargetSchema = z
  .strictObject({
    type: z.literal("host").describe("Target type: one server reached over SSH."),
    ssh: sshDestination.describe("Where slipway connects: user@server[:port] (port 22 when omitted)."),
    identity: z
      .string()
      .min(1)
      .optional()
      .describe("Private key file for SSH, relative to slipway.yaml or absolute. Default: the SSH agent and ~/.ssh/config."),
    knownHosts: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The known_hosts file slipway pins the server's key in, relative to slipway.yaml or absolute. Default: .slipway/known_hosts beside slipway.yaml. A first connection needs --accept-host-key.",
      ),
    runtime: z.enum(["podman", "docker"]).default("podman").describe("The container runtime on the server."),
    imageTransfer: z
      .enum(["auto", "pull", "copy"])
      .default("auto")
      .describe(
        "How a deploy brings an image the server does not have: auto (copied from this machine with `save | ssh load` when this machine has it, else pulled from its registry on the server), pull (always `runtime pull` on the server, with host.env's settings: registries.conf, credentials from `runtime login` there), copy (only `save | ssh load`; never pulls). An image already on the server is used as it is.",
      ),
    port: port
      .default(80)
      .describe("Port the proxy on the server listens on for the app's traffic (with TLS: plain HTTP, redirected to HTTPS)."),
    tls: z
      .enum(["acme", "internal", "off"])
      .optional()
      .describe(
        "HTTPS for ingress.host, when the environment has `ingress` with `tls: true`: acme (a public certificate from Let's Encrypt or ZeroSSL, obtained and renewed by Caddy; ingress.host must resolve to the server and `port`/`httpsPort` be reachable as 80/443 from the internet), internal (Caddy's own local CA: staging and tests, clients must trust its root certificate), off (plain HTTP on `port`). Default: acme in an environment marked `production: true`, else off.",
      ),
    httpsPort: port.default(443).describe("Port the proxy serves HTTPS on when TLS is on."),
    acmeEmail: z
      .string()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { error: "must be an email address" })
      .optional()
      .describe("Email of the ACME account (the certificate authority's expiry notices), with tls: acme."),
    dir: z
      .string()
      .regex(/^\/[^\0]*$/, { error: "must be an absolute path on the server" })
      .default("/var/lib/slipway")
      .describe(
        "Folder on the server for slipway's state (release history, lock, proxy, env files), one subfolder per app and environment.",
      ),
    database: z
      .strictObject({
        image: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._/:@-]*$/i, { error: "must be an image reference like docker.io/library/postgres:17" })
          .optional()
          .describe(
            "Image of the database accessory. Default: the official image of the spec's engine version (docker.io/library/postgres:<major>). Another image must keep its layout: a postgres user, initdb, postgres, pg_isready and psql on PATH, /var/lib/postgresql/data writable by that user.",
          ),
      })
      .prefault({})
      .describe("The database accessory: the spec's `database` run as a container beside the app (created by `slipway host setup`)."),
    proxy: z
      .strictObject({
        image: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._/:@-]*$/i, { error: "must be an image reference like docker.io/library/caddy:2.11" })
          .optional()
          .describe(
            "Image of the proxy container. Default: docker.io/library/caddy:2.11 (Caddy 2.7 or newer is needed: a switch renames a link Caddy reads at each request). Another image must have `caddy` on PATH.",
          ),
      })
      .prefault({})
      .describe("The proxy: Caddy as a container on the server's network, started by `slipway host setup` (or the first deploy)."),
  })
  .describe("One server over SSH: the app as containers behind a proxy (Caddy) on the server.");

export const targetSchema = z.union([kubernetesTargetSchema, localTargetSchema, hostTargetSchema]);

const environmentOverlayKeys = ["app", "database", "ingress", "infra", "slo", "logs"] as const;

/** An environment: which target, where secrets come from, and overrides of app/database/ingress. */
export const environmentSchema = z
  .strictObject({
    target: z.string().min(1).describe("Name of a target in `targets` (or the built-in 'kubernetes' / 'local')."),
    secretSource: secretSourceSchema.optional(),
    app: z.record(z.string(), z.unknown()).optional().describe("Overrides of `app` (deep merge; lists replace)."),
    database: z.record(z.string(), z.unknown()).optional().describe("Overrides of `database`."),
    ingress: z
      .union([z.record(z.string(), z.unknown()), z.null()])
      .optional()
      .describe("Overrides of `ingress`; null removes the ingress in this environment."),
    infra: z.record(z.string(), z.unknown()).optional().describe("Overrides of `infra` (deep merge; lists replace)."),
    slo: z
      .union([z.record(z.string(), z.unknown()), z.null()])
      .optional()
      .describe("Overrides of `slo`; null removes the SLO in this environment."),
    logs: z.record(z.string(), z.unknown()).optional().describe("Overrides of `logs`."),
    production: z
      .boolean()
      .optional()
      .describe(
        "A production environment: `slipway deploy` evaluates the `slipway golive` gates first and refuses to deploy while one fails (--force deploys anyway and records the overridden gates in history). Default: false.",
      ),
  })
  .describe("An environment: a target plus overrides of the base.");

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
  error: "must be an IAM role ARN like arn:aws:iam::123456789012:role/shop-deploy-staging",
});

/** The `ci:` block: what `slipway render ci` puts in the pipeline it renders. */
export const ciSchema = z
  .strictObject({
    defaultBranch: z
      .string()
      .regex(/^[\w][\w./-]{0,99}$/, { error: "must be a branch name like main" })
      .default("main")
      .describe("The branch that deploys: pushes to it build, push and promote the image; other branches get the pull request checks."),
    install: commandLine
      .optional()
      .describe("Command that installs the app's dependencies for lint and test (e.g. [npm, ci]). Default: none."),
    lint: commandLine.optional().describe("Lint command run on every pull request (e.g. [npm, run, lint]). Default: none."),
    test: commandLine.optional().describe("Test command run on every pull request (e.g. [npm, test]). Default: none."),
    provider: z
      .enum(["github", "gitlab"])
      .optional()
      .describe(
        "The CI system the pipeline runs on. With it (and the repository), `slipway render terraform` writes the CI roles' OIDC trust policies for that system into each environment's root. Default: none, and no CI roles are rendered.",
      ),
    environments: z
      .array(dnsLabel)
      .min(1)
      .optional()
      .describe(
        "Environments the default branch deploys to, in order; the first deploys after the build, each later one behind an approval, all with the same image digest. Default: every Kubernetes environment, in spec order.",
      ),
    aws: z
      .strictObject({
        region: z
          .string()
          .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "must be an AWS region like eu-west-2" })
          .optional()
          .describe("AWS region of the registry and clusters. Default: from an ECR app.image."),
        accountId: z
          .string()
          .regex(/^\d{12}$/, { error: "must be a 12-digit AWS account ID" })
          .optional()
          .describe("AWS account of the pipeline's roles. Default: from an ECR app.image."),
        roleName: z
          .string()
          .regex(/^[\w+=,.@{}-]{1,64}$/, { error: "must be an IAM role name, with {name} and {environment} placeholders" })
          .default("{name}-ci-{environment}")
          .describe(
            "Naming rule of the role each job assumes by OIDC: {name} is the app name, {environment} the environment (build for the image push, <env>-plan for the read-only infra plan, <env>-infra for the infra apply).",
          ),
        roles: z
          .record(z.string(), roleArn)
          .default({})
          .describe("Role ARNs by environment name (or build, <env>-plan, <env>-infra), winning over roleName."),
        oidcProvider: z
          .union([
            z.literal("create"),
            z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[\w./-]{1,255}$/, {
              error:
                "must be create or an IAM OIDC provider ARN like arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            }),
          ])
          .default("create")
          .describe(
            "The account's IAM OIDC identity provider for the CI system: create (the first environment's Terraform root in each account creates it, the others refer to it) or the ARN of an existing one (an account holds one provider per URL).",
          ),
        eksCluster: z
          .string()
          .regex(/^[\w{}-]{1,100}$/, { error: "must be an EKS cluster name, with {name} and {environment} placeholders" })
          .optional()
          .describe(
            "EKS cluster a Kubernetes environment deploys to (aws eks update-kubeconfig; the target's context names it). Default: the environment's infra cluster name, else {environment}.",
          ),
      })
      .prefault({})
      .describe("AWS access of the pipeline: OIDC roles only, never stored keys."),
    github: z
      .strictObject({
        subject: z
          .enum(["legacy", "immutable"])
          .default("legacy")
          .describe(
            "OIDC subject format the AWS trust policies match: legacy repo:ORG/REPO:… or immutable repo:ORG@ID/REPO@ID:… (survives a rename).",
          ),
        repository: z
          .string()
          .regex(/^[\w.-]+\/[\w.-]+$/, { error: "must be OWNER/REPO" })
          .optional()
          .describe("OWNER/REPO, for the OIDC subjects of the trust policies (`slipway render terraform`, `slipway ci checklist`)."),
        ownerId: z.int().min(1).optional().describe("Numeric owner ID, for the immutable subject format."),
        repositoryId: z.int().min(1).optional().describe("Numeric repository ID, for the immutable subject format."),
      })
      .prefault({})
      .describe("GitHub Actions settings."),
    gitlab: z
      .strictObject({
        image: z
          .string()
          .regex(/^[\w.-]+(:\d+)?(\/[\w.-]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, {
            error: "must be an image reference with a tag",
          })
          .optional()
          .describe(
            "Image of the job that runs install, lint and test (e.g. python:3.13-slim, ruby:3.4). Default: the Node.js image slipway runs in.",
          ),
        project: z
          .string()
          .regex(/^[\w.-]+(\/[\w.-]+)+$/, { error: "must be GROUP/PROJECT (subgroups allowed)" })
          .optional()
          .describe("GROUP/PROJECT (subgroups allowed), for the OIDC subjects of the trust policies: project_path:GROUP/PROJECT:…"),
        url: z
          .string()
          .regex(/^https:\/\/[a-z0-9.-]+(\/[\w.-]+)*$/, { error: "must be the GitLab instance's https:// URL, like https://gitlab.com" })
          .default("https://gitlab.com")
          .describe("The GitLab instance: the ID tokens' issuer, so the IAM OIDC provider's URL and the trust policies' condition keys."),
      })
      .prefault({})
      .describe("GitLab CI settings."),
  })
  .describe(
    "The CI/CD pipeline `slipway render ci` renders: checks on pull requests, one build, the same digest promoted through the environments.",
  );

export const waiverSchema = z.strictObject({
  rule: z
    .string()
    .regex(/^SLW-[A-Z0-9]+-\d{3}$/, { error: "must be a rule ID like SLW-K8S-031" })
    .describe("Rule ID."),
  reason: z.string().min(3).describe("Why the finding is accepted."),
  until: z.iso.date().optional().describe("Date (YYYY-MM-DD) after which the waiver expires."),
  path: z.string().optional().describe("Limit the waiver to findings in this file or object."),
});

export const specSchema = z
  .strictObject({
    name: dnsLabel.describe("App name: used for object names, labels and the database name."),
    app: appSchema,
    database: databaseSchema.optional(),
    ingress: ingressSchema.optional(),
    infra: infraSchema.optional(),
    slo: sloSchema.optional(),
    logs: logsSchema.optional(),
    environments: z
      .record(dnsLabel, environmentSchema)
      .refine(hasAnEntry, { error: "must name at least one environment" })
      .describe("Environments (staging, production, any name). Each picks a target and may override the base."),
    targets: z.record(dnsLabel, targetSchema).default({}).describe("Where environments deploy to."),
    checks: z
      .strictObject({
        waivers: z.array(waiverSchema).default([]).describe("Accepted findings, each with a reason."),
      })
      .optional()
      .describe("Settings of `slipway check`."),
    ci: ciSchema.optional(),
  })
  .describe("slipway.yaml: one typed spec for a containerized web app and its database.");

/** One environment's app, database and ingress after its overlay is merged onto the base. */
export const mergedSchema = z.strictObject({
  name: z.string(),
  app: appSchema,
  database: databaseSchema.optional(),
  ingress: ingressSchema.optional(),
  infra: infraSchema.optional(),
  slo: sloSchema.optional(),
  logs: logsSchema.optional(),
});

export { environmentOverlayKeys };

export type SpecInput = z.input<typeof specSchema>;
export type Spec = z.output<typeof specSchema>;
export type AppSpec = z.output<typeof appSchema>;
export type DatabaseSpec = z.output<typeof databaseSchema>;
export type IngressSpec = z.output<typeof ingressSchema>;
export type EnvironmentSpec = z.output<typeof environmentSchema>;
export type TargetSpec = z.output<typeof targetSchema>;
export type CiSpec = z.output<typeof ciSchema>;
export type SecretSourceSpec = z.output<typeof secretSourceSchema>;
export type MergedSpec = z.output<typeof mergedSchema>;
export type InfraSpec = z.output<typeof infraSchema>;
export type SloSpec = z.output<typeof sloSchema>;
export type LogsSpec = z.output<typeof logsSchema>;
