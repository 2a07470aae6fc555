/*
 * One environment's AWS infrastructure settings: the spec's `infra` block with the environment's
 * overlay merged (done by validation), every default decided here. `render terraform` renders
 * them; `slipway infra` reads the region and the state location from them.
 */

/** The `infra` block as validation leaves it (schema defaults applied), for one environment. */
export interface InfraInput {
  region: string;
  accountId?: string | undefined;
  tier: "production" | "staging";
  state: { bucket?: string | undefined; key?: string | undefined };
  network: { cidr: string; zones: number };
  cluster: {
    name?: string | undefined;
    version: string;
    compute: "managed-nodes" | "auto-mode" | "fargate";
    publicAccessCidrs: string[];
    nodes: { instanceTypes: string[]; min: number; max: number };
    admins: string[];
  };
  database: { service: "aurora" | "rds"; deletionProtection?: boolean | undefined };
  registry: { keepImages: number; untaggedDays: number };
  dnsZoneId?: string | undefined;
  kms: boolean;
  logRetentionDays: number;
}

/** What infraSettings reads of a validated spec (`ValidatedSpec` from spec/validate.ts is one). */
export interface InfraSource {
  spec: { name: string };
  environments: Readonly<
    Record<string, { infra?: InfraInput | undefined; app: { image: string; aws?: { accountId?: string | undefined } | undefined } }>
  >;
}

/** One environment's infrastructure, every default decided. */
export interface InfraSettings {
  region: string;
  /** From infra.accountId, app.aws.accountId or an ECR app.image; absent when none says. */
  accountId?: string;
  /** S3 bucket of the Terraform state. Default: <name>-tfstate-<accountId>. */
  stateBucket: string;
  /** Object key of this environment's state. Default: <name>/<environment>/terraform.tfstate. */
  stateKey: string;
  tier: "production" | "staging";
  /** Availability zones (3, or 2 in staging) and the VPC range. */
  network: { cidr: string; zones: number };
  /** production: one NAT gateway per zone; staging: one for the VPC. */
  natGateways: "one-per-zone" | "single";
  cluster: {
    /** Default: <name>-<environment>. */
    name: string;
    version: string;
    compute: "managed-nodes" | "auto-mode" | "fargate";
    /** Empty: the API endpoint is private only. */
    publicAccessCidrs: string[];
    nodes: { instanceTypes: string[]; min: number; max: number };
    admins: string[];
  };
  database: {
    service: "aurora" | "rds";
    /** Default: true in production, false in staging. */
    deletionProtection: boolean;
    /** production: a standby in another zone (an Aurora replica, or RDS Multi-AZ). */
    multiAz: boolean;
  };
  registry: { keepImages: number; untaggedDays: number };
  dnsZoneId?: string;
  kms: boolean;
  logRetentionDays: number;
}

/**
 * The infrastructure settings of environment `env`, or undefined when it has no `infra` block (or
 * is not in the spec). Pure. A spec rule (spec/rules/infra.ts) guarantees a state bucket can be
 * named: without an account ID the spec must give `infra.state.bucket`.
 */
export function infraSettings(validated: InfraSource, env: string): InfraSettings | undefined {
  const environment = Object.hasOwn(validated.environments, env) ? validated.environments[env] : undefined;
  const infra = environment?.infra;
  if (!environment || !infra) return undefined;
  const name = validated.spec.name;
  const accountId = infraAccountId(infra, environment.app);
  const production = infra.tier === "production";
  return {
    region: infra.region,
    ...(accountId ? { accountId } : {}),
    stateBucket: infra.state.bucket ?? `${name}-tfstate-${accountId ?? "unknown"}`,
    stateKey: infra.state.key ?? `${name}/${env}/terraform.tfstate`,
    tier: infra.tier,
    network: { cidr: infra.network.cidr, zones: infra.network.zones },
    natGateways: production ? "one-per-zone" : "single",
    cluster: {
      name: infra.cluster.name ?? `${name}-${env}`,
      version: infra.cluster.version,
      compute: infra.cluster.compute,
      publicAccessCidrs: [...infra.cluster.publicAccessCidrs],
      nodes: { instanceTypes: [...infra.cluster.nodes.instanceTypes], min: infra.cluster.nodes.min, max: infra.cluster.nodes.max },
      admins: [...infra.cluster.admins],
    },
    database: {
      service: infra.database.service,
      deletionProtection: infra.database.deletionProtection ?? production,
      multiAz: production,
    },
    registry: { keepImages: infra.registry.keepImages, untaggedDays: infra.registry.untaggedDays },
    ...(infra.dnsZoneId ? { dnsZoneId: infra.dnsZoneId } : {}),
    kms: infra.kms,
    logRetentionDays: infra.logRetentionDays,
  };
}

/** The AWS account: infra.accountId, else app.aws.accountId, else the account of an ECR image. */
export function infraAccountId(
  infra: Pick<InfraInput, "accountId">,
  app: { image: string; aws?: { accountId?: string | undefined } | undefined },
): string | undefined {
  return infra.accountId ?? app.aws?.accountId ?? /^(\d{12})\.dkr\.ecr\./.exec(app.image)?.[1];
}
