import type { AppModel } from "../../model/app-model.js";
import type { InfraSettings } from "../../model/infra.js";
import { type CiRole, ciAudience, ciIssuer, ciRoles, isEcrImage, trustPolicyDocument } from "../ci/oidc-roles.js";
import {
  blank,
  block,
  body,
  call,
  comment,
  type HclBlock,
  type HclItem,
  type HclObject,
  type HclValue,
  jsonComment,
  ref,
  writeHcl,
  writeTfJson,
} from "./hcl.js";
import {
  awsProviderVersion,
  helmProviderVersion,
  loadBalancerControllerChart,
  type ModuleRelease,
  moduleConstraint,
  modules,
  terraformVersion,
} from "./modules.js";

/*
 * One environment's AWS infrastructure as a Terraform root module: a folder <environment>/ of .tf
 * files (or .tf.json), each calling pinned terraform-aws-modules releases. One self-contained root
 * per environment rather than a shared local module: staging and production differ in a handful of
 * values (NAT gateways, database standby, deletion protection), and a reviewer reads each
 * environment's whole infrastructure in one folder, the diff of two folders being exactly that
 * difference. docs/infra.md explains the layout.
 */

/** One file of the root: a name without extension and its top-level blocks. */
export interface TerraformFile {
  name: string;
  blocks: (HclBlock | HclItem)[];
}

/** The root module of `model`'s environment (which must have `infra`), file by file. */
export function terraformRoot(model: AppModel): TerraformFile[] {
  const infra = model.infra;
  if (!infra) throw new Error(`environment ${model.environment} has no infra settings`);
  const c = new Context(model, infra);
  return [
    { name: "versions", blocks: versions(c) },
    { name: "main", blocks: main(c) },
    { name: "network", blocks: network(c) },
    { name: "cluster", blocks: cluster(c) },
    ...(model.database ? [{ name: "database", blocks: database(c) }] : []),
    { name: "registry", blocks: registry(c) },
    ...(model.aws ? [{ name: "app-iam", blocks: appIam(c) }] : []),
    ...(certificateWanted(model) ? [{ name: "certificate", blocks: certificate(c) }] : []),
    ...(c.ciRoles.length > 0 ? [{ name: "ci-iam", blocks: ciIam(c) }] : []),
    { name: "outputs", blocks: outputs(c) },
  ];
}

/** The root as files: `<environment>/<name>.tf`, or `.tf.json` with `json`. */
export function renderTerraform(model: AppModel, json = false): { path: string; content: string }[] {
  return terraformRoot(model).map((file) => ({
    path: `${model.environment}/${file.name}.${json ? "tf.json" : "tf"}`,
    content: json ? writeTfJson(file.blocks) : writeHcl(file.blocks),
  }));
}

class Context {
  readonly name: string;
  readonly production: boolean;
  /** The CI roles this root holds (ci.provider set, the spec names no ARN for them). */
  readonly ciRoles: CiRole[];
  constructor(
    readonly model: AppModel,
    readonly infra: InfraSettings,
  ) {
    this.name = infra.cluster.name;
    this.production = infra.tier === "production";
    const provider = model.ci.provider;
    this.ciRoles =
      provider === undefined
        ? []
        : ciRoles(model.ci, provider, isEcrImage(model.image.repository)).filter(
            (r) => r.home === model.environment && r.explicitArn === undefined,
          );
  }
  get kmsKey(): HclValue | undefined {
    return this.infra.kms ? ref("module.kms.key_arn") : undefined;
  }
}

function moduleBlock(label: string, release: ModuleRelease, ...items: Parameters<typeof body>): HclBlock {
  return block("module", [label], body(["source", release.source], ["version", moduleConstraint(release)], blank, ...items));
}

const tags = ref("local.tags");

function versions(c: Context): HclBlock[] {
  const { infra } = c;
  const providers: HclObject = {
    aws: { source: "hashicorp/aws", version: awsProviderVersion },
    ...(loadBalancerController(c) ? { helm: { source: "hashicorp/helm", version: helmProviderVersion } } : {}),
  };
  const out: HclBlock[] = [
    block(
      "terraform",
      [],
      body(
        ["required_version", terraformVersion],
        block("required_providers", [], body(...Object.entries(providers).map(([name, value]) => [name, value] as const))),
        block(
          "backend",
          ["s3"],
          body(
            ["bucket", infra.stateBucket],
            ["key", infra.stateKey],
            ["region", infra.region],
            ["encrypt", true],
            // S3-native state locking (a .tflock object beside the state): no DynamoDB table.
            ["use_lockfile", true],
          ),
        ),
      ),
    ),
    block(
      "provider",
      ["aws"],
      body(
        ["region", infra.region],
        ["allowed_account_ids", infra.accountId ? [infra.accountId] : undefined],
        block("default_tags", [], body(["tags", tags])),
      ),
    ),
  ];
  if (loadBalancerController(c)) {
    out.push(
      block(
        "provider",
        ["helm"],
        body([
          "kubernetes",
          {
            host: ref("module.eks.cluster_endpoint"),
            cluster_ca_certificate: call("base64decode", ref("module.eks.cluster_certificate_authority_data")),
            exec: {
              api_version: "client.authentication.k8s.io/v1beta1",
              command: "aws",
              args: ["eks", "get-token", "--cluster-name", ref("module.eks.cluster_name"), "--region", infra.region],
            },
          },
        ]),
      ),
    );
  }
  return out;
}

function main(c: Context): (HclBlock | HclItem)[] {
  const { model, infra } = c;
  const out: (HclBlock | HclItem)[] = [
    comment(
      `Rendered by slipway from slipway.yaml (environment ${model.environment}, tier ${infra.tier}). Edit the spec and render again.`,
    ),
    block(
      "locals",
      [],
      body(
        ["name", c.name],
        ["azs", call("slice", ref("data.aws_availability_zones.available.names"), 0, infra.network.zones)],
        ["tags", { App: model.name, Environment: model.environment, ManagedBy: "slipway" }],
      ),
    ),
    block(
      "data",
      ["aws_availability_zones", "available"],
      body(block("filter", [], body(["name", "opt-in-status"], ["values", ["opt-in-not-required"]]))),
    ),
  ];
  if (infra.kms) {
    out.push(
      moduleBlock(
        "kms",
        modules.kms,
        ["description", `${c.name}: EKS secrets, database storage and secrets, container images`],
        ["aliases", [`slipway/${c.name}`]],
        ["enable_key_rotation", true],
        ["deletion_window_in_days", 30],
        ["tags", tags],
      ),
    );
  }
  return out;
}

function network(c: Context): (HclBlock | HclItem)[] {
  const { infra } = c;
  const zones = infra.network.zones;
  const cidr = infra.network.cidr;
  const indexes = Array.from({ length: zones }, (_, i) => i);
  const single = infra.natGateways === "single";
  return [
    comment(
      single
        ? "Staging: one NAT gateway for the VPC (a zone outage cuts the other zones' egress; accepted to save cost)."
        : "Production: one NAT gateway per availability zone, so losing a zone leaves the others their egress.",
    ),
    moduleBlock(
      "vpc",
      modules.vpc,
      ["name", c.name],
      ["cidr", cidr],
      ["azs", ref("local.azs")],
      ["private_subnets", indexes.map((i) => subnet(cidr, 4, i))],
      ["public_subnets", indexes.map((i) => subnet(cidr, 8, 48 + i))],
      ["database_subnets", indexes.map((i) => subnet(cidr, 8, 52 + i))],
      blank,
      ["enable_nat_gateway", true],
      ["single_nat_gateway", single],
      ["one_nat_gateway_per_az", !single],
      ["enable_dns_hostnames", true],
      ["enable_dns_support", true],
      ["create_database_subnet_group", true],
      blank,
      // Where the AWS Load Balancer Controller puts internet-facing and internal load balancers.
      ["public_subnet_tags", { "kubernetes.io/role/elb": 1 }],
      ["private_subnet_tags", { "kubernetes.io/role/internal-elb": 1 }],
      ["tags", tags],
    ),
    moduleBlock(
      "vpc_flow_log",
      modules.flowLog,
      ["name", `${c.name}-vpc`],
      ["vpc_id", ref("module.vpc.vpc_id")],
      ["traffic_type", "ALL"],
      ["log_destination_type", "cloud-watch-logs"],
      ["cloudwatch_log_group_retention_in_days", infra.logRetentionDays],
      ["tags", tags],
    ),
  ];
}

/** cidrsubnet(cidr, newbits, index), computed here so the plan shows plain ranges. */
export function subnet(cidr: string, newbits: number, index: number): string {
  const [address = "", prefixText = ""] = cidr.split("/");
  const prefix = Number(prefixText);
  const base = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = prefix + newbits;
  if (size > 28 || index >= 2 ** newbits) throw new Error(`${cidr} has no subnet ${index} of /${size}`);
  const network = (base >>> 0) - ((base >>> 0) % 2 ** (32 - prefix)) + index * 2 ** (32 - size);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256);
  return `${octets.join(".")}/${size}`;
}

/** Whether the root installs the AWS Load Balancer Controller: everywhere but Auto Mode, which brings its own. */
function loadBalancerController(c: Context): boolean {
  return c.infra.cluster.compute !== "auto-mode";
}

const allControlPlaneLogs = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

function cluster(c: Context): (HclBlock | HclItem)[] {
  const { model, infra } = c;
  const compute = infra.cluster.compute;
  const publicCidrs = infra.cluster.publicAccessCidrs;
  // Pod Identity needs its agent on nodes; Auto Mode runs it itself; Fargate has no Pod Identity.
  const addons: HclObject = {
    coredns: {},
    "kube-proxy": {},
    "vpc-cni": { before_compute: true },
    ...(compute === "managed-nodes" ? { "eks-pod-identity-agent": { before_compute: true } } : {}),
  };
  const accessEntries: HclObject = Object.fromEntries([
    ...infra.cluster.admins.map((arn, i) => [
      `admin_${i + 1}`,
      {
        principal_arn: arn,
        policy_associations: {
          cluster_admin: {
            policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            access_scope: { type: "cluster" },
          },
        },
      },
    ]),
    // The pipeline's deploy role edits the app's namespace only (ci-iam.tf).
    ...c.ciRoles
      .filter((r) => r.kind === "deploy")
      .map((r) => [
        "ci_deploy",
        {
          principal_arn: ref(`aws_iam_role.${ciRoleResource(r)}.arn`),
          policy_associations: {
            edit: {
              policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
              access_scope: { type: "namespace", namespaces: [model.namespace] },
            },
          },
        },
      ]),
  ]);
  const out: (HclBlock | HclItem)[] = [
    moduleBlock(
      "eks",
      modules.eks,
      ["name", c.name],
      ["kubernetes_version", infra.cluster.version],
      blank,
      ["vpc_id", ref("module.vpc.vpc_id")],
      ["subnet_ids", ref("module.vpc.private_subnets")],
      blank,
      comment(
        publicCidrs.length > 0
          ? "The API endpoint: private inside the VPC, and public only to the ranges the spec lists."
          : "The API endpoint is private: reachable only from inside the VPC (or a peered network / VPN).",
      ),
      ["endpoint_private_access", true],
      ["endpoint_public_access", publicCidrs.length > 0],
      ["endpoint_public_access_cidrs", publicCidrs.length > 0 ? publicCidrs : undefined],
      blank,
      ["enabled_log_types", allControlPlaneLogs],
      ["cloudwatch_log_group_retention_in_days", infra.logRetentionDays],
      ["encryption_config", c.kmsKey ? { provider_key_arn: c.kmsKey, resources: ["secrets"] } : { resources: ["secrets"] }],
      ["create_kms_key", !infra.kms],
      blank,
      ["authentication_mode", "API"],
      comment("Whoever applies this root administers the cluster: the Helm release below needs it."),
      ["enable_cluster_creator_admin_permissions", true],
      ["access_entries", accessEntries],
      blank,
      ["addons", addons],
      compute === "managed-nodes"
        ? [
            "eks_managed_node_groups",
            {
              default: {
                instance_types: infra.cluster.nodes.instanceTypes,
                ami_type: infra.cluster.nodes.instanceTypes.every((t) => /^[a-z]+\d+g/.test(t))
                  ? "AL2023_ARM_64_STANDARD"
                  : "AL2023_x86_64_STANDARD",
                min_size: infra.cluster.nodes.min,
                max_size: infra.cluster.nodes.max,
                desired_size: infra.cluster.nodes.min,
              },
            },
          ]
        : undefined,
      compute === "auto-mode" ? ["compute_config", { enabled: true, node_pools: ["general-purpose", "system"] }] : undefined,
      compute === "fargate"
        ? [
            "fargate_profiles",
            {
              app: { selectors: [{ namespace: model.namespace }] },
              system: { selectors: [{ namespace: "kube-system" }] },
            },
          ]
        : undefined,
      ["tags", tags],
    ),
  ];
  if (loadBalancerController(c)) out.push(...loadBalancerControllerBlocks(c));
  return out;
}

function loadBalancerControllerBlocks(c: Context): (HclBlock | HclItem)[] {
  const serviceAccount = "aws-load-balancer-controller";
  const fargate = c.infra.cluster.compute === "fargate";
  const iam = fargate
    ? moduleBlock(
        "aws_load_balancer_controller_irsa",
        modules.irsa,
        ["name", `${c.name}-aws-lbc`],
        ["attach_load_balancer_controller_policy", true],
        [
          "oidc_providers",
          { main: { provider_arn: ref("module.eks.oidc_provider_arn"), namespace_service_accounts: [`kube-system:${serviceAccount}`] } },
        ],
        ["tags", tags],
      )
    : moduleBlock(
        "aws_load_balancer_controller_pod_identity",
        modules.podIdentity,
        ["name", `${c.name}-aws-lbc`],
        ["attach_aws_lb_controller_policy", true],
        [
          "associations",
          { controller: { cluster_name: ref("module.eks.cluster_name"), namespace: "kube-system", service_account: serviceAccount } },
        ],
        ["tags", tags],
      );
  const values: [string, HclValue][] = [
    ["clusterName", ref("module.eks.cluster_name")],
    ["region", c.infra.region],
    ["vpcId", ref("module.vpc.vpc_id")],
    ["serviceAccount.name", serviceAccount],
  ];
  if (fargate)
    values.push(["serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn", ref("module.aws_load_balancer_controller_irsa.arn")]);
  return [
    comment(
      fargate
        ? "The AWS Load Balancer Controller, its IAM role through IRSA (Fargate has no EKS Pod Identity)."
        : "The AWS Load Balancer Controller (ingress class alb), its IAM role through EKS Pod Identity.",
    ),
    iam,
    block(
      "resource",
      ["helm_release", "aws_load_balancer_controller"],
      body(
        ["name", "aws-load-balancer-controller"],
        ["repository", loadBalancerControllerChart.repository],
        ["chart", loadBalancerControllerChart.chart],
        ["version", loadBalancerControllerChart.version],
        ["namespace", "kube-system"],
        blank,
        ["set", values.map(([name, value]) => ({ name, value }))],
        blank,
        ["depends_on", [ref(fargate ? "module.aws_load_balancer_controller_irsa" : "module.aws_load_balancer_controller_pod_identity")]],
      ),
    ),
  ];
}

/** The security group the database admits: the nodes' (managed nodes), else the cluster's primary one (Auto Mode, Fargate). */
function clientSecurityGroup(c: Context): HclValue {
  return c.infra.cluster.compute === "managed-nodes"
    ? ref("module.eks.node_security_group_id")
    : ref("module.eks.cluster_primary_security_group_id");
}

/** The instance class of a size class (an explicit class such as db.r6g.large is used as it is). */
export const instanceClasses: Record<string, string> = { small: "db.t4g.medium", medium: "db.r7g.large", large: "db.r7g.xlarge" };

function database(c: Context): (HclBlock | HclItem)[] {
  const { model, infra } = c;
  const db = model.database;
  if (!db) return [];
  const aurora = infra.database.service === "aurora";
  const engine = aurora ? `aurora-${db.engine === "mysql" ? "mysql" : "postgresql"}` : db.engine;
  const instanceClass = instanceClasses[db.size] ?? db.size;
  const logs = db.engine === "mysql" ? ["audit", "error", "slowquery"] : ["postgresql"];
  const common = {
    backup: ["backup_retention_period", db.backupRetentionDays] as const,
    protection: ["deletion_protection", infra.database.deletionProtection] as const,
  };
  const out: (HclBlock | HclItem)[] = [
    comment(`The version AWS runs for database.version ${db.version} (the newest ${engine} ${db.version}.x).`),
    block("data", ["aws_rds_engine_version", "database"], body(["engine", engine], ["version", db.version], ["latest", true])),
    comment("Only the cluster's pods reach the database: no CIDR, no public address."),
    block(
      "resource",
      ["aws_security_group", "database"],
      body(
        ["name_prefix", `${c.name}-database-`],
        ["description", `${engine} of ${c.name}: reachable from the EKS cluster only`],
        ["vpc_id", ref("module.vpc.vpc_id")],
        ["tags", call("merge", tags, { Name: `${c.name}-database` })],
      ),
    ),
    block(
      "resource",
      ["aws_vpc_security_group_ingress_rule", "database_from_cluster"],
      body(
        ["security_group_id", ref("aws_security_group.database.id")],
        ["referenced_security_group_id", clientSecurityGroup(c)],
        ["ip_protocol", "tcp"],
        ["from_port", db.port],
        ["to_port", db.port],
        ["description", `${db.engine} from the cluster`],
      ),
    ),
  ];
  const admin = [
    ["master_username", db.adminUser] as const,
    // RDS keeps the admin password in Secrets Manager; only the setup phase reads it (docs/infra.md).
    ["manage_master_user_password", true] as const,
    ["master_user_secret_kms_key_id", c.kmsKey] as const,
  ];
  if (aurora) {
    out.push(
      comment(
        c.infra.database.multiAz
          ? "Production: a writer and a reader in different zones; Aurora fails over to the reader."
          : "Staging: one instance (no standby); a zone outage stops the database until it is restored.",
      ),
      moduleBlock(
        "database",
        modules.aurora,
        ["name", `${c.name}`],
        ["engine", engine],
        ["engine_version", ref("data.aws_rds_engine_version.database.version_actual")],
        ["cluster_instance_class", instanceClass],
        ["instances", c.infra.database.multiAz ? { one: {}, two: {} } : { one: {} }],
        blank,
        ["database_name", db.name],
        ["port", String(db.port)],
        ...admin,
        blank,
        ["vpc_id", ref("module.vpc.vpc_id")],
        ["db_subnet_group_name", ref("module.vpc.database_subnet_group_name")],
        ["create_security_group", false],
        ["vpc_security_group_ids", [ref("aws_security_group.database.id")]],
        blank,
        ["storage_encrypted", true],
        ["kms_key_id", c.kmsKey],
        common.backup,
        common.protection,
        ["skip_final_snapshot", false],
        ["final_snapshot_identifier", `${c.name}-final`],
        ["enabled_cloudwatch_logs_exports", logs],
        ["cloudwatch_log_group_retention_in_days", infra.logRetentionDays],
        ["tags", tags],
      ),
    );
  } else {
    out.push(
      comment(
        c.infra.database.multiAz
          ? "Production: Multi-AZ, a synchronous standby in another zone."
          : "Staging: a single-AZ instance (no standby).",
      ),
      moduleBlock(
        "database",
        modules.rds,
        ["identifier", c.name],
        ["engine", engine],
        ["engine_version", ref("data.aws_rds_engine_version.database.version_actual")],
        ["family", ref("data.aws_rds_engine_version.database.parameter_group_family")],
        ["create_db_option_group", false],
        ["instance_class", instanceClass],
        ["allocated_storage", 20],
        ["max_allocated_storage", 200],
        ["multi_az", c.infra.database.multiAz],
        blank,
        ["db_name", db.name],
        ["port", String(db.port)],
        ["username", db.adminUser],
        ["manage_master_user_password", true],
        ["master_user_secret_kms_key_id", c.kmsKey],
        blank,
        ["db_subnet_group_name", ref("module.vpc.database_subnet_group_name")],
        ["vpc_security_group_ids", [ref("aws_security_group.database.id")]],
        ["publicly_accessible", false],
        blank,
        ["storage_encrypted", true],
        ["kms_key_id", c.kmsKey],
        common.backup,
        common.protection,
        ["skip_final_snapshot", false],
        ["enabled_cloudwatch_logs_exports", logs],
        ["cloudwatch_log_group_retention_in_days", infra.logRetentionDays],
        ["tags", tags],
      ),
    );
  }
  return out;
}

/** The ECR repository: the path of an ECR app.image, else the app name. */
export function repositoryName(model: AppModel): string {
  const m = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/(.+)$/.exec(model.image.repository);
  return m?.[1] ?? model.name;
}

function registry(c: Context): HclBlock[] {
  const { infra } = c;
  const policy = {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${infra.registry.untaggedDays} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: infra.registry.untaggedDays },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${infra.registry.keepImages} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: infra.registry.keepImages },
        action: { type: "expire" },
      },
    ],
  };
  return [
    moduleBlock(
      "ecr",
      modules.ecr,
      ["repository_name", repositoryName(c.model)],
      ["repository_image_tag_mutability", "IMMUTABLE"],
      ["repository_image_scan_on_push", true],
      ["repository_encryption_type", infra.kms ? "KMS" : "AES256"],
      ["repository_kms_key", c.kmsKey],
      ["repository_force_delete", false],
      comment("Nodes pull through their role's ECR read-only policy; no repository policy is needed."),
      ["create_repository_policy", false],
      ["attach_repository_policy", false],
      blank,
      ["create_lifecycle_policy", true],
      ["repository_lifecycle_policy", call("jsonencode", policy)],
      ["tags", tags],
    ),
  ];
}

/** The IAM actions for each access the spec can declare on a bucket, object- and bucket-level. */
const s3Actions: Record<"read" | "write" | "delete", { objects: string[]; bucket: string[] }> = {
  read: { objects: ["s3:GetObject"], bucket: ["s3:ListBucket"] },
  write: { objects: ["s3:PutObject", "s3:AbortMultipartUpload"], bucket: ["s3:ListBucketMultipartUploads"] },
  delete: { objects: ["s3:DeleteObject"], bucket: [] },
};

/** One statement per bucket for its objects and one for the bucket itself: exactly the declared buckets and actions. */
export function appPolicyStatements(model: AppModel): HclObject[] {
  const out: HclObject[] = [];
  for (const { bucket, access } of model.aws?.s3 ?? []) {
    const id = bucket.replace(/[^A-Za-z0-9]/g, "");
    const objects = access.flatMap((a) => s3Actions[a].objects).sort();
    const bucketActions = access.flatMap((a) => s3Actions[a].bucket).sort();
    out.push({ sid: `${id}Objects`, actions: objects, resources: [`arn:aws:s3:::${bucket}/*`] });
    if (bucketActions.length > 0) out.push({ sid: `${id}Bucket`, actions: bucketActions, resources: [`arn:aws:s3:::${bucket}`] });
  }
  return out;
}

function appIam(c: Context): (HclBlock | HclItem)[] {
  const { model } = c;
  const aws = model.aws;
  if (!aws) return [];
  const statements = appPolicyStatements(model);
  if (aws.identity === "pod-identity") {
    return [
      comment(`The app's IAM role, bound to service account ${model.namespace}/${model.name} through EKS Pod Identity.`),
      moduleBlock(
        "app_pod_identity",
        modules.podIdentity,
        ["name", aws.roleName],
        ["use_name_prefix", false],
        ["attach_custom_policy", statements.length > 0],
        ["policy_statements", statements.length > 0 ? statements : undefined],
        [
          "associations",
          { app: { cluster_name: ref("module.eks.cluster_name"), namespace: model.namespace, service_account: model.name } },
        ],
        ["tags", tags],
      ),
    ];
  }
  return [
    comment(
      `The app's IAM role, assumed by service account ${model.namespace}/${model.name} through IRSA (its annotation names this role).`,
    ),
    moduleBlock(
      "app_irsa",
      modules.irsa,
      ["name", aws.roleName],
      ["use_name_prefix", false],
      [
        "oidc_providers",
        { main: { provider_arn: ref("module.eks.oidc_provider_arn"), namespace_service_accounts: [`${model.namespace}:${model.name}`] } },
      ],
      ["create_policy", statements.length > 0],
      ["permissions", statements.length > 0 ? Object.fromEntries(statements.map((s) => [String(s.sid), s])) : undefined],
      ["tags", tags],
    ),
  ];
}

/** An ACM certificate when the ALB terminates TLS for ingress.host and the spec names no certificate. */
function certificateWanted(model: AppModel): boolean {
  const ingress = model.ingress;
  return ingress?.tls === true && ingress.class === "alb" && ingress.certificate === undefined;
}

function certificate(c: Context): (HclBlock | HclItem)[] {
  const host = c.model.ingress?.host ?? "";
  const zone = c.infra.dnsZoneId;
  return [
    comment(
      zone
        ? `The certificate of ${host}, validated by DNS records created in zone ${zone}.`
        : `The certificate of ${host}, validated by DNS: create the CNAME records ACM lists for it in the zone of ${host}.`,
    ),
    moduleBlock(
      "acm",
      modules.acm,
      ["domain_name", host],
      ["validation_method", "DNS"],
      ["zone_id", zone],
      ["create_route53_records", zone !== undefined],
      ["wait_for_validation", zone !== undefined],
      ["tags", tags],
    ),
  ];
}

/** The Terraform name of a CI role's resources: ci_<key>, dashes as underscores. */
export function ciRoleResource(role: Pick<CiRole, "key">): string {
  return `ci_${role.key.replace(/-/g, "_")}`;
}

const ecrPushActions = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:CompleteLayerUpload",
  "ecr:GetDownloadUrlForLayer",
  "ecr:InitiateLayerUpload",
  "ecr:PutImage",
  "ecr:UploadLayerPart",
];

const roleWords: Record<CiRole["kind"], string> = {
  build: "pushes the image to ECR (the publish job, on the default branch)",
  deploy: "deploys the app to this environment's cluster",
  plan: "plans this environment's Terraform, read-only",
  infra: "applies this environment's reviewed Terraform plan",
};

/**
 * The pipeline's roles in this root, each assumable only by the web identity token of the jobs
 * that use it (oidc-roles.ts decides the subjects), and the IAM OIDC provider they trust: created
 * here when this is the account's first root, else referred to.
 */
function ciIam(c: Context): (HclBlock | HclItem)[] {
  const { model, infra } = c;
  const ci = model.ci;
  const provider = ci.provider ?? "github";
  const issuer = ciIssuer(ci, provider);
  const first = ci.infraEnvironments.find((e) => e.accountId === infra.accountId);
  const creates = ci.aws.oidcProvider === "create" && first?.name === model.environment;
  const out: (HclBlock | HclItem)[] = [];
  let providerArn: HclValue;
  if (ci.aws.oidcProvider !== "create") {
    out.push(comment(`The ${issuer.url} OIDC provider exists already (ci.aws.oidcProvider).`));
    providerArn = ci.aws.oidcProvider;
  } else if (creates) {
    out.push(
      comment(
        `The account's OIDC identity provider for ${issuer.url}: one per account, created by this root (the account's first environment in ci.environments).`,
      ),
      block(
        "resource",
        ["aws_iam_openid_connect_provider", "ci"],
        body(["url", issuer.url], ["client_id_list", [ciAudience]], ["tags", tags]),
      ),
    );
    providerArn = ref("aws_iam_openid_connect_provider.ci.arn");
  } else {
    out.push(comment(`The ${issuer.url} OIDC provider is created by the root of ${first?.name ?? "the account's first environment"}.`));
    providerArn = infra.accountId
      ? `arn:aws:iam::${infra.accountId}:oidc-provider/${issuer.host}`
      : call("format", `arn:aws:iam::%s:oidc-provider/${issuer.host}`, ref("data.aws_caller_identity.current.account_id"));
    if (!infra.accountId) out.push(block("data", ["aws_caller_identity", "current"], []));
  }
  const stateBucket = `arn:aws:s3:::${infra.stateBucket}`;
  const stateRead = [
    { Sid: "StateList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [stateBucket] },
    { Sid: "StateRead", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${stateBucket}/${infra.stateKey}`] },
  ];
  for (const role of c.ciRoles) {
    const id = ciRoleResource(role);
    const sub = role.conditions.find((x) => x.variable.endsWith(":sub"));
    out.push(
      comment(
        `${role.key}: ${roleWords[role.kind]}. Assumed only by a token with aud ${ciAudience} and sub ${(sub?.values ?? []).join(" or ")}.`,
      ),
    );
    out.push(
      block(
        "resource",
        ["aws_iam_role", id],
        body(
          sub?.test === "StringLike"
            ? jsonComment(
                "slipway:waive SLW-TF-031=read-only plan role: a GitLab merge request pipeline's subject names its source branch, so only a pattern over this project's branches matches it",
              )
            : undefined,
          ["name", role.name],
          ["description", `${model.name} CI: ${roleWords[role.kind]}`],
          ["max_session_duration", 3600],
          ["assume_role_policy", call("jsonencode", trustPolicyDocument(role, providerArn) as HclObject)],
          ["tags", tags],
        ),
      ),
    );
    const statements: HclObject[] = [];
    if (role.kind === "build") {
      statements.push(
        { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        { Sid: "EcrPush", Effect: "Allow", Action: ecrPushActions, Resource: [ref("module.ecr.repository_arn")] },
      );
    } else if (role.kind === "deploy") {
      statements.push(
        { Sid: "Kubeconfig", Effect: "Allow", Action: ["eks:DescribeCluster"], Resource: [ref("module.eks.cluster_arn")] },
        // slipway deploy reads the root's outputs from its state.
        ...stateRead,
      );
    } else if (role.kind === "plan") {
      statements.push(...stateRead, {
        Sid: "StateLock",
        Effect: "Allow",
        Action: ["s3:DeleteObject", "s3:PutObject"],
        Resource: [`${stateBucket}/${infra.stateKey}.tflock`],
      });
      out.push(
        comment("Reads every resource the plan refreshes. ReadOnlyAccess is AWS's managed read-only policy; it also reads S3 objects."),
        block(
          "resource",
          ["aws_iam_role_policy_attachment", `${id}_read_only`],
          body(["role", ref(`aws_iam_role.${id}.name`)], ["policy_arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        ),
      );
    } else {
      out.push(
        comment(
          "Applies whatever this root manages, IAM included, so it is administrator: only the reviewed plan, behind the environment's approval, runs with it.",
        ),
        block(
          "resource",
          ["aws_iam_role_policy_attachment", `${id}_apply`],
          body(["role", ref(`aws_iam_role.${id}.name`)], ["policy_arn", "arn:aws:iam::aws:policy/AdministratorAccess"]),
        ),
      );
    }
    if (statements.length > 0) {
      out.push(
        block(
          "resource",
          ["aws_iam_role_policy", id],
          body(
            ["name", `${role.key}-ci`],
            ["role", ref(`aws_iam_role.${id}.id`)],
            ["policy", call("jsonencode", { Version: "2012-10-17", Statement: statements })],
          ),
        ),
      );
    }
  }
  return out;
}

function output(name: string, description: string, value: HclValue): HclBlock {
  return block("output", [name], body(["description", description], ["value", value]));
}

function outputs(c: Context): HclBlock[] {
  const { model } = c;
  const db = model.database;
  const aurora = c.infra.database.service === "aurora";
  const out: HclBlock[] = [
    output("region", "AWS region", c.infra.region),
    output("cluster_name", "EKS cluster name", ref("module.eks.cluster_name")),
    output("cluster_endpoint", "EKS API endpoint", ref("module.eks.cluster_endpoint")),
  ];
  if (db) {
    out.push(
      output("database_engine", "mysql or postgres", db.engine),
      output(
        "database_endpoint",
        "Database host (the writer)",
        ref(aurora ? "module.database.cluster_endpoint" : "module.database.db_instance_address"),
      ),
      output("database_port", "Database port", ref(aurora ? "module.database.cluster_port" : "module.database.db_instance_port")),
      output("database_name", "Database name", db.name),
      output(
        "database_cluster_id",
        aurora ? "Aurora cluster identifier (the source of `slipway db drill`)" : "RDS instance identifier",
        ref(aurora ? "module.database.cluster_id" : "module.database.db_instance_identifier"),
      ),
      output(
        "database_master_secret_arn",
        "Secrets Manager secret RDS keeps the admin password in (read by the setup phase only)",
        aurora
          ? call("try", ref("module.database.cluster_master_user_secret[0].secret_arn"), null)
          : ref("module.database.db_instance_master_user_secret_arn"),
      ),
    );
  }
  if (model.aws) {
    out.push(
      output(
        "app_role_arn",
        "The app's IAM role",
        ref(model.aws.identity === "pod-identity" ? "module.app_pod_identity.iam_role_arn" : "module.app_irsa.arn"),
      ),
    );
  }
  out.push(output("ecr_repository_url", "ECR repository of the app's image", ref("module.ecr.repository_url")));
  if (c.ciRoles.length > 0) {
    out.push(
      output(
        "ci_role_arns",
        "The CI roles of this root by ci.aws.roles key: the ARNs the rendered pipeline assumes",
        Object.fromEntries(c.ciRoles.map((r) => [r.key, ref(`aws_iam_role.${ciRoleResource(r)}.arn`)])),
      ),
    );
  }
  if (certificateWanted(model)) {
    out.push(output("certificate_arn", "ACM certificate of the ingress host", ref("module.acm.acm_certificate_arn")));
  }
  return out;
}
