import type { InfraSettings } from "./infra.js";
import type { LogsModel, SloModel } from "./observability.js";

/*
 * The normalized app model: one environment of one spec, every default applied and every
 * decision (autoscale or not, PDB or not, which secret holds what) already taken. Renderers read
 * only this; they never look at the spec.
 */

export interface AppModel {
  name: string;
  environment: string;
  target: TargetModel;
  /** Namespace for Kubernetes objects (the app name unless the target says otherwise). */
  namespace: string;
  image: ImageModel;
  /** How the image is built; `steps` also run in the local target's prepare. */
  build: { context: string; dockerfile: string; platforms: string[]; steps: string[][] } | undefined;
  port: number;
  command: string[] | undefined;
  args: string[] | undefined;
  health: HealthModel;
  /** Plain env vars, sorted by name. */
  env: [string, string][];
  secrets: SecretsModel;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  replicas: ReplicasModel;
  metrics: { path: string; port: number; separatePort: boolean } | undefined;
  release: { setup: string[] | undefined; migrate: string[] | undefined };
  egress: EgressModel[];
  /** Who inside the cluster may reach the app's port, besides the ingress controller and Prometheus. */
  allowFrom: "cluster" | "namespace" | "none" | string[];
  aws: AwsModel | undefined;
  runAs: { user: number; group: number };
  shutdown: { drainSeconds: number; graceSeconds: number };
  database: DatabaseModel | undefined;
  ingress: IngressModel | undefined;
  /** AWS infrastructure (`render terraform`), when the spec has an `infra` block. */
  infra?: InfraSettings | undefined;
  /** Service level objectives (`render observability`), when the spec has an `slo` block. */
  slo?: SloModel | undefined;
  /** Log shipping (`render observability`); absent or via none: logs stay on the node. */
  logs?: LogsModel | undefined;
  /** The spec's `ci:` block with its defaults (the same in every environment's model). */
  ci: CiModel;
}

/** What `slipway render ci` renders the pipeline from. */
export interface CiModel {
  /** ci.provider: the CI system the trust policies `render terraform` writes are for; undefined: none rendered. */
  provider: "github" | "gitlab" | undefined;
  defaultBranch: string;
  install: string[] | undefined;
  lint: string[] | undefined;
  test: string[] | undefined;
  /** Environments the default branch deploys to, in order: the first after the build, the others behind an approval. */
  environments: string[];
  aws: {
    /** undefined: not known from the spec; the pipeline reads a CI variable (AWS_REGION). */
    region: string | undefined;
    /** undefined: not known from the spec; role ARNs then use a CI variable (AWS_ACCOUNT_ID). */
    accountId: string | undefined;
    /** The role each job assumes, by environment name and "build": an ARN, or undefined to compose from the account and roleName. */
    roleNames: Record<string, string>;
    roleArns: Record<string, string>;
    /** EKS cluster name by environment, when ci.aws.eksCluster names it (else the infra cluster, else the environment). */
    eksClusters: Record<string, string>;
    /** "create": the first environment's root in each account creates the IAM OIDC provider; else its ARN. */
    oidcProvider: string;
  };
  /** The environments of `environments` with an `infra` block, in that order, with their AWS account: where the CI roles go. */
  infraEnvironments: { name: string; accountId: string | undefined }[];
  github: {
    subject: "legacy" | "immutable";
    repository: string | undefined;
    ownerId: number | undefined;
    repositoryId: number | undefined;
  };
  /** GitLab: the image of the install/lint/test job; undefined: the Node.js image slipway runs in. */
  gitlab: {
    image: string | undefined;
    /** GROUP/PROJECT, for the trust policies' subjects. */
    project: string | undefined;
    /** The instance URL (the ID tokens' issuer). Default https://gitlab.com. */
    url: string;
  };
}

export type TargetModel =
  | { type: "kubernetes"; name: string; context: string | undefined }
  | {
      type: "local";
      name: string;
      port: number;
      prepare: string[] | undefined;
      /** Folders of the release copy put first on PATH (targets.<name>.path), relative to it. */
      path: string[];
      trustedProxies: string[];
    }
  | {
      type: "host";
      name: string;
      /** user@server[:port]. */
      ssh: string;
      /** Private key file, as written in slipway.yaml (relative to it or absolute). */
      identity: string | undefined;
      /** The pinned known_hosts file, as written (relative to slipway.yaml or absolute). */
      knownHosts: string | undefined;
      runtime: "podman" | "docker";
      /** How a deploy brings an image the server lacks: auto (copy when this machine has it, else pull on the server), pull, copy. */
      imageTransfer: "auto" | "pull" | "copy";
      /** Port of the proxy on the server. */
      port: number;
      /** HTTPS for ingress.host, as written in slipway.yaml (undefined: acme in a production environment, else off). */
      tls: "acme" | "internal" | "off" | undefined;
      /** Port of the proxy's HTTPS server. */
      httpsPort: number;
      /** The ACME account's email. */
      acmeEmail: string | undefined;
      /** slipway's folder on the server. */
      dir: string;
      /** The database accessory (targets.<name>.database). */
      database: { image?: string | undefined };
      /** The proxy container (targets.<name>.proxy). */
      proxy: { image?: string | undefined };
    };

export interface ImageModel {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
  /** What the container runs: repository@digest when a digest is known, else repository:tag. */
  ref: string;
}

export interface HealthModel {
  readiness: string;
  /** undefined: a TCP check of the port. */
  liveness: string | undefined;
  /** undefined path: a TCP check of the port. */
  startup: { path: string | undefined; timeoutSeconds: number };
  readinessChecksDatabase: boolean;
}

export interface SecretsModel {
  /** Secret env var names, in spec order. */
  names: string[];
  /** Kubernetes Secret that holds one key per name. */
  secretName: string;
  source: SecretSourceModel;
}

export type SecretSourceModel =
  | { kind: "env" }
  | { kind: "env-file"; path: string }
  | { kind: "kubernetes-secret"; name: string }
  | { kind: "aws-secrets-manager"; prefix: string; refreshInterval: string; store: string };

export interface ReplicasModel {
  min: number;
  max: number;
  autoscale: boolean;
  cpuPercent: number | undefined;
  memoryPercent: number | undefined;
  disruptionBudget: boolean;
}

export interface EgressModel {
  cidr: string;
  except: string[];
  port: number;
  protocol: "TCP" | "UDP";
  /** The host name this rule stands for (network policies match addresses, not names). */
  host: string | undefined;
}

export interface AwsModel {
  identity: "irsa" | "pod-identity";
  roleName: string;
  roleArn: string | undefined;
  s3: { bucket: string; access: ("read" | "write" | "delete")[] }[];
}

export interface DatabaseModel {
  engine: "mysql" | "postgres";
  version: string;
  size: string;
  backupRetentionDays: number;
  /** `slipway db backup` (local target): how many backups (and, separately, pre-restore dumps) are kept. */
  backupKeep: number;
  /** Where `slipway db backup` copies each backup, when the spec asks (`database.backups.s3`). */
  backupS3: { bucket: string; prefix: string; region: string | undefined } | undefined;
  name: string;
  user: string;
  adminUser: string;
  port: number;
  /**
   * The database's host when slipway knows it (the Terraform output database_endpoint): DB_HOST and
   * DATABASE_URL then use it, and the database Secret needs only `password`. Otherwise the Secret's `host` key.
   */
  host?: string | undefined;
  cidr: string;
  /** Secret holding `host` and `password` for the app user, and `url`: the composed DATABASE_URL. */
  secretName: string;
  /** Secret holding `password` (and `url`) for the admin user; only the setup phase reads it. */
  adminSecretName: string;
  /** Scheme of DATABASE_URL (postgresql, mysql2, mysql+pymysql …). */
  urlScheme: string;
}

export interface IngressModel {
  host: string;
  tls: boolean;
  certificate: string | undefined;
  class: "alb" | "nginx";
  scheme: "internet-facing" | "internal";
  paths: string[];
  sourceCidr: string;
  clusterIssuer: string;
}
