/**
 * `slipway db drill -e production` for an Aurora environment, for real through slipway's own AWS
 * SDK RDS client against moto's server (RDS over the AWS query protocol on 127.0.0.1, reached via
 * AWS_ENDPOINT_URL_RDS). moto implements every call the drill makes (DescribeDBClusters,
 * DescribeDBInstances, RestoreDBClusterToPointInTime, CreateDBInstance, DeleteDBInstance,
 * DeleteDBCluster): the source cluster is made in moto with the SDK, the drill restores it into a
 * scratch cluster, measures, records, and deletes it; failures before and after the restore leave
 * nothing behind. moto makes clusters and instances available at once, so the waiting (status
 * changes, a status that fails the drill now, the time limit) is covered by
 * aws-drill-recorded.test.ts with recorded responses.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateDBClusterCommand, CreateDBInstanceCommand, DescribeDBClustersCommand, RDSClient } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Moto, motoUnavailable, startMoto } from "../../helpers/moto.js";
import { slipway } from "../deploy/local-harness.js";
import { auroraSpec, outputsFile } from "./aurora-fixture.js";

const noMoto = motoUnavailable();

describe.skipIf(noMoto !== undefined)(`slipway db drill on Aurora against moto's RDS${noMoto ? ` (skipped: ${noMoto})` : ""}`, () => {
  let moto: Moto;
  let rds: RDSClient;
  let dir: string;
  let env: Record<string, string>;
  const credentials = { accessKeyId: "AKIDSLIPWAYDRILL", secretAccessKey: "slipway-drill-test-secret-key" };
  /** What must be left after a drill: the sources, the fresh scratch of another drill, the one made by hand. */
  const left = ["no-backups", "shop-production", "slipway-drill-by-hand", "slipway-drill-shop-production-20991231000000-0002"];
  const clusters = async () =>
    ((await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterIdentifier).sort();

  beforeAll(async () => {
    moto = await startMoto();
    env = {
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_RDS: moto.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    };
    rds = new RDSClient({ region: "eu-west-2", endpoint: moto.url, credentials });
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: "shop-production",
        Engine: "aurora-postgresql",
        EngineVersion: "17.4",
        MasterUsername: "slipway_admin",
        MasterUserPassword: "moto-only-password-1",
        BackupRetentionPeriod: 7,
        DatabaseName: "shop",
      }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "shop-production-one",
        DBClusterIdentifier: "shop-production",
        Engine: "aurora-postgresql",
        DBInstanceClass: "db.r7g.large",
      }),
    );
    // A cluster without automated backups: nothing to restore to a point in time.
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: "no-backups",
        Engine: "aurora-postgresql",
        MasterUsername: "slipway_admin",
        MasterUserPassword: "moto-only-password-2",
        BackupRetentionPeriod: 0,
      }),
    );
    // What drills killed before their `finally` left: one old enough to be stale (deleted by the next
    // drill), one started just now (a drill running elsewhere: kept), one made by hand (never touched).
    const scratchTags = (startedAt: string) => [
      { Key: "slipway:drill", Value: "scratch" },
      { Key: "slipway:source-cluster", Value: "shop-production" },
      { Key: "slipway:started-at", Value: startedAt },
    ];
    const leftBehind = async (id: string, tags: { Key: string; Value: string }[]) => {
      await rds.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: id,
          Engine: "aurora-postgresql",
          MasterUsername: "slipway_admin",
          MasterUserPassword: "moto-only-password-3",
          Tags: tags,
        }),
      );
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: `${id}-1`,
          DBClusterIdentifier: id,
          Engine: "aurora-postgresql",
          DBInstanceClass: "db.r7g.large",
        }),
      );
    };
    await leftBehind("slipway-drill-shop-production-20260101000000-0001", scratchTags("2026-01-01T00:00:00.000Z"));
    await leftBehind("slipway-drill-shop-production-20991231000000-0002", scratchTags(new Date().toISOString()));
    await leftBehind("slipway-drill-by-hand", []);
    dir = mkdtempSync(join(tmpdir(), "slipway-aws-drill-"));
    writeFileSync(join(dir, "slipway.yaml"), auroraSpec);
    writeFileSync(join(dir, "outputs.json"), outputsFile("shop-production"));
  }, 180_000);
  afterAll(async () => {
    rds?.destroy();
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("restores the latest restorable time into a scratch cluster, measures RTO and RPO, renders the check Job, deletes the scratch cluster", async () => {
    const run = await slipway(dir, ["db", "drill", "-e", "production", "--infra", "outputs.json", "--poll", "1", "--json"], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = run.final?.result as Record<string, unknown> & {
      phases: Record<string, number>;
      deletion: Record<string, string>;
      check: { ran: boolean; detail: string; job: { kind: string; metadata: { name: string; namespace: string }; spec: unknown } };
    };
    expect(result).toMatchObject({ ok: true, region: "eu-west-2", source: "shop-production", engine: "aurora-postgresql" });
    expect(String(result.scratchCluster)).toMatch(/^slipway-drill-shop-production-\d{14}-[0-9a-f]{4}$/);
    expect(result.scratchInstance).toBe(`${result.scratchCluster}-1`);
    expect(typeof result.rtoSeconds).toBe("number");
    expect(result.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(String(result.latestRestorableTime))).not.toBeNaN();
    expect(Object.keys(result.phases).sort()).toEqual(["check", "instance", "restore", "total"]);
    expect(String(result.endpoint)).toMatch(new RegExp(`^${result.scratchCluster}\\.cluster-`));
    // The check query: not run by slipway, said so, and the Job that would run it rendered against the scratch endpoint.
    expect(result.check.ran).toBe(false);
    expect(result.check.detail).toMatch(/^not run/);
    expect(result.check.job.kind).toBe("Job");
    expect(JSON.stringify(result.check.job)).toContain(String(result.endpoint));
    expect(JSON.stringify(result.check.job)).not.toContain("moto-only-password");
    // Deleted: only the source is left, and the drill said what RDS answered.
    expect(result.deletion.cluster).toMatch(/^(deleting|gone|available)$/);
    expect(result.deletion.instance).toMatch(/^(deleting|gone)$/);
    expect(await clusters()).toEqual(left);
    expect(result.staleDeleted).toEqual([
      { cluster: "slipway-drill-shop-production-20260101000000-0001", deletion: { instance: "deleting", cluster: expect.any(String) } },
    ]);

    // The history keeps the drill (no secret in it), as the local drill's does.
    const historyDir = join(dir, ".slipway/production/db-history");
    const entries = readdirSync(historyDir).map((f) => JSON.parse(readFileSync(join(historyDir, f), "utf8")) as Record<string, unknown>);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "drill", ok: true, kind: "aws-point-in-time", source: "shop-production" });
    expect(typeof entries[0]?.rtoSeconds).toBe("number");
    expect(JSON.stringify(entries)).not.toContain(credentials.secretAccessKey);

    // The human view: RTO, RPO, the check not run, the deletion.
    const human = await slipway(dir, ["db", "drill", "-e", "production", "--infra", "outputs.json", "--poll", "1"], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/drill passed shop-production .*\(check query not run\)/);
    expect(human.stdout).toMatch(/RTO \d+(\.\d)? s/);
    expect(human.stdout).toMatch(/RPO \d+(\.\d)? s/);
    expect(human.stdout).toMatch(/scratch deleted: instance deleting, cluster/);
    expect(human.stderr).toMatch(/restoring shop-production to .* into slipway-drill-shop-production-\d{14}-[0-9a-f]{4}/);
    expect(await clusters()).toEqual(left);
  }, 180_000);

  it("fails with codes and hints, leaving no scratch cluster: a missing source, a source without backups, a plain RDS environment", async () => {
    const missing = await slipway(dir, ["db", "drill", "-e", "production", "--cluster", "no-such-cluster", "--json"], env);
    expect(missing.code).toBe(1);
    expect(missing.final?.error?.code).toBe("DB_DRILL_FAILED");
    expect(String(missing.final?.error?.message)).toMatch(/DBClusterNotFoundFault/);
    expect(String(missing.final?.error?.hint)).toMatch(/database_cluster_id/);

    const noBackups = await slipway(dir, ["db", "drill", "-e", "production", "--cluster", "no-backups"], env);
    expect(noBackups.code).toBe(1);
    expect(noBackups.stderr).toMatch(/DB_DRILL_FAILED/);
    expect(noBackups.stderr).toMatch(/keeps no automated backups/);
    expect(noBackups.stderr).toMatch(/hint: Set database.backups.retentionDays/);
    expect(noBackups.stderr).not.toMatch(/at .*\.js:\d+/);

    const badCluster = await slipway(dir, ["db", "drill", "-e", "production", "--cluster", "shop--prod", "--json"], env);
    expect(badCluster.code).toBe(2);
    expect(badCluster.final?.error?.code).toBe("USAGE");
    const fromFile = await slipway(dir, ["db", "drill", "-e", "production", "--from", "x.sql", "--json"], env);
    expect(fromFile.code).toBe(2);
    expect(String(fromFile.final?.error?.message)).toMatch(/latest restorable time/);

    writeFileSync(join(dir, "rds.yaml"), auroraSpec.replace("service: aurora", "service: rds"));
    const rdsEnv = await slipway(dir, ["db", "drill", "-f", "rds.yaml", "-e", "production", "--json"], env);
    expect(rdsEnv.code).toBe(2);
    expect(rdsEnv.final?.error?.code).toBe("DEPLOY_TARGET_UNSUPPORTED");

    expect(await clusters()).toEqual(left);
    const failed = readdirSync(join(dir, ".slipway/production/db-history"))
      .map((f) => JSON.parse(readFileSync(join(dir, ".slipway/production/db-history", f), "utf8")) as Record<string, unknown>)
      .filter((e) => e.ok === false);
    expect(failed).toHaveLength(2);
  }, 180_000);
});
