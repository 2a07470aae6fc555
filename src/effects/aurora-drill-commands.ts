/*
 * The AWS restore drill as data: the scratch cluster's name, its tags, the RDS requests that
 * restore it and give it an instance, and what an observed status means (done, failed now, or
 * wait). Pure; tested as exact values. aurora-drill.ts sends them.
 */

/** Every scratch cluster and instance name starts with it; a drill never deletes anything else. */
export const scratchPrefix = "slipway-drill-";

/**
 * `slipway-drill-<source>-<yyyymmddhhmmss>-<suffix>`: an RDS identifier (a letter first, letters,
 * digits and single hyphens, at most 63; the instance adds `-1`, so the cluster stays within 61).
 * `suffix` (a few random hex digits from the caller) keeps two drills in one second apart.
 */
export function scratchIdentifier(source: string, at: Date, suffix: string): string {
  const stamp = at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const tail = suffix
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 8);
  const room = 61 - scratchPrefix.length - 1 - stamp.length - (tail ? tail.length + 1 : 0);
  const base = source
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .slice(0, room)
    .replace(/^-+|-+$/g, "");
  return `${scratchPrefix}${base ? `${base}-` : ""}${stamp}${tail ? `-${tail}` : ""}`;
}

/** The scratch instance of a scratch cluster. */
export function scratchInstanceIdentifier(scratch: string): string {
  return `${scratch}-1`;
}

export interface Tag {
  Key: string;
  Value: string;
}

/** Tags on the scratch cluster and instance: what made them, for whom, and when. */
export function drillTags(app: string, environment: string, source: string, at: Date): Tag[] {
  return [
    { Key: "slipway:drill", Value: "scratch" },
    { Key: "slipway:app", Value: app },
    { Key: "slipway:environment", Value: environment },
    { Key: "slipway:source-cluster", Value: source },
    { Key: "slipway:started-at", Value: at.toISOString() },
  ];
}

/** What the drill reads of the source cluster (DescribeDBClusters). */
export interface SourceCluster {
  identifier: string;
  engine: string;
  engineVersion: string | undefined;
  status: string | undefined;
  backupRetentionDays: number;
  latestRestorableTime: Date | undefined;
  subnetGroup: string | undefined;
  /** The cluster parameter group, when it is not one of RDS's defaults. */
  parameterGroup: string | undefined;
  securityGroupIds: string[];
  port: number | undefined;
}

/**
 * RestoreDBClusterToPointInTime: the source's latest restorable time, as a full copy (what a real
 * recovery does, so the measured time is the real one), in the source's subnet group and security
 * groups (so the cluster's pods reach it) with its own parameter group, never deletion-protected.
 */
export function restoreRequest(source: SourceCluster, scratch: string, tags: Tag[]): Record<string, unknown> {
  return {
    SourceDBClusterIdentifier: source.identifier,
    DBClusterIdentifier: scratch,
    UseLatestRestorableTime: true,
    RestoreType: "full-copy",
    ...(source.subnetGroup ? { DBSubnetGroupName: source.subnetGroup } : {}),
    ...(source.parameterGroup && !source.parameterGroup.startsWith("default.")
      ? { DBClusterParameterGroupName: source.parameterGroup }
      : {}),
    ...(source.securityGroupIds.length > 0 ? { VpcSecurityGroupIds: [...source.securityGroupIds] } : {}),
    DeletionProtection: false,
    CopyTagsToSnapshot: false,
    Tags: tags,
  };
}

/** CreateDBInstance in the scratch cluster: the source's instance class, private. */
export function instanceRequest(source: SourceCluster, scratch: string, instanceClass: string, tags: Tag[]): Record<string, unknown> {
  return {
    DBInstanceIdentifier: scratchInstanceIdentifier(scratch),
    DBClusterIdentifier: scratch,
    Engine: source.engine,
    DBInstanceClass: instanceClass,
    PubliclyAccessible: false,
    Tags: tags,
  };
}

/** DeleteDBInstance of the scratch instance (an Aurora instance has no snapshot of its own). */
export function deleteInstanceRequest(scratch: string): Record<string, unknown> {
  return { DBInstanceIdentifier: scratchInstanceIdentifier(scratch), SkipFinalSnapshot: true };
}

/** DeleteDBCluster of the scratch cluster: no final snapshot, its automated backups removed with it. */
export function deleteClusterRequest(scratch: string): Record<string, unknown> {
  return { DBClusterIdentifier: scratch, SkipFinalSnapshot: true, DeleteAutomatedBackups: true };
}

export interface WaitState {
  done: boolean;
  ok: boolean;
  reason: string;
}

/** Statuses from which a cluster or instance never becomes available by itself: the drill fails now. */
const failedStatuses = new Set([
  "failed",
  "inaccessible-encryption-credentials",
  "inaccessible-encryption-credentials-recoverable",
  "incompatible-network",
  "incompatible-option-group",
  "incompatible-parameters",
  "incompatible-restore",
  "restore-error",
  "storage-full",
  "deleting",
  "stopped",
]);

/** A scratch cluster's or instance's observed status (undefined: not found yet) → done, failed, or wait. */
export function waitState(what: string, status: string | undefined): WaitState {
  if (status === "available") return { done: true, ok: true, reason: `${what} is available` };
  if (status !== undefined && failedStatuses.has(status)) return { done: true, ok: false, reason: `${what} is ${status}` };
  return { done: false, ok: false, reason: `${what} is ${status ?? "not listed yet"}` };
}

/** Seconds with one decimal. */
export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** A cluster as DescribeDBClusters lists it, as far as the stale-scratch rule reads it. */
export interface ListedCluster {
  identifier: string;
  status: string | undefined;
  tags: readonly Tag[];
  members: readonly string[];
}

/**
 * Scratch clusters a drill of `source` left behind (killed before its `finally` ran: a second
 * Ctrl-C, SIGKILL, a lost machine): named with the drill prefix, tagged as a drill's scratch of this
 * source, started more than `olderThanMs` ago (longer than any drill may run, so a drill running
 * elsewhere keeps its own), and not already deleting. Anything else is never touched.
 */
export function staleScratch(clusters: readonly ListedCluster[], source: string, now: Date, olderThanMs: number): ListedCluster[] {
  return clusters.filter((c) => {
    const tag = (key: string) => c.tags.find((t) => t.Key === key)?.Value;
    const started = Date.parse(tag("slipway:started-at") ?? "");
    return (
      c.identifier.startsWith(scratchPrefix) &&
      tag("slipway:drill") === "scratch" &&
      tag("slipway:source-cluster") === source &&
      Number.isFinite(started) &&
      now.getTime() - started > olderThanMs &&
      c.status !== "deleting"
    );
  });
}
