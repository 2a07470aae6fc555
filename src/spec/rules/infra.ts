import { infraAccountId } from "../../model/infra.js";
import type { AppSpec, DatabaseSpec, InfraSpec, IngressSpec } from "../schema.js";

/** A SpecRule over the part of the merged view it reads (own type: importing index.ts would be a cycle). */
type InfraRule = (input: {
  infra: InfraSpec | undefined;
  app: AppSpec;
  database: DatabaseSpec | undefined;
  ingress: IngressSpec | undefined;
}) => { path: (string | number)[]; message: string; hint: string }[];

/** Two zones only in staging: production keeps a NAT gateway and a database standby in a third. */
const infraZonesForTier: InfraRule = ({ infra }) =>
  infra && infra.network.zones < 3 && infra.tier !== "staging"
    ? [
        {
          path: ["infra", "network", "zones"],
          message: `must be 3 for tier ${infra.tier}, got ${infra.network.zones}`,
          hint: "Use 3 zones, or set infra.tier: staging for a 2-zone environment.",
        },
      ]
    : [];

const infraNodesMinAtMostMax: InfraRule = ({ infra }) =>
  infra && infra.cluster.nodes.min > infra.cluster.nodes.max
    ? [
        {
          path: ["infra", "cluster", "nodes", "min"],
          message: `must be ≤ max (${infra.cluster.nodes.max}), got ${infra.cluster.nodes.min}`,
          hint: "Lower min or raise max.",
        },
      ]
    : [];

const infraStateBucketNamed: InfraRule = ({ infra, app }) =>
  infra && infra.state.bucket === undefined && infraAccountId(infra, app) === undefined
    ? [
        {
          path: ["infra", "accountId"],
          message: "is needed to name the state bucket when the image is not in ECR",
          hint: "Add accountId: '123456789012' (quoted), or name the bucket with infra.state.bucket.",
        },
      ]
    : [];

/** Subnets are cut at prefix + 4 (private) and + 8 (public, database); AWS takes /16 to /28. */
const infraCidrSize: InfraRule = ({ infra }) => {
  const prefix = Number(infra?.network.cidr.split("/")[1]);
  return infra && (prefix < 16 || prefix > 20)
    ? [
        {
          path: ["infra", "network", "cidr"],
          message: `must be a /16 to /20 range, got /${prefix}`,
          hint: "Use a range such as 10.0.0.0/16: its private subnets are /20s, public and database subnets /24s.",
        },
      ]
    : [];
};

const podIdentityNotOnFargate: InfraRule = ({ infra, app }) =>
  infra?.cluster.compute === "fargate" && app.aws?.identity === "pod-identity"
    ? [
        {
          path: ["app", "aws", "identity"],
          message: "pod-identity does not work on Fargate (infra.cluster.compute: fargate)",
          hint: "Use identity: irsa, or run on managed nodes or Auto Mode.",
        },
      ]
    : [];

/** Whether IPv4 range `outer` holds all of `inner` (both a.b.c.d/n). */
function covers(outer: string, inner: string): boolean {
  const parse = (cidr: string) => {
    const [address = "", bits = ""] = cidr.split("/");
    return { base: address.split(".").reduce((n, o) => n * 256 + Number(o), 0), prefix: Number(bits) };
  };
  const o = parse(outer);
  const i = parse(inner);
  const block = 2 ** (32 - o.prefix);
  return o.prefix <= i.prefix && Math.floor(o.base / block) === Math.floor(i.base / block);
}

/**
 * The app's network policy lets it reach database.cidr and admits the ALB from ingress.sourceCidr;
 * with infra both live in the VPC slipway renders, so each range must hold the VPC's.
 */
const rangesAreTheVpc: InfraRule = ({ infra, database, ingress }) => {
  if (!infra) return [];
  const vpc = infra.network.cidr;
  const out: ReturnType<InfraRule> = [];
  if (database && !covers(database.cidr, vpc))
    out.push({
      path: ["database", "cidr"],
      message: `must hold the VPC range infra.network.cidr (${vpc}), got ${database.cidr}`,
      hint: `The database runs in that VPC: set database.cidr: ${vpc} (or change infra.network.cidr), else the network policy blocks the app's connections.`,
    });
  if (ingress?.class === "alb" && !covers(ingress.sourceCidr, vpc))
    out.push({
      path: ["ingress", "sourceCidr"],
      message: `must hold the VPC range infra.network.cidr (${vpc}), got ${ingress.sourceCidr}`,
      hint: `The load balancer runs in that VPC: set ingress.sourceCidr: ${vpc}, else the network policy drops its traffic.`,
    });
  return out;
};

/** The cross-field rules of `infra`. */
export const infraRules: readonly InfraRule[] = [
  infraZonesForTier,
  infraNodesMinAtMostMax,
  infraStateBucketNamed,
  infraCidrSize,
  podIdentityNotOnFargate,
  rangesAreTheVpc,
];
