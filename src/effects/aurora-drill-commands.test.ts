import { describe, expect, it } from "vitest";
import { drillAwsError } from "./aurora-drill.js";
import {
  deleteClusterRequest,
  deleteInstanceRequest,
  drillTags,
  instanceRequest,
  restoreRequest,
  type SourceCluster,
  scratchIdentifier,
  scratchInstanceIdentifier,
  staleScratch,
  waitState,
} from "./aurora-drill-commands.js";

const at = new Date("2026-12-07T09:30:05.123Z");
const source: SourceCluster = {
  identifier: "shop-production",
  engine: "aurora-postgresql",
  engineVersion: "17.4",
  status: "available",
  backupRetentionDays: 7,
  latestRestorableTime: new Date("2026-12-07T09:25:00Z"),
  subnetGroup: "shop-production",
  parameterGroup: "shop-production-pg17",
  securityGroupIds: ["sg-0123"],
  port: 5432,
};

describe("the AWS drill's scratch names and requests", () => {
  it("names the scratch cluster slipway-drill-<source>-<time>-<suffix>, a valid RDS identifier of at most 61", () => {
    expect(scratchIdentifier("shop-production", at, "a1b2")).toBe("slipway-drill-shop-production-20261207093005-a1b2");
    expect(scratchInstanceIdentifier("slipway-drill-shop-production-20261207093005-a1b2")).toBe(
      "slipway-drill-shop-production-20261207093005-a1b2-1",
    );
    const long = scratchIdentifier(`a${"-very-long-name".repeat(8)}`, at, "ffff");
    expect(long.length).toBeLessThanOrEqual(61);
    expect(long).toMatch(/^slipway-drill-a-very-long-name[a-z-]*-20261207093005-ffff$/);
    expect(long).not.toMatch(/--/);
    expect(scratchIdentifier("Shop_Prod", at, "")).toBe("slipway-drill-shop-prod-20261207093005");
  });

  it("tags say what made the scratch cluster, for whom and when", () => {
    expect(drillTags("shop", "production", "shop-production", at)).toEqual([
      { Key: "slipway:drill", Value: "scratch" },
      { Key: "slipway:app", Value: "shop" },
      { Key: "slipway:environment", Value: "production" },
      { Key: "slipway:source-cluster", Value: "shop-production" },
      { Key: "slipway:started-at", Value: "2026-12-07T09:30:05.123Z" },
    ]);
  });

  it("restores the latest restorable time as a full copy in the source's network, unprotected; the instance private", () => {
    const tags = [{ Key: "slipway:drill", Value: "scratch" }];
    expect(restoreRequest(source, "slipway-drill-x", tags)).toEqual({
      SourceDBClusterIdentifier: "shop-production",
      DBClusterIdentifier: "slipway-drill-x",
      UseLatestRestorableTime: true,
      RestoreType: "full-copy",
      DBSubnetGroupName: "shop-production",
      DBClusterParameterGroupName: "shop-production-pg17",
      VpcSecurityGroupIds: ["sg-0123"],
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      Tags: tags,
    });
    const bare = restoreRequest(
      { ...source, subnetGroup: undefined, parameterGroup: "default.aurora-postgresql17", securityGroupIds: [] },
      "s",
      [],
    );
    expect(bare).not.toHaveProperty("DBSubnetGroupName");
    expect(bare).not.toHaveProperty("DBClusterParameterGroupName");
    expect(bare).not.toHaveProperty("VpcSecurityGroupIds");
    expect(instanceRequest(source, "slipway-drill-x", "db.r7g.large", tags)).toEqual({
      DBInstanceIdentifier: "slipway-drill-x-1",
      DBClusterIdentifier: "slipway-drill-x",
      Engine: "aurora-postgresql",
      DBInstanceClass: "db.r7g.large",
      PubliclyAccessible: false,
      Tags: tags,
    });
    expect(deleteInstanceRequest("slipway-drill-x")).toEqual({ DBInstanceIdentifier: "slipway-drill-x-1", SkipFinalSnapshot: true });
    expect(deleteClusterRequest("slipway-drill-x")).toEqual({
      DBClusterIdentifier: "slipway-drill-x",
      SkipFinalSnapshot: true,
      DeleteAutomatedBackups: true,
    });
  });

  it("a status is done, failed now, or a reason to wait", () => {
    expect(waitState("cluster c", "available")).toEqual({ done: true, ok: true, reason: "cluster c is available" });
    for (const status of ["failed", "incompatible-restore", "inaccessible-encryption-credentials", "storage-full", "deleting"])
      expect(waitState("cluster c", status)).toEqual({ done: true, ok: false, reason: `cluster c is ${status}` });
    for (const status of ["creating", "backing-up", "modifying", "configuring-enhanced-monitoring"])
      expect(waitState("instance i", status)).toEqual({ done: false, ok: false, reason: `instance i is ${status}` });
    expect(waitState("cluster c", undefined).reason).toBe("cluster c is not listed yet");
  });

  it("turns SDK failures into DB_DRILL_FAILED with what to do", () => {
    const sdk = (name: string, message: string, status?: number) =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    const missing = drillAwsError(sdk("DBClusterNotFoundFault", "DBCluster shop not found.", 404), "read cluster shop in eu-west-2");
    expect(missing.code).toBe("DB_DRILL_FAILED");
    expect(missing.message).toBe("AWS drill: could not read cluster shop in eu-west-2 (DBClusterNotFoundFault): DBCluster shop not found.");
    expect(missing.hint).toMatch(/database_cluster_id .* --cluster/);
    expect(drillAwsError(sdk("AccessDenied", "no", 403), "x").hint).toMatch(/rds:RestoreDBClusterToPointInTime/);
    expect(drillAwsError(sdk("CredentialsProviderError", "Could not load credentials from any providers"), "x").hint).toMatch(
      /AWS_PROFILE/,
    );
    expect(drillAwsError(sdk("DBClusterQuotaExceededFault", "quota"), "x").hint).toMatch(/quota/);
  });

  it("stale scratch clusters: a drill's own, of this source, older than any drill runs, not already deleting", () => {
    const tags = (source: string, startedAt: string) => [
      { Key: "slipway:drill", Value: "scratch" },
      { Key: "slipway:source-cluster", Value: source },
      { Key: "slipway:started-at", Value: startedAt },
    ];
    const hour = 3_600_000;
    const listed = [
      {
        identifier: "slipway-drill-shop-production-20261201000000-aaaa",
        status: "available",
        tags: tags("shop-production", "2026-12-01T00:00:00Z"),
        members: ["x-1"],
      },
      {
        identifier: "slipway-drill-shop-production-20261207090000-bbbb",
        status: "available",
        tags: tags("shop-production", "2026-12-07T09:00:00Z"),
        members: [],
      },
      {
        identifier: "slipway-drill-shop-staging-20261201000000-cccc",
        status: "available",
        tags: tags("shop-staging", "2026-12-01T00:00:00Z"),
        members: [],
      },
      {
        identifier: "slipway-drill-shop-production-20261201000000-dddd",
        status: "deleting",
        tags: tags("shop-production", "2026-12-01T00:00:00Z"),
        members: [],
      },
      { identifier: "slipway-drill-hand-made", status: "available", tags: [], members: [] },
      { identifier: "shop-production", status: "available", tags: tags("shop-production", "2026-12-01T00:00:00Z"), members: [] },
    ];
    expect(staleScratch(listed, "shop-production", at, 2 * hour).map((c) => c.identifier)).toEqual([
      "slipway-drill-shop-production-20261201000000-aaaa",
    ]);
    expect(staleScratch(listed, "shop-production", at, 0.1 * hour).map((c) => c.identifier)).toHaveLength(2);
  });
});
