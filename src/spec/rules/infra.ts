import { infraAccountId } from "../../model/infra.js";
import type { AppSpec, InfraSpec } from "../schema.js";

/** A SpecRule over the part of the merged view it reads (own type: importing index.ts would be a cycle). */
type InfraRule = (input: { infra: InfraSpec | undefined; app: AppSpec }) => { path: (string | number)[]; message: string; hint: string }[];

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

/** The cross-field rules of `infra`. */
export const infraRules: readonly InfraRule[] = [infraZonesForTier, infraNodesMinAtMostMax, infraStateBucketNamed];
